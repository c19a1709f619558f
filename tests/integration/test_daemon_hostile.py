"""Issue 10's ten reproduced faults, one named regression test each, against a real engine process.

After each, the engine still answers a ping and completes a real edit (``healthy``).
"""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from smartdj.bridge import protocol as P
from smartdj.bridge.zmq_client import EngineError
from smartdj.engine.serving.store import Store

RAIN = "10_rain_falling.wav"


def raw_call(engine, raw: bytes, **kw) -> dict:
    with engine.client(**kw) as c:
        return c.send_bytes(raw)


def healthy(engine, examples: Path, out: Path, token: str | None = None, allowed: Path | None = None) -> None:
    """The engine answers a ping and completes a real edit (and its log holds no traceback)."""
    src = examples / RAIN
    if allowed is not None:
        (allowed / RAIN).write_bytes(src.read_bytes())
        src, out = allowed / RAIN, allowed / "healthy"
    with engine.client(token=token) as c:
        assert c.ping()["type"] == "pong"
        job = c.submit([{"path": str(src)}], "turn it down by 3 dB", str(out))
        final = c.wait(job, timeout=60)
    assert final["type"] == "done", final
    assert "Traceback" not in engine.log(), engine.log()[-3000:]


def noise(path: Path, seconds: float, sr: int = 48000) -> Path:
    rng = np.random.default_rng(0)
    sf.write(path, (rng.standard_normal((int(seconds * sr), 2)) * 0.1).astype(np.float32), sr, subtype="FLOAT")
    return path


def test_01_lone_surrogate_ref_does_not_kill_the_engine(engine_factory, examples, tmp_path):
    for extra in ((), ("--token-file", str(_token_file(tmp_path, "s3cret")))):
        engine = engine_factory(*extra)
        reply = raw_call(engine, b'{"v":1,"type":"ping","ref":"\\ud800"}')
        assert reply["type"] == "error" and reply["code"] == "invalid", reply
        healthy(engine, examples, tmp_path / "out", token="s3cret" if extra else None)


def test_02_poison_job_is_refused_and_an_old_one_is_readable(engine_factory, examples, tmp_path):
    engine = engine_factory()
    reply = raw_call(engine, json.dumps({"v": 1, "type": "submit", "items": [{"path": str(examples / RAIN),
                                          "id": "\ud800"}], "instruction": "turn it down", "out_dir": str(tmp_path)}
                                        ).encode())
    assert reply["type"] == "error" and reply["code"] == "invalid", reply
    engine.stop()
    store = Store(engine.state_dir)  # a job an older engine accepted, with the surrogate stored
    job, _ = store.create_job({"items": [{"id": "\ud800"}], "instruction": "x", "mode": "plan", "client": ""},
                              accepted={"items": ["\ud800"]})
    store.append(job, "failed", code="internal", message="old")
    store.close()
    engine.start()
    with engine.client() as c:
        for _ in range(2):
            assert c.events(job)["events"][0]["items"] == ["?"]
            assert c.status()["type"] == "status"
    healthy(engine, examples, tmp_path / "out")


def test_03_an_unusable_out_dir_never_stops_the_engine_from_starting(engine_factory, examples, tmp_path):
    engine = engine_factory(start=False)
    store = Store(engine.state_dir)
    bad = [str(tmp_path / ("x" * 300) / "out"), str(tmp_path / "a_file" / "out")]
    (tmp_path / "a_file").write_bytes(b"x")
    jobs = [store.create_job({"items": [{"path": str(examples / RAIN), "start": 0.0, "length": None, "label": "",
                                         "id": "0", "at": None, "db": 0.0, "position": None}],
                              "instruction": "turn it down by 3 dB", "mode": "plan+execute", "plan": None,
                              "out_dir": d, "options": {"planner": "rules", "executor": "auto"}, "scene": False,
                              "client": ""})[0] for d in bad]
    store.close()
    for _ in range(2):  # and again after a restart
        engine.restart()
        with engine.client() as c:
            for job in jobs:
                final = c.wait(job, timeout=60)
                assert final["type"] == "failed" and final["code"] == "out_dir", final
    healthy(engine, examples, tmp_path / "out")


def _limit_file_size(pid: int, nbytes: int) -> None:
    hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)[1]  # the soft limit only: it can be lifted again
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (nbytes, hard))


def _unlimit(pid: int) -> None:
    hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)[1]
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (hard, hard))


