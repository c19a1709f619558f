"""Many clients at once: 20 ZeroMQ clients x 10 jobs and 5 OSC clients x 5 jobs against one engine.

Each client submits its jobs one after another, then follows them to the end. Reported: jobs lost
(must be 0: every submit accepted and every job done), clients whose jobs finished out of their
submit order (must be 0), submit->accepted round trip and accepted->done (engine event times)
p50/p95, and the engine's peak resident memory, sampled every 50 ms, beside its idle memory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

INSTRUCTION = "turn it down by 3 dB"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--zmq-clients", type=int, default=20)
    p.add_argument("--zmq-jobs", type=int, default=10)
    p.add_argument("--osc-clients", type=int, default=5)
    p.add_argument("--osc-jobs", type=int, default=5)
    p.add_argument("--json", action="store_true")


def _zmq_client(engine, k: int, n: int, src: str, out: str, results: list) -> None:
    from smartdj.bridge.zmq_client import EngineClient

    with EngineClient(engine.zmq, timeout=30, client=f"load-zmq-{k}") as c:
        submitted = []
        for _ in range(n):
            t = time.perf_counter()
            job = c.submit([{"path": src}], INSTRUCTION, out)
            submitted.append((job, time.perf_counter() - t))
        for job, rtt in submitted:
            events: list[dict] = []
            c.wait(job, on_event=events.append, timeout=600)
            results.append({"client": f"zmq-{k}", "job": job, "rtt": rtt, "events": events})


def _osc_client(engine, k: int, n: int, src: str, out: str, results: list) -> None:
    from smartdj.bridge.osc_client import OscEngineClient

    with OscEngineClient(engine.osc_host, engine.osc_port, timeout=10) as o:
        submitted = []
        for _ in range(n):
            t = time.perf_counter()
            reply = o.request("submit", items=[{"path": src}], instruction=INSTRUCTION, out_dir=out,
                              client=f"load-osc-{k}")
            submitted.append((reply.get("job"), time.perf_counter() - t))
        for job, rtt in submitted:
            events = o.wait(job, timeout=600) if job else []
            results.append({"client": f"osc-{k}", "job": job, "rtt": rtt, "events": events})


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def run_load(engine, src: str, out: str, zmq_clients: int, zmq_jobs: int, osc_clients: int, osc_jobs: int) -> dict:
    """Run the clients against ``engine`` (a launcher.Launched); returns the figures."""
    from smartdj.engine.bench.fuzz import rss_mib

    results: list[dict] = []
    peak = [rss_mib(engine.pid)]
    idle = peak[0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], rss_mib(engine.pid))
    threads = [threading.Thread(target=_zmq_client, args=(engine, k, zmq_jobs, src, out, results))
               for k in range(zmq_clients)]
    threads += [threading.Thread(target=_osc_client, args=(engine, k, osc_jobs, src, out, results))
                for k in range(osc_clients)]
    sampler = threading.Thread(target=sample)
    t0 = time.perf_counter()
    sampler.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    sampler.join()
    wall = time.perf_counter() - t0
    expected = zmq_clients * zmq_jobs + osc_clients * osc_jobs
    finished = [r for r in results if r["events"] and r["events"][-1]["type"] == "done"]
    out_of_order = 0
    for client in {r["client"] for r in results}:
        mine = [r for r in results if r["client"] == client]  # in submit order (each client appends in order)
        ends = [r["events"][-1]["time"] for r in mine if r["events"]]
        out_of_order += ends != sorted(ends)
    latency = [r["events"][-1]["time"] - r["events"][0]["time"] for r in finished]
    rtts = [r["rtt"] * 1000 for r in results]
    return {"jobs_expected": expected, "jobs_done": len(finished), "jobs_lost": expected - len(finished),
            "clients_out_of_order": out_of_order, "wall_s": round(wall, 2),
            "jobs_per_s": round(len(finished) / wall, 2),
            "submit_accepted_ms_p50": round(_pct(rtts, 50), 3), "submit_accepted_ms_p95": round(_pct(rtts, 95), 3),
            "accepted_done_s_p50": round(_pct(latency, 50), 3), "accepted_done_s_p95": round(_pct(latency, 95), 3),
            "rss_mib_idle": round(idle, 1), "rss_mib_peak": round(peak[0], 1)}


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import soundfile as sf
    from smartdj.engine.serving.launcher import launch

    with tempfile.TemporaryDirectory(prefix="smartdj-load-") as tmp:
        src = Path(tmp) / "item.wav"
        rng = np.random.default_rng(0)
        sf.write(src, (rng.standard_normal((48000, 2)) * 0.1).astype(np.float32), 48000, subtype="FLOAT")
        engine = launch(Path(tmp) / "state")
        try:
            time.sleep(1.0)  # the start-up warm-up: idle memory includes it
            doc = {"bench": "load", "item": "1 s, 48 kHz stereo, one DSP step",
                   **run_load(engine, str(src), str(Path(tmp) / "out"), args.zmq_clients, args.zmq_jobs,
                              args.osc_clients, args.osc_jobs)}
        finally:
            engine.stop()
        doc["tracebacks_in_log"] = engine.log().count("Traceback")
    print(json.dumps(doc, indent=2) if args.json else
          f"load: {doc['jobs_done']}/{doc['jobs_expected']} jobs done, {doc['clients_out_of_order']} clients out of "
          f"order; accepted->done p50 {doc['accepted_done_s_p50']} s p95 {doc['accepted_done_s_p95']} s; "
          f"RSS peak {doc['rss_mib_peak']} MiB (idle {doc['rss_mib_idle']})")
    return 1 if doc["jobs_lost"] or doc["clients_out_of_order"] else 0
