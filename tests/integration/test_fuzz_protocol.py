"""Fuzzing both transports of a real engine with hostile requests (hypothesis, seeded, a few thousand each).

Every reply must be standard JSON, v1, of a known type and never an ``internal`` error; the engine
logs no traceback, and afterwards still answers a ping and completes a real edit.
"""

from __future__ import annotations

import socket

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from pythonosc.osc_message import OscMessage  # noqa: E402
from smartdj.bridge import protocol as P  # noqa: E402
from smartdj.engine.bench.fuzz_messages import address_for, check_reply, message_strategy, osc_datagram  # noqa: E402

PER_TRANSPORT = 2000
BIG = 3000  # longest string, deepest nesting (the bench goes to 70,000)
SETTINGS = settings(max_examples=PER_TRANSPORT, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def fuzz_setup(shared_engine, tmp_path_factory):
    import numpy as np
    import soundfile as sf

    out = tmp_path_factory.mktemp("fuzz_out")
    rain = str(out / "short_rain.wav")  # short: the valid jobs among the fuzz cost little
    sf.write(rain, np.zeros((1600, 2), dtype=np.float32) + 0.01, 16000)
    with shared_engine.client() as c:
        job = c.submit([{"path": rain}], "turn it down by 3 dB", None, mode="plan")
        c.wait(job, timeout=60)
    paths = [rain, str(out / "missing.wav"), "relative.wav", str(out), "/" + "a" * 300]
    return shared_engine, paths, str(out), [job]


def _healthy(engine, examples, out) -> None:
    with engine.client() as c:
        assert c.ping()["type"] == "pong"
        final = c.wait(c.submit([{"path": str(examples / "10_rain_falling.wav")}], "turn it down by 3 dB", str(out)),
                       timeout=120)
    assert final["type"] == "done", final
    assert "Traceback" not in engine.log(), engine.log()[-3000:]


def test_fuzz_zmq(fuzz_setup, examples, tmp_path):
    engine, paths, out, jobs = fuzz_setup
    problems: list[str] = []
    sent = [0]
    with engine.client(timeout=10) as c:
        @seed(20261202)
        @SETTINGS
        @given(message_strategy(paths, out, jobs, big=BIG))
        def one(raw: bytes) -> None:
            sent[0] += 1
            c._sock.send(raw)
            assert c._sock.poll(10_000), f"no reply to {raw[:200]!r}"
            reply = c._sock.recv_multipart()[-1]
            problem = check_reply(reply)
            if problem:
                problems.append(f"{problem} <- {raw[:200]!r}")
        one()
    assert not problems, problems[:5]
    assert sent[0] >= PER_TRANSPORT
    _healthy(engine, examples, tmp_path / "after")


def test_fuzz_osc(fuzz_setup, examples, tmp_path):
    engine, paths, out, jobs = fuzz_setup
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((P.DEFAULT_OSC_HOST, 0))
    sock.settimeout(0.0)
    mine = sock.getsockname()[1]
    problems: list[str] = []
    sent = [0]
    target = (engine.osc_host, engine.osc_port)

    def drain() -> None:
        while True:
            try:
                data = sock.recv(65536)
            except (BlockingIOError, TimeoutError):
                return
            msg = OscMessage(data)
            if msg.address == P.OSC_REPLY_ADDRESS:
                problem = check_reply(msg.params[0])
                if problem:
                    problems.append(problem)
            if len(data) > P.OSC_MAX_PAYLOAD + 64:
                problems.append(f"a datagram of {len(data)} bytes")

    @seed(20261203)
    @SETTINGS
    @given(message_strategy(paths, out, jobs, osc_reply_ports=[mine, mine, engine.osc_port, 0, 70000], big=BIG))
    def one(raw: bytes) -> None:
        sent[0] += 1
        dgram = osc_datagram(raw, address_for(raw))
        if len(dgram) < 60_000:
            sock.sendto(dgram, target)
        drain()
    try:
        one()
        with engine.osc_client(timeout=10) as o:
            assert o.request("ping")["type"] == "pong"
        drain()
    finally:
        sock.close()
    assert not problems, problems[:5]
    assert sent[0] >= PER_TRANSPORT
    _healthy(engine, examples, tmp_path / "after")