def test_04_full_disk_under_the_state_folder_keeps_the_worker(engine_factory, examples, tmp_path):
    """A full disk is simulated with the engine's file size limit (RLIMIT_FSIZE): no write may grow a file."""
    engine = engine_factory()
    pid = engine.proc.pid
    with engine.client() as c:
        c.wait(c.submit([{"path": str(examples / RAIN)}], "turn it down by 3 dB", str(tmp_path / "o0")), timeout=60)
        biggest = max(p.stat().st_size for p in engine.state_dir.iterdir() if p.is_file())
        _limit_file_size(pid, biggest)
        try:
            with pytest.raises(EngineError) as e:
                for _ in range(50):  # the WAL grows by pages: some submit soon cannot be stored
                    c.submit([{"path": str(examples / RAIN)}], "turn it down by 3 dB", str(tmp_path / "o1"))
            assert e.value.code == "unavailable" and "disk" in e.value.message
            assert c.status()["engine"]["worker"] == "running"
        finally:
            _unlimit(pid)
        st = c.status()["engine"]
        assert st["worker"] == "running" and st["worker_error"] is None
    healthy(engine, examples, tmp_path / "out")


def test_04b_full_disk_under_the_output_folder_fails_the_job_cleanly(engine_factory, examples, tmp_path):
    engine = engine_factory()
    big = noise(tmp_path / "big.wav", 30.0)  # an 11 MB render
    before = big.read_bytes()
    with engine.client() as c:
        c.ping()
        limit = max(p.stat().st_size for p in engine.state_dir.iterdir() if p.is_file()) + (2 << 20)
        _limit_file_size(engine.proc.pid, limit)
        try:
            final = c.wait(c.submit([{"path": str(big)}], "turn it down by 3 dB", str(tmp_path / "out")), timeout=60)
        finally:
            _unlimit(engine.proc.pid)
    assert final["type"] == "failed" and final["code"] == "write_failed", final
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]  # nothing half-written
    assert big.read_bytes() == before
    healthy(engine, examples, tmp_path / "out2")


def test_05_a_future_osc_bundle_never_delays_the_server(engine_factory, examples, tmp_path):
    from pythonosc.osc_bundle_builder import OscBundleBuilder
    from pythonosc.osc_message_builder import OscMessageBuilder

    engine = engine_factory()
    with engine.osc_client(timeout=10) as o:
        bundle = OscBundleBuilder(time.time() + 3600)
        m = OscMessageBuilder("/smartdj/ping")
        m.add_arg(json.dumps({"v": 1, "reply_port": o.reply_port, "ref": "late"}))
        bundle.add_content(m.build())
        o.sock.sendto(bundle.build().dgram, o.addr)
        assert o.request("ping")["type"] == "pong"
    healthy(engine, examples, tmp_path / "out")
    assert engine.stop() == 0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_06_a_reply_port_that_is_the_engines_own_starts_no_loop(engine_factory, examples, tmp_path):
    engine = engine_factory()
    with engine.osc_client() as o:
        msg = json.dumps({"v": 1, "type": "ping", "reply_port": engine.osc_port})
        o.send_raw("/smartdj/ping", msg)
        o.send_raw("/smartdj/bogus", msg)
        assert o.request("ping")["type"] == "pong"
    healthy(engine, examples, tmp_path / "out")  # (also lets the start-up warm-up finish)
    cpu0, t0 = _cpu_seconds(engine.proc.pid), time.monotonic()
    time.sleep(1.0)
    busy = (_cpu_seconds(engine.proc.pid) - cpu0) / (time.monotonic() - t0)
    assert busy < 0.3, f"the engine is busy ({busy:.0%} of a core) after a self-addressed request"
    assert engine.log().count("own port") == 1, engine.log()


def _token_file(folder: Path, token: str) -> Path:
    p = folder / "token"
    p.write_text(token + "\n")
    p.chmod(0o600)
    return p


def _blocker(c, allowed: Path) -> str:
    """A job that keeps the worker busy (the engine runs with a step delay), so the next one stays queued."""
    src = allowed / "blocker.wav"
    if not src.exists():
        noise(src, 0.5)
    return c.submit([{"path": str(src)}], "turn it down by 3 dB", str(allowed / "blocked"))


