"""Start a real engine, edit a scene of the bundled example clips through the ZeroMQ bridge, stop it.

The engine runs as a separate process on free loopback ports with a temporary state folder; the
plan and every per-step render path are printed as they arrive. Clips and their credits:
``smartdj/data/audio`` (ATTRIBUTION.csv).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

INSTRUCTION = "remove the car horn, turn the rain down by 6 dB and put the clock ticking on the left"
SCENE = [  # (file, label, at, db, position seconds)
    ("10_rain_falling.wav", "rain falling", "front", 0.0, 0.0),
    ("16_clock_ticking.wav", "clock ticking", "front", -3.0, 0.0),
    ("14_car_horn_honking.wav", "car horn honking", "right", -2.0, 1.0),
    ("08_crow_caw.wav", "crow caw", "left front", -4.0, 2.5),
]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out-dir", default="smartdj-demo-out", help="where the renders go (default ./smartdj-demo-out)")
    p.add_argument("--instruction", default=INSTRUCTION)


def run(args: argparse.Namespace) -> int:
    from smartdj.bridge.zmq_client import EngineClient
    from smartdj.engine.config import bundled_library
    from smartdj.engine.serving.launcher import launch

    clips = bundled_library()
    out_dir = Path(args.out_dir).expanduser().resolve()
    items = [{"path": str(clips / f), "label": label, "id": label.replace(" ", "_"), "at": at, "db": db,
              "position": pos} for f, label, at, db, pos in SCENE]
    with tempfile.TemporaryDirectory(prefix="smartdj-demo-") as state:
        t0 = time.monotonic()
        engine = launch(state)
        endpoint = engine.zmq
        print(f"engine ready at {endpoint} in {time.monotonic() - t0:.2f} s (pid {engine.pid})")
        try:
            with EngineClient(endpoint, client="demo") as c:
                scene = ", ".join(f"{it['label']} ({it['at']})" for it in items)
                print(f"scene: {scene}")
                print(f"instruction: {args.instruction}")
                t1 = time.monotonic()
                job = c.submit(items, args.instruction, str(out_dir), scene=True, options={"seed": 0})
                print(f"job {job} accepted")

                def show(ev: dict) -> None:
                    if ev["type"] == "planned":
                        print(f"plan [{ev['planner']}]:")
                        for k, s in enumerate(ev["steps"], 1):
                            print(f"  {k}. {s['text']}")
                    elif ev["type"] == "step_done":
                        print(f"  step {ev['step']}/{ev['of']} -> {ev['path']} (peak {ev['peak']:.2f})")
                    elif ev["type"] == "failed":
                        print(f"failed ({ev['code']}): {ev['message']}", file=sys.stderr)
                final: dict = c.wait(job, on_event=show, timeout=120)
                print(f"{final['type']} in {time.monotonic() - t1:.2f} s; renders under {out_dir / job}")
        finally:
            engine.stop()
    return 0 if final["type"] == "done" else 1
