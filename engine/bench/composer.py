"""smartdj bench composer: one composer step on a 10 s 48 kHz stereo 5-source scene, against a baseline.

Each repeat starts from a warm scene (clips decoded, stems of the untouched sources cached, as
after the previous step of a plan), then times ``apply_step`` + ``render``. The baseline,
measured in the same run, is the least any mixer must do: a gain-weighted numpy sum of the 5
pre-rendered stereo stems. Reported: medians in ms and their ratio, overall and per op.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repeats", type=int, default=7, help="timed repeats per op (default 7)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _scene(sr: int = 48000, seconds: float = 10.0):
    import numpy as np
    from smartdj.engine.compose.scene import Scene, Source

    rng = np.random.default_rng(0)
    places = ["left", "front", "right", None, "left front"]
    shared = Path(__file__).resolve().parents[2] / "shared" / "audio" / "dev"
    files = sorted(shared.glob("*.wav"))[:5] if shared.is_dir() else []
    if len(files) == 5:
        srcs = [Source(f"source {i}", path=str(f), at=places[i], offset=0.5 * i, db=-3.0) for i, f in enumerate(files)]
        kind = "dev clips (44.1 kHz, resampled)"
    else:
        srcs = [Source(f"source {i}", audio=(rng.standard_normal((2, 8 * sr)) * 0.1).astype(np.float32), audio_sr=sr,
                       at=places[i], offset=0.5 * i, db=-3.0) for i in range(5)]
        kind = "8 s stereo noise"
    return Scene(sr, seconds, srcs), kind


def measure(repeats: int = 7) -> dict:
    import numpy as np
    from smartdj.bridge.language import Step
    from smartdj.engine.compose.composer import apply_step, render
    from smartdj.engine.compose.scene import clear_cache, stem

    scene, kind = _scene()
    steps = {
        "volume": Step("volume", "source 1", db=-6), "direction": Step("direction", "source 3", to="left"),
        "shift": Step("shift", "source 2", seconds=0.5), "remove": Step("remove", "source 4"),
        "extract": Step("extract", "source 0"), "timbre": Step("timbre", "source 2", quality="warm"),
        "reverb": Step("reverb", "source 0", level=5),
    }
    render(scene)
    per_op: dict[str, float] = {}
    all_times: list[float] = []
    for op, step in steps.items():
        times = []
        for _ in range(repeats):
            clear_cache(clips=False)
            render(scene)  # warm: the state after the previous step
            t = time.perf_counter()
            render(apply_step(scene, step))
            times.append(time.perf_counter() - t)
        per_op[op] = statistics.median(times) * 1e3
        all_times += times
    stems = [np.array(stem(scene, s)) for s in scene.sources]
    gains = [np.float32(s.gain) for s in scene.sources]
    base = []
    for _ in range(max(repeats * 3, 15)):
        t = time.perf_counter()
        out = np.zeros_like(stems[0])
        for s, g in zip(stems, gains, strict=True):
            out += s * g
        base.append(time.perf_counter() - t)
    step_ms = statistics.median(all_times) * 1e3
    base_ms = statistics.median(base) * 1e3
    return {"bench": "composer", "scene": f"10 s, 48000 Hz, stereo, 5 sources ({kind})", "repeats": repeats,
            "step_ms_median": round(step_ms, 3), "baseline": "numpy gain-weighted sum of 5 pre-rendered stems",
            "baseline_ms_median": round(base_ms, 3), "ratio": round(step_ms / base_ms, 2),
            "per_op_ms_median": {k: round(v, 3) for k, v in per_op.items()}}


def run(args: argparse.Namespace) -> int:
    res = measure(max(1, args.repeats))
    if args.json:
        print(json.dumps(res))
    else:
        print(f"composer step: {res['step_ms_median']:.2f} ms median ({res['scene']}); baseline "
              f"{res['baseline_ms_median']:.2f} ms ({res['baseline']}); ratio {res['ratio']}")
        for op, ms in res["per_op_ms_median"].items():
            print(f"  {op:10s} {ms:8.2f} ms")
    return 0