def test_07_allowed_dirs_are_checked_when_read_written_and_loaded(engine_factory, examples, tmp_path):
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir(), outside.mkdir()
    secret = noise(outside / "secret.wav", 0.5)
    item = noise(allowed / "item.wav", 0.5)
    engine = engine_factory("--allowed-dir", str(allowed), env={"SMARTDJ_DEBUG_STEP_DELAY": "1.0"})
    with engine.client() as c:
        _blocker(c, allowed)
        swapped = c.submit([{"path": str(item)}], "turn it down by 3 dB", str(allowed / "out"))
        item.unlink()
        item.symlink_to(secret)  # swapped for a link to a file outside while queued
        planted = c.submit([{"path": str(allowed / "blocker.wav")}], "turn it down by 3 dB", str(allowed / "out2"))
        (allowed / "out2").mkdir()
        (allowed / "out2" / planted).symlink_to(outside)  # <out>/<job> planted as a link to outside
        a, b = c.wait(swapped, timeout=60), c.wait(planted, timeout=60)
        assert a["type"] == "failed" and a["code"] == "unauthorized" and "outside" in a["message"], a
        assert b["type"] == "failed" and b["code"] == "out_dir" and "symlink" in b["message"], b
        assert sorted(p.name for p in outside.iterdir()) == ["secret.wav"]
        with pytest.raises(EngineError) as e:
            c.submit([{"path": str(allowed / "blocker.wav")}], "turn it down", str(allowed / "o"),
                     options={"checkpoint": str(outside)})
        assert e.value.code == "unauthorized"
    healthy(engine, examples, tmp_path, allowed=allowed)


