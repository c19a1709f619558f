"""``smartdj bench reaper``: ReaScript action start to first marker and to last take, in the REAPER test double.

REAPER cannot run here, so the real ``smartdj_edit.py`` runs in the ``reaper_python`` double from
the repository's ``tests/reaper/reaper_double`` (a checkout is required; the double is not installed) at
REAPER's ~30 Hz defer rate, against a real engine process: a 3-step composer edit of a 10 s,
48 kHz stereo item. Reports the median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INSTRUCTION = "turn up the guitar by 3 dB, put it on the left and add reverb"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=int, default=3, help="runs (median reported)")
    p.add_argument("--seconds", type=float, default=10.0, help="item length")
    p.add_argument("--fps", type=float, default=30.0, help="defer ticks per second (REAPER: about 30)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _double_dir() -> Path:
    import smartdj

    d = Path(smartdj.__file__).resolve().parents[1] / "tests" / "reaper" / "reaper_double"
    if not (d / "reaper_python.py").exists():
        raise SystemExit("smartdj bench reaper: needs a repository checkout (tests/reaper/reaper_double is not installed)")
    return d


def _start_engine(state: Path) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, "-m", "smartdj.engine.cli.main", "serve", "--zmq", "tcp://127.0.0.1:0",
                             "--osc", "127.0.0.1:0", "--state-dir", str(state)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    for line in proc.stderr:
        m = re.search(r"smartdj engine ready .*osc=\S+:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    raise SystemExit(f"smartdj bench reaper: the engine did not start (rc={proc.wait()})")


def run(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(_double_dir()))
    import reaper_host
    import reaper_python as rp
    from session import Reaper, make_wav

    with tempfile.TemporaryDirectory(prefix="smartdj-bench-reaper-") as tmp:
        root = Path(tmp)
        proc, port = _start_engine(root / "state")
        first, last = [], []
        try:
            for k in range(args.runs):
                # a new file each run, so that no engine-side reuse of earlier renders can flatter the figure
                wav = make_wav(root / f"guitar{k}.wav", seconds=args.seconds, freq=330.0 + 7 * k)
                r = Reaper(root / f"run{k}", port)
                item = rp.add_item(r.track(), str(wav), name="guitar")
                t0 = time.perf_counter()
                r.start("edit", [[INSTRUCTION]])
                t_first = t_last = None
                deadline = t0 + 120
                while reaper_host.busy() and time.perf_counter() < deadline:
                    reaper_host.frame()
                    now = time.perf_counter()
                    if t_first is None and r.state.project.markers:
                        t_first = now - t0
                    if t_last is None and len(item.takes) == 4:
                        t_last = now - t0
                    time.sleep(1.0 / args.fps)
                if t_first is None or t_last is None or r.errors() or r.state.boxes:
                    raise SystemExit(f"smartdj bench reaper: run {k} failed: {r.errors() or r.state.boxes}")
                first.append(t_first)
                last.append(t_last)
        finally:
            proc.kill()
            proc.wait(10)
    out = {"bench": "reaper", "item_seconds": args.seconds, "steps": 3, "runs": args.runs, "fps": args.fps,
           "action_to_first_marker_s": round(statistics.median(first), 4),
           "action_to_last_take_s": round(statistics.median(last), 4),
           "first_marker_runs_s": [round(x, 4) for x in first], "last_take_runs_s": [round(x, 4) for x in last],
           "harness": "tests/reaper/reaper_double (reaper_python double) + real engine over OSC"}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"action -> first marker {out['action_to_first_marker_s']:.3f} s, "
              f"action -> last take {out['action_to_last_take_s']:.3f} s (median of {args.runs})")
    return 0
