"""smartdj bench separation: real-time factor and peak memory of each installed separator on 60 s of stereo 48 kHz.

Each separator runs in its own process (so its peak RSS is its own): load, one warm-up on 2 s,
then ``--repeats`` timed separations of the same 60 s signal (the dev speech clips end to end
over stereo rain, or speech-shaped noise without the dev clips). Reported per separator: load
time, median wall and CPU seconds (CPU is robust to a busy machine), real-time factor (compute / audio seconds; below 1 is faster than real
time), times real time, peak RSS, and the ratio to the same-run baseline: the separation
executor's own exact arithmetic on that audio (residual, one composer op, mix back).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

SR = 48000
SECONDS = 60.0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repeats", type=int, default=3, help="timed separations per separator (default 3)")
    p.add_argument("--seconds", type=float, default=SECONDS, help="audio length (default 60)")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")


def _audio(seconds: float) -> tuple[np.ndarray, str]:
    from smartdj.engine.audio.io import read_audio

    n = int(seconds * SR)
    from smartdj.engine.config import dev_clips_dir

    dev = dev_clips_dir()
    if dev is not None:
        speech = np.concatenate([read_audio(p, sr=SR)[0][:1] for p in sorted(dev.glob("2[678]_*.wav"))], axis=1)
        rain = read_audio(dev / "10_rain_falling.wav", sr=SR)[0]
        voice = np.tile(speech, (2, -(-n // speech.shape[1])))[:, :n]
        bg = np.tile(rain, (1, -(-n // rain.shape[1])))[:, :n]
        return (voice + 0.5 * bg).astype(np.float32), "dev speech over rain"
    rng = np.random.default_rng(0)
    env = (np.sin(2 * np.pi * 3 * np.arange(n) / SR) > 0).astype(np.float32)
    return (0.1 * rng.standard_normal((2, n)) * env).astype(np.float32), "gated noise"


def _baseline(x: np.ndarray, t: np.ndarray, repeats: int) -> float:
    from smartdj.bridge.language import Step
    from smartdj.engine.compose.mixture import apply_whole

    step = Step("volume", "voice", db=3.0)
    times = []
    for _ in range(max(repeats, 5)):
        t0 = time.perf_counter()
        (x - t) + apply_whole(t, SR, step)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def child(name: str, repeats: int, seconds: float) -> dict:
    from smartdj.engine.config import Settings
    from smartdj.engine.execution import separation_registry as reg

    settings = Settings()
    backend = next(b for b in reg.backends(settings) if b.name == name)
    x, kind = _audio(seconds)
    t0 = time.perf_counter()
    sep = reg.create(backend, {}, settings)
    load = time.perf_counter() - t0
    target = {"speech": "voice", "music": "vocals"}.get(backend.kinds[0], "dog barking")
    sep.separate(x[:, : 2 * SR], SR, target)
    times, cpu, out = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = sep.separate(x, SR, target)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    med = statistics.median(times)
    base = _baseline(x, np.asarray(out, np.float32), repeats)
    return {"separator": name, "licence": backend.licence, "audio": kind, "seconds": seconds, "load_s": round(load, 3),
            "median_s": round(med, 3), "rtf": round(med / seconds, 4), "x_realtime": round(seconds / med, 2),
            "cpu_median_s": round(statistics.median(cpu), 3), "x_realtime_per_core": round(seconds / statistics.median(cpu), 2),
            "baseline": "exact op + mix back (residual + volume(target))", "baseline_median_s": round(base, 5),
            "ratio_to_baseline": round(med / base, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def measure(repeats: int = 3, seconds: float = SECONDS) -> dict:
    from smartdj.engine.config import Settings
    from smartdj.engine.execution import separation_registry as reg

    settings = Settings()
    rows, skipped = [], []
    for b in reg.backends(settings):
        if not reg.installed(b, {}, settings) or b.neural_editor:
            skipped.append({"separator": b.name, "why": "not installed" if not b.neural_editor else
                            "the diffusion editor (bench editor measures it)", "install": b.install})
            continue
        cmd = [sys.executable, "-m", "smartdj.engine.cli.main", "bench", "separation", "--child", b.name,
               "--repeats", str(repeats), "--seconds", str(seconds)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            rows.append({"separator": b.name, "error": proc.stderr.strip()[-500:]})
            continue
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {"sample_rate": SR, "channels": 2, "repeats": repeats, "separators": rows, "not_measured": skipped}


def run(args: argparse.Namespace) -> int:
    if args.child:
        print(json.dumps(child(args.child, args.repeats, args.seconds)))
        return 0
    result = measure(args.repeats, args.seconds)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for r in result["separators"]:
        if "error" in r:
            print(f"{r['separator']}: failed: {r['error']}")
            continue
        print(f"{r['separator']}: {r['median_s']} s for {r['seconds']} s stereo ({r['x_realtime']}x real time, "
              f"RTF {r['rtf']}), load {r['load_s']} s, peak RSS {r['peak_rss_mb']} MB, "
              f"{r['ratio_to_baseline']}x the exact-op baseline")
    for s in result["not_measured"]:
        print(f"{s['separator']}: not measured ({s['why']}; {s['install']})")
    return 0