@pytest.mark.parametrize("raw, code", [
    (b'{"v":true,"type":"ping"}', "bad_version"),
    (b'{"v":1.0,"type":"ping"}', "bad_version"),
    (b'{"v":1,"type":"ping","ref":NaN}', "bad_json"),
    (b'{"v":1,"type":"submit","items":[{"path":"/a.wav","db":1000}],"instruction":"x","out_dir":"/t"}', "invalid"),
    (b'{"v":1,"type":"submit","items":[{"path":"/a.wav","db":1e400}],"instruction":"x","out_dir":"/t"}',
     "invalid"),
])
def test_08_unbounded_numbers_are_refused(shared_engine, examples, tmp_path, raw, code):
    reply = raw_call(shared_engine, raw)
    assert reply["type"] == "error" and reply["code"] == code, reply
    json.loads(P.encode(reply), parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    healthy(shared_engine, examples, tmp_path / "out")


def _submit(**kw) -> bytes:
    body = {"v": 1, "type": "submit", "items": [{"path": "/a.wav"}], "instruction": "x", "out_dir": "/tmp/o"}
    body.update(kw)
    return json.dumps(body).encode()


@pytest.mark.parametrize("name, raw, code", [
    ("deep nesting", b'{"v":1,"type":"ping","ref":' + b"[" * 5000 + b"]" * 5000 + b"}", "bad_json"),
    ("deep but parsable", b'{"v":1,"type":"ping","x":' + b"[" * 100 + b"]" * 100 + b"}", "bad_json"),
    ("too-long path", _submit(items=[{"path": "/" + "a" * 5000}]), "invalid"),
    ("a path name over 255 bytes", _submit(items=[{"path": "/tmp/" + "a" * 300}]), "invalid"),
    ("negative seed", _submit(options={"seed": -1}), "invalid"),
    ("huge start", _submit(items=[{"path": "/a.wav", "start": 1e308}]), "invalid"),
    ("since over 2^63", b'{"v":1,"type":"events","job":"abc","since":9223372036854775808}', "invalid"),
    ("huge integer", b'{"v":1,"type":"events","job":"abc","since":' + b"9" * 5000 + b"}", "bad_json"),
])
def test_09_bad_inputs_get_a_code_not_internal(shared_engine, examples, tmp_path, name, raw, code):
    reply = raw_call(shared_engine, raw)
    assert reply["type"] == "error" and reply["code"] == code, (name, reply)
    healthy(shared_engine, examples, tmp_path / "out")


def test_09b_non_ascii_token_and_truncated_input(engine_factory, examples, tmp_path):
    engine = engine_factory("--token-file", str(_token_file(tmp_path, "s3cret")),
                            env={"SMARTDJ_DEBUG_STEP_DELAY": "1.0"})
    reply = raw_call(engine, json.dumps({"v": 1, "type": "ping", "token": "s3crét"}).encode())
    assert reply["code"] == "unauthorized", reply
    src = noise(tmp_path / "in.wav", 2.0)
    with engine.client(token="s3cret") as c:
        _blocker(c, tmp_path)
        job = c.submit([{"path": str(src)}], "turn it down by 3 dB", str(tmp_path / "out"))
        with open(src, "r+b") as f:
            f.truncate(src.stat().st_size // 2)
        final = c.wait(job, timeout=60)
    assert final["type"] == "failed" and final["code"] == "bad_audio" and "shrank" in final["message"], final
    assert not (tmp_path / "out" / job).exists() or not list((tmp_path / "out" / job).rglob("*.wav"))
    healthy(engine, examples, tmp_path / "out2", token="s3cret")


def test_10_token_file_osc_budget_and_long_fields(engine_factory, examples, tmp_path):
    engine = engine_factory("--token-file", str(_token_file(tmp_path, "s3cret")))
    cmdline = Path(f"/proc/{engine.proc.pid}/cmdline").read_bytes()
    assert b"s3cret" not in cmdline
    with engine.client() as c, pytest.raises(EngineError) as e:
        c.ping()
    assert e.value.code == "unauthorized"
    with engine.client(token="s3cret", client="x" * 70_000) as c, pytest.raises(EngineError) as e:
        c.submit([{"path": str(examples / RAIN)}], "turn it down", None, mode="plan")
    assert e.value.code == "invalid" and "client" in e.value.message
    with engine.client(token="s3cret", client="c" * P.MAX_CLIENT) as c:
        for i in range(30):
            c.submit([{"path": str(examples / RAIN)}], f"turn it down by 3 dB {'and up ' * 280}{i}", None,
                     mode="plan")
    with engine.osc_client(token="s3cret") as o:
        o.send_raw(P.OSC_ADDRESS["status"], json.dumps({"v": 1, "reply_port": o.reply_port, "token": "s3cret"}))
        data, _ = o.sock.recvfrom(65536)
    assert len(data) <= P.OSC_MAX_PAYLOAD + 64
    from pythonosc.osc_message import OscMessage

    reply = json.loads(OscMessage(data).params[0])
    assert reply["type"] == "status" and reply["more"] is True and reply["jobs"], reply.get("code")
    healthy(engine, examples, tmp_path / "out", token="s3cret")


def test_cache_budget_follows_the_machine(monkeypatch):
    from smartdj.engine.config import cache_budget_bytes

    monkeypatch.delenv("SMARTDJ_CACHE_MB", raising=False)
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert 32 << 20 <= cache_budget_bytes() <= min(768 << 20, max(total // 50, 32 << 20))
    monkeypatch.setenv("SMARTDJ_CACHE_MB", "64")
    assert cache_budget_bytes() == 64 << 20



def test_a_non_finite_render_is_an_error_and_writes_nothing(tmp_path):
    from smartdj.bridge.language import parse_step
    from smartdj.engine.config import load_settings
    from smartdj.engine.execution.executors import ExecError
    from smartdj.engine.serving.runner import JobRunner
    from smartdj.engine.serving.units import ItemUnit

    store = Store(tmp_path / "state")
    runner = JobRunner(store, load_settings({"state_dir": str(tmp_path / "state")}, env={}), None, lambda n: None,
                       lambda job: False, lambda: False)
    audio = np.zeros((2, 100), dtype=np.float32)
    audio[0, 5] = np.inf
    unit = ItemUnit(id="a", label="rain", audio=audio, sr=16000)
    with pytest.raises(ExecError) as e:
        runner._write("job1", {"out_dir": str(tmp_path / "out")}, unit, 1, 1, parse_step("turn down the volume of rain by 3 dB"), audio)
    assert e.value.code == "edit_failed" and "infinite" in e.value.message
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.wav"))
    store.close()


def test_status_reports_a_worker_that_died(tmp_path):
    from smartdj.engine.config import load_settings
    from smartdj.engine.serving.daemon import Engine

    engine = Engine(load_settings({"state_dir": str(tmp_path / "state")}, env={}))
    try:
        def boom(job: str) -> None:
            raise SystemExit("simulated fault in the worker loop itself")
        engine.jobs._run_one = boom
        engine.jobs.start(resume=False)
        engine.jobs.submit(P.check_submit({"items": [{"path": "/x.wav"}], "instruction": "x", "mode": "plan"}))
        for _ in range(200):
            if engine.info()["worker"] == "dead":
                break
            time.sleep(0.01)
        info = engine.info()
        assert info["worker"] == "dead" and "simulated fault" in info["worker_error"], info
    finally:
        engine.close()
