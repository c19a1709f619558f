"""The REAPER benchmark's harness (run as a script by ``smartdj bench reaper``): the edit action in the double.

A real engine process on free loopback ports; the installed ``smartdj_edit.py`` runs in the
``reaper_python`` double at REAPER's ~30 Hz defer rate: a 3-step composer edit of one item. Prints
one JSON line with the time from the action's start to the first marker and to the last take, per run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import reaper_host
import reaper_python as rp
from session import Reaper, make_wav
from smartdj.bridge.protocol import parse_ready

INSTRUCTION = "turn up the guitar by 3 dB, put it on the left and add reverb"


def start_engine(state: Path) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, "-m", "smartdj.engine.cli.main", "serve", "--zmq", "tcp://127.0.0.1:0",
                             "--osc", "127.0.0.1:0", "--state-dir", str(state)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    for line in proc.stderr:
        ready = parse_ready(line)
        if ready:
            return proc, int(ready["osc"].rsplit(":", 1)[1])
    raise SystemExit(f"the engine did not start (rc={proc.wait()})")


def one_run(root: Path, port: int, k: int, seconds: float, fps: float) -> tuple[float, float]:
    # a new file each run, so that no engine-side reuse of earlier renders can flatter the figure
    wav = make_wav(root / f"guitar{k}.wav", seconds=seconds, freq=330.0 + 7 * k)
    r = Reaper(root / f"run{k}", port)
    item = rp.add_item(r.track(), str(wav), name="guitar")
    t0 = time.perf_counter()
    r.start("edit", [[INSTRUCTION]])
    t_first = t_last = None
    while reaper_host.busy() and time.perf_counter() < t0 + 120:
        reaper_host.frame()
        now = time.perf_counter()
        if t_first is None and item.takes[0].markers:
            t_first = now - t0
        if t_last is None and len(item.takes) == 4:
            t_last = now - t0
        time.sleep(1.0 / fps)
    if t_first is None or t_last is None or r.errors() or r.state.boxes:
        raise SystemExit(f"run {k} failed: {r.errors() or r.state.boxes}")
    return t_first, t_last


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--fps", type=float, default=30.0)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="smartdj-bench-reaper-") as tmp:
        root = Path(tmp)
        proc, port = start_engine(root / "state")
        try:
            times = [one_run(root, port, k, args.seconds, args.fps) for k in range(args.runs)]
        finally:
            proc.kill()
            proc.wait(10)
    print(json.dumps({"first_marker_s": [t[0] for t in times], "last_take_s": [t[1] for t in times]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
