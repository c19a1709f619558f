"""Engine start to ready (median), idle resident memory, and whether torch got imported (must not)."""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import tempfile
import time


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", action="store_true")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run(args: argparse.Namespace) -> int:
    from smartdj.bridge.zmq_client import EngineClient
    from smartdj.engine.cmd_demo import start_engine

    times, rss, torch = [], [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as state:
            t0 = time.perf_counter()
            proc, ep = start_engine(state)
            times.append(time.perf_counter() - t0)
            time.sleep(1.0)  # let the background warm-up finish: idle memory includes it
            with EngineClient(ep) as c:
                torch.append(c.status()["engine"]["torch_imported"])
            rss.append(rss_mib(proc.pid))
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
    doc = {"bench": "startup", "repeats": args.repeats, "start_to_ready_s_median": round(statistics.median(times), 4),
           "start_to_ready_s": [round(t, 4) for t in times], "idle_rss_mib_median": round(statistics.median(rss), 1),
           "torch_imported": any(torch)}
    print(json.dumps(doc, indent=2) if args.json else
          f"start->ready median {doc['start_to_ready_s_median']:.3f} s, idle RSS {doc['idle_rss_mib_median']:.0f} MiB, "
          f"torch imported: {doc['torch_imported']}")
    return 1 if doc["torch_imported"] else 0
