"""End to end: a 3-step composer edit of a 10 s 48 kHz stereo scene through the daemon, from submit
to the last render on disk (median of a few runs), beside the same work done in-process with no
daemon (read the stems, render the scene after each step with the composer, write each WAV
atomically) measured in the same run: the ratio is what the engine and the bridge add."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

PLAN = ["turn down the volume of rain by 6 dB", "change the sound of bell to left",
        "remove the sound of engine"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", action="store_true")


def _sources(folder: Path) -> list[dict]:
    import numpy as np
    import soundfile as sf

    sr, n = 48000, 480000
    rng = np.random.default_rng(0)
    t = np.arange(n) / sr
    clips = {"rain": rng.normal(0, 0.1, (n, 2)),
             "bell": np.stack([0.3 * np.sin(2 * np.pi * 880 * t) * np.exp(-(t % 2.0))] * 2, axis=1),
             "engine": np.stack([0.2 * np.sign(np.sin(2 * np.pi * 60 * t))] * 2, axis=1)}
    items = []
    for label, data in clips.items():
        p = folder / f"{label}.wav"
        sf.write(p, data.astype(np.float32), sr, subtype="FLOAT")
        items.append({"path": str(p), "label": label, "id": label, "at": None})
    return items


def _in_process(items: list[dict], out: Path) -> float:
    from smartdj.bridge.language import parse_step
    from smartdj.engine.audio.io import read_audio, write_wav_atomic
    from smartdj.engine.compose.composer import apply_plan
    from smartdj.engine.compose.scene import Scene, Source, render

    t0 = time.perf_counter()
    sources = []
    for it in items:
        audio, sr = read_audio(it["path"])
        sources.append(Source(label=it["label"], audio=audio, audio_sr=sr, at=None, db=0.0, offset=0.0))
    scene = Scene(sample_rate=48000, seconds=10.0, sources=tuple(sources))
    for k, s in enumerate(apply_plan(scene, [parse_step(t) for t in PLAN]), 1):
        write_wav_atomic(out / f"step_{k}.wav", render(s), 48000)
    return time.perf_counter() - t0


def run(args: argparse.Namespace) -> int:
    from smartdj.bridge.zmq_client import EngineClient
    from smartdj.engine.serving.launcher import launch

    with tempfile.TemporaryDirectory() as tmp:
        items = _sources(Path(tmp))
        engine = launch(os.path.join(tmp, "state"))
        ep = engine.zmq
        times, base = [], []
        try:
            with EngineClient(ep) as c:
                for i in range(args.repeats + 1):  # the first run warms the imports and caches
                    t0 = time.perf_counter()
                    job = c.submit(items, "", os.path.join(tmp, "out"), scene=True, plan=PLAN, mode="plan+execute",
                                   sample_rate=48000, seconds=10.0)
                    final = c.wait(job, poll=0.002, timeout=120)
                    elapsed = time.perf_counter() - t0
                    if final["type"] != "done":
                        raise RuntimeError(f"benchmark job failed: {final}")
                    if i:
                        times.append(elapsed)
                    from smartdj.engine.compose.scene import clear_cache

                    clear_cache()  # the baseline starts cold too: the engine reads every stem per job
                    b = _in_process(items, Path(tmp) / "baseline")
                    if i:
                        base.append(b)
        finally:
            engine.stop()
    doc = {"bench": "e2e", "repeats": args.repeats, "scene": "3 stems, 10 s, 48 kHz stereo", "steps": 3,
           "submit_to_last_render_s_median": round(statistics.median(times), 4),
           "runs_s": [round(t, 4) for t in times],
           "baseline": "the same scene and 3 steps rendered and written in-process, no daemon",
           "baseline_s_median": round(statistics.median(base), 4),
           "ratio": round(statistics.median(times) / statistics.median(base), 2)}
    print(json.dumps(doc, indent=2) if args.json else
          f"3-step composer edit, 10 s 48 kHz scene: submit -> last render median {doc['submit_to_last_render_s_median']:.3f} s "
          f"(in-process {doc['baseline_s_median']:.3f} s, x{doc['ratio']})")
    return 0
