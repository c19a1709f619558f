"""``smartdj bench reaper``: ReaScript action start to first marker and to last take, in the REAPER test double.

REAPER cannot run here, so the real ``smartdj_edit.py`` runs in the ``reaper_python`` double of a
repository checkout (``tests/reaper/reaper_double``; the double is not installed): its harness
runs as a separate script, so nothing here imports test code or touches ``sys.path``. A real
engine process, REAPER's ~30 Hz defer rate, a 3-step composer edit of a 10 s, 48 kHz stereo item;
reports the median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

STEPS = 3


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=int, default=3, help="runs (median reported)")
    p.add_argument("--seconds", type=float, default=10.0, help="item length")
    p.add_argument("--fps", type=float, default=30.0, help="defer ticks per second (REAPER: about 30)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _harness() -> Path:
    import smartdj

    f = Path(smartdj.__file__).resolve().parents[1] / "tests" / "reaper" / "reaper_double" / "bench_harness.py"
    if not f.exists():
        raise SystemExit("smartdj bench reaper: needs a repository checkout (tests/reaper/reaper_double is not installed)")
    return f


def run(args: argparse.Namespace) -> int:
    cmd = [sys.executable, str(_harness()), "--runs", str(args.runs), "--seconds", str(args.seconds),
           "--fps", str(args.fps)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300 + 150 * args.runs)
    if out.returncode != 0:
        raise SystemExit(f"smartdj bench reaper: the harness failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    times = json.loads(out.stdout.strip().splitlines()[-1])
    first, last = times["first_marker_s"], times["last_take_s"]
    result = {"bench": "reaper", "item_seconds": args.seconds, "steps": STEPS, "runs": args.runs, "fps": args.fps,
              "action_to_first_marker_s": round(statistics.median(first), 4),
              "action_to_last_take_s": round(statistics.median(last), 4),
              "first_marker_runs_s": [round(x, 4) for x in first], "last_take_runs_s": [round(x, 4) for x in last],
              "harness": "tests/reaper/reaper_double/bench_harness.py (reaper_python double) + real engine over OSC"}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"action -> first marker {result['action_to_first_marker_s']:.3f} s, "
              f"action -> last take {result['action_to_last_take_s']:.3f} s (median of {args.runs})")
    return 0
