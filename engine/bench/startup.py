"""Engine start to ready (median), idle resident memory, and whether torch got imported (must not),
beside a bare Python process that binds a ZeroMQ socket and says ready, measured in the same run."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time

from smartdj.bridge.protocol import DEFAULT_OSC_HOST

BARE = """
import sys, zmq
s = zmq.Context().socket(zmq.ROUTER); s.bind_to_random_port(sys.argv[1])
print("ready", flush=True); sys.stdin.readline()
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", action="store_true")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _bare() -> tuple[float, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", BARE, f"tcp://{DEFAULT_OSC_HOST}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    rss = rss_mib(proc.pid)
    proc.communicate("\n", timeout=10)
    return elapsed, rss


def run(args: argparse.Namespace) -> int:
    from smartdj.bridge.zmq_client import EngineClient
    from smartdj.engine.serving.launcher import launch

    times, rss, torch, bare = [], [], [], []
    for _ in range(args.repeats):
        bare.append(_bare())
        with tempfile.TemporaryDirectory() as state:
            t0 = time.perf_counter()
            engine = launch(state)
            ep = engine.zmq
            times.append(time.perf_counter() - t0)
            time.sleep(1.0)  # let the background warm-up finish: idle memory includes it
            with EngineClient(ep) as c:
                torch.append(c.status()["engine"]["torch_imported"])
            rss.append(rss_mib(engine.pid))
            engine.stop()
    doc = {"bench": "startup", "repeats": args.repeats, "start_to_ready_s_median": round(statistics.median(times), 4),
           "start_to_ready_s": [round(t, 4) for t in times], "idle_rss_mib_median": round(statistics.median(rss), 1),
           "torch_imported": any(torch),
           "baseline": "bare python: import zmq, bind a ROUTER, print ready",
           "baseline_start_s_median": round(statistics.median(b[0] for b in bare), 4),
           "baseline_rss_mib_median": round(statistics.median(b[1] for b in bare), 1)}
    doc["start_ratio"] = round(doc["start_to_ready_s_median"] / doc["baseline_start_s_median"], 2)
    doc["rss_ratio"] = round(doc["idle_rss_mib_median"] / doc["baseline_rss_mib_median"], 2)
    print(json.dumps(doc, indent=2) if args.json else
          f"start->ready median {doc['start_to_ready_s_median']:.3f} s, idle RSS {doc['idle_rss_mib_median']:.0f} MiB, "
          f"torch imported: {doc['torch_imported']} (bare python+zmq: {doc['baseline_start_s_median']:.3f} s, "
          f"{doc['baseline_rss_mib_median']:.0f} MiB)")
    return 1 if doc["torch_imported"] else 0
