"""Bridge overhead: median submit->accepted round trip over ZeroMQ and OSC on loopback, against a bare
pyzmq REQ/REP round trip (another process) measured in the same run.

Each timed submit finds the engine idle: the job it starts is waited for, untimed, before the next
one, so the figure is the transport and the accept path, not the planner competing for the cores."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time

REP_SERVER = """
import sys, zmq
s = zmq.Context().socket(zmq.REP); port = s.bind_to_random_port(sys.argv[1])
print(port, flush=True)
while True:
    m = s.recv()
    if m == b"quit": s.send(b""); break
    s.send(b'{"v":1,"type":"accepted","job":"0123456789ab"}')
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repeats", type=int, default=200)
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    import zmq
    from smartdj.bridge import protocol as P
    from smartdj.bridge.osc_client import OscEngineClient
    from smartdj.bridge.zmq_client import EngineClient
    from smartdj.engine.config import bundled_library
    from smartdj.engine.serving.launcher import launch

    item = [{"path": str(bundled_library() / "10_rain_falling.wav"), "label": "rain falling"}]
    body = {"items": item, "instruction": "turn it down by 3 dB", "mode": "plan"}
    n = args.repeats

    rep = subprocess.Popen([sys.executable, "-c", REP_SERVER, f"tcp://{P.DEFAULT_OSC_HOST}"], stdout=subprocess.PIPE, text=True)
    port = int(rep.stdout.readline())
    req = zmq.Context.instance().socket(zmq.REQ)
    req.connect(f"tcp://{P.DEFAULT_OSC_HOST}:{port}")
    raw = P.encode(P.request("submit", **body))
    bare = []
    for _ in range(n):
        t = time.perf_counter()
        req.send(raw)
        req.recv()
        bare.append(time.perf_counter() - t)
    req.send(b"quit")
    req.recv()
    req.close(0)
    rep.wait(10)

    with tempfile.TemporaryDirectory() as state:
        engine = launch(state)
        ep = engine.zmq
        try:
            zt, ot = [], []
            with EngineClient(ep) as c:
                for _ in range(10):  # untimed: the engine's background warm-up and first-job imports
                    c.wait(c.request("submit", **body)["job"], poll=0.002, timeout=60)
                for _ in range(n):
                    t = time.perf_counter()
                    reply = c.request("submit", **body)
                    zt.append(time.perf_counter() - t)
                    c.wait(reply["job"], poll=0.002, timeout=60)
                osc = c.status()["engine"]["endpoints"]["osc"]
            host, oport = osc.rsplit(":", 1)
            with OscEngineClient(host, int(oport)) as o:
                for _ in range(n):
                    t = time.perf_counter()
                    reply = o.request("submit", **body)
                    ot.append(time.perf_counter() - t)
                    assert reply["type"] == "accepted", reply
                    o.wait(reply["job"], poll=0.002)
        finally:
            engine.stop()
    med = {k: statistics.median(v) * 1000 for k, v in (("bare", bare), ("zmq", zt), ("osc", ot))}
    doc = {"bench": "bridge", "repeats": n, "bare_pyzmq_reqrep_ms": round(med["bare"], 4),
           "zmq_submit_accepted_ms": round(med["zmq"], 4), "osc_submit_accepted_ms": round(med["osc"], 4),
           "zmq_ratio_to_bare": round(med["zmq"] / med["bare"], 2), "osc_ratio_to_bare": round(med["osc"] / med["bare"], 2)}
    print(json.dumps(doc, indent=2) if args.json else
          f"submit->accepted median: zmq {med['zmq']:.3f} ms, osc {med['osc']:.3f} ms; bare REQ/REP {med['bare']:.3f} ms "
          f"(x{doc['zmq_ratio_to_bare']} / x{doc['osc_ratio_to_bare']})")
    return 0
