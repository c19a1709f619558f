"""Fuzz a real engine with hostile requests on both transports and report what went wrong (must be nothing).

``--count`` messages per transport (hypothesis, seeded) from ``fuzz_messages``: crashes of the
engine process, ``internal`` error replies, other bad replies, tracebacks in its log, its resident
memory before and after, and whether it still answers a ping and completes a real edit after.
Needs the dev extra (hypothesis).
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import time
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--count", type=int, default=10_000, help="messages per transport (default 10000)")
    p.add_argument("--seed", type=int, default=20261202)
    p.add_argument("--json", action="store_true")


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _run(strategy, count: int, seed_: int, one) -> None:
    from hypothesis import HealthCheck, given, seed, settings

    @seed(seed_)
    @settings(max_examples=count, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def each(raw: bytes) -> None:
        one(raw)
    each()


def fuzz_zmq(engine, strategy, count: int, seed_: int, tally: dict) -> None:
    from smartdj.bridge.zmq_client import EngineClient
    from smartdj.engine.bench.fuzz_messages import check_reply

    with EngineClient(engine.zmq, timeout=10) as c:
        def one(raw: bytes) -> None:
            tally["sent"] += 1
            if engine.proc.poll() is not None:
                return
            c._sock.send(raw)
            if not c._sock.poll(10_000):
                tally["no_reply"] += 1
                c._connect()
                return
            reply = c._sock.recv_multipart()[-1]
            _count(tally, check_reply(reply), reply)
        _run(strategy, count, seed_, one)


def fuzz_osc(engine, strategy_for, count: int, seed_: int, tally: dict) -> None:
    from pythonosc.osc_message import OscMessage
    from smartdj.bridge import protocol as P
    from smartdj.engine.bench.fuzz_messages import address_for, check_reply, osc_datagram

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((P.DEFAULT_OSC_HOST, 0))
    sock.setblocking(False)
    target = (engine.osc_host, engine.osc_port)

    def drain() -> None:
        while True:
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                return
            msg = OscMessage(data)
            tally["osc_replies"] += 1
            if len(data) > P.OSC_MAX_PAYLOAD + 64:
                tally["oversized_datagrams"] += 1
            if msg.address == P.OSC_REPLY_ADDRESS:
                _count(tally, check_reply(msg.params[0]), msg.params[0])

    def one(raw: bytes) -> None:
        tally["sent"] += 1
        dgram = osc_datagram(raw, address_for(raw))
        if len(dgram) < 60_000 and engine.proc.poll() is None:
            sock.sendto(dgram, target)
        drain()
    try:
        _run(strategy_for(sock.getsockname()[1]), count, seed_, one)
        time.sleep(0.5)
        drain()
    finally:
        sock.close()


def _count(tally: dict, problem: str | None, reply) -> None:
    try:
        doc = json.loads(reply)
        kind = doc["type"] if doc.get("type") != "error" else f"error/{doc.get('code')}"
    except (ValueError, TypeError, KeyError, AttributeError):
        kind = "unreadable"
    tally["replies"][kind] = tally["replies"].get(kind, 0) + 1
    if problem is None:
        return
    key = "internal_replies" if "'internal'" in problem else "bad_replies"
    tally[key] += 1
    if len(tally["examples"]) < 5:
        tally["examples"].append(f"{problem} <- {str(reply)[:200]}")


def _healthy(engine, src: str, out: str) -> bool:
    from smartdj.bridge.zmq_client import EngineClient

    try:
        with EngineClient(engine.zmq, timeout=10) as c:
            c.ping()
            return c.wait(c.submit([{"path": src}], "turn it down by 3 dB", out), timeout=300)["type"] == "done"
    except Exception:
        return False


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import soundfile as sf
    from smartdj.engine.bench.fuzz_messages import message_strategy
    from smartdj.engine.serving.launcher import launch

    with tempfile.TemporaryDirectory(prefix="smartdj-fuzz-") as tmp:
        src = str(Path(tmp) / "short.wav")
        sf.write(src, np.full((1600, 2), 0.01, dtype=np.float32), 16000)
        engine = launch(Path(tmp) / "state")
        time.sleep(1.0)  # the start-up warm-up: memory before includes it
        doc: dict = {"bench": "fuzz", "count_per_transport": args.count, "seed": args.seed,
                     "rss_mib_before": round(rss_mib(engine.pid), 1)}
        paths = [src, str(Path(tmp) / "missing.wav"), "relative.wav", tmp, "/" + "a" * 300]
        out = str(Path(tmp) / "out")
        try:
            for name in ("zmq", "osc"):
                tally = {"sent": 0, "no_reply": 0, "internal_replies": 0, "bad_replies": 0, "osc_replies": 0,
                         "oversized_datagrams": 0, "replies": {}, "examples": []}
                t0 = time.perf_counter()
                if name == "zmq":
                    fuzz_zmq(engine, message_strategy(paths, out, []), args.count, args.seed, tally)
                else:
                    fuzz_osc(engine, lambda port: message_strategy(paths, out, [], [port, port, engine.osc_port, 0]),
                             args.count, args.seed + 1, tally)
                tally["seconds"] = round(time.perf_counter() - t0, 2)
                doc[name] = tally
            doc["crashes"] = 0 if engine.proc.poll() is None else 1
            doc["rss_mib_after"] = round(rss_mib(engine.pid), 1)
            doc["healthy_after"] = _healthy(engine, src, out)
            doc["rss_mib_after_edit"] = round(rss_mib(engine.pid), 1)
        finally:
            engine.stop()
        doc["tracebacks_in_log"] = engine.log().count("Traceback")
    bad = doc["crashes"] or doc["tracebacks_in_log"] or not doc["healthy_after"] or any(
        doc[t]["internal_replies"] or doc[t]["bad_replies"] or doc[t]["no_reply"] for t in ("zmq", "osc"))
    print(json.dumps(doc, indent=2) if args.json else
          f"fuzz: {args.count} messages per transport; crashes {doc['crashes']}, internal replies "
          f"{doc['zmq']['internal_replies'] + doc['osc']['internal_replies']}, tracebacks {doc['tracebacks_in_log']}, "
          f"RSS {doc['rss_mib_before']} -> {doc['rss_mib_after']} MiB, healthy after: {doc['healthy_after']}")
    return 1 if bad else 0
