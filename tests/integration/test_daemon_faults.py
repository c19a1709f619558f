"""Bad input and faults against a running daemon: error replies or failed events, never a crash."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest
from conftest import SCENE_INSTRUCTION, scene_items
from smartdj.bridge.zmq_client import EngineError


def call(engine, raw: bytes) -> dict:
    with engine.client() as c:
        return c.send_bytes(raw)


@pytest.mark.parametrize("raw, code", [
    (b"{not json", "bad_json"),
    (b"[1, 2]", "bad_json"),
    (b"\xff\xfe", "bad_json"),
    (b'{"v": 2, "type": "ping"}', "bad_version"),
    (b'{"type": "ping"}', "bad_version"),
    (b'{"v": 1, "type": "explode"}', "unknown_type"),
    (b'{"v": 1, "type": "submit"}', "invalid"),
    (b'{"v": 1, "type": "submit", "items": "x.wav", "instruction": "a", "out_dir": "/tmp"}', "invalid"),
    (b'{"v": 1, "type": "submit", "items": [{"path": 3}], "instruction": "a", "out_dir": "/tmp"}', "invalid"),
    (b'{"v": 1, "type": "submit", "items": [{"path": "/a.wav"}], "instruction": "", "out_dir": "/tmp"}', "invalid"),
    (b'{"v": 1, "type": "submit", "items": [{"path": "/a.wav", "length": 0}], "instruction": "a", "out_dir": "/t"}',
     "invalid"),
    (b'{"v": 1, "type": "submit", "items": [{"path": "/a.wav", "start": -1}], "instruction": "a", "out_dir": "/t"}',
     "invalid"),
    (b'{"v": 1, "type": "submit", "items": [{"path": "rel.wav"}], "instruction": "a", "out_dir": "/t"}', "invalid"),
    (b'{"v": 1, "type": "submit", "items": [{"path": "/a.wav"}], "instruction": "a", "out_dir": "/t",'
     b' "plan": ["frobnicate the dog"]}', "invalid"),
    (b'{"v": 1, "type": "events"}', "invalid"),
    (b'{"v": 1, "type": "events", "job": 5}', "invalid"),
    (b'{"v": 1, "type": "events", "job": "nope"}', "not_found"),
    (b'{"v": 1, "type": "cancel", "job": "nope"}', "not_found"),
])
def test_bad_requests_get_error_replies(shared_engine, raw, code):
    reply = call(shared_engine, raw)
    assert reply["type"] == "error" and reply["code"] == code, reply
    assert reply["message"]


def test_instruction_length_limits(shared_engine, examples, tmp_path):
    item = [{"path": str(examples / "10_rain_falling.wav")}]
    with shared_engine.client() as c:
        for text in ("", "   ", "x" * 10_000):
            with pytest.raises(EngineError) as e:
                c.submit(item, text, str(tmp_path))
            assert e.value.code == "invalid"
        assert c.ping()["type"] == "pong"


def _fails(engine, items, instruction, out_dir, **kw) -> dict:
    with engine.client() as c:
        job = c.submit(items, instruction, str(out_dir), **kw)
        return c.wait(job, timeout=60)


def test_missing_unreadable_and_non_audio_files_fail_the_job(shared_engine, tmp_path):
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio")
    locked = tmp_path / "locked.wav"
    locked.write_bytes(b"RIFF")
    locked.chmod(0)
    cases = [tmp_path / "missing.wav", text]
    if os.geteuid() != 0:
        cases.append(locked)
    for path in cases:
        ev = _fails(shared_engine, [{"path": str(path)}], "turn it down by 3 dB", tmp_path / "out")
        assert ev["type"] == "failed" and ev["code"] == "bad_audio" and str(path) in ev["message"], ev
    assert text.read_text() == "this is not audio"


def test_out_of_range_slice_and_multichannel(shared_engine, examples, tmp_path):
    rain = examples / "10_rain_falling.wav"
    ev = _fails(shared_engine, [{"path": str(rain), "start": 100.0}], "turn it down by 3 dB", tmp_path)
    assert ev["code"] == "bad_audio" and "past the end" in ev["message"]
    ev = _fails(shared_engine, [{"path": str(rain), "start": 1.0, "length": 60.0}], "turn it down by 3 dB", tmp_path)
    assert ev["code"] == "bad_audio"
    import numpy as np
    import soundfile as sf

    quad = tmp_path / "quad.wav"
    sf.write(quad, np.zeros((4800, 4), dtype=np.float32), 48000)
    ev = _fails(shared_engine, [{"path": str(quad)}], "turn it down by 3 dB", tmp_path / "o")
    assert ev["code"] == "bad_audio" and "4 channels" in ev["message"]
    ev = _fails(shared_engine, [{"path": str(quad)}], "turn it down by 3 dB", tmp_path / "o",
                options={"downmix": True})
    assert ev["type"] == "done"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_non_writable_output_folder(shared_engine, examples, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    ev = _fails(shared_engine, [{"path": str(examples / "10_rain_falling.wav")}], "turn it down by 3 dB", ro)
    assert ev["type"] == "failed" and ev["code"] == "out_dir"
    assert list(ro.iterdir()) == []


def test_output_folder_that_cannot_exist(shared_engine, examples, tmp_path):
    """Even root cannot make a folder under a regular file: the job fails cleanly, nothing is written."""
    blocker = tmp_path / "a_file"
    blocker.write_bytes(b"not a folder")
    ev = _fails(shared_engine, [{"path": str(examples / "10_rain_falling.wav")}], "turn it down by 3 dB",
                blocker / "out")
    assert ev["type"] == "failed" and ev["code"] == "out_dir" and "output folder" in ev["message"]
    assert blocker.read_bytes() == b"not a folder" and sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_separation_needed_and_unplannable(shared_engine, examples, tmp_path):
    rain = str(examples / "10_rain_falling.wav")
    ev = _fails(shared_engine, [{"path": rain}], "remove the dog barking", tmp_path,
                plan=["remove the sound of dog barking"])
    assert ev["code"] == "needs_separation" and "diffusion" in ev["message"] and ev["step"] == 1
    ev = _fails(shared_engine, [{"path": rain}], "qwzx blorp", tmp_path)
    assert ev["type"] == "failed" and ev["code"] == "plan_failed"


def test_a_client_that_disappears_mid_job(engine_factory, examples, tmp_path):
    engine = engine_factory(env={"SMARTDJ_DEBUG_STEP_DELAY": "0.2"})
    c = engine.client()
    job = c.submit(scene_items(examples), SCENE_INSTRUCTION, str(tmp_path / "out"), scene=True)
    c.send_bytes(json.dumps({"v": 1, "type": "events", "job": job}).encode())
    c._sock.send(json.dumps({"v": 1, "type": "status"}).encode())  # a request whose reply nobody reads
    c._sock.close(linger=0)
    with engine.osc_client() as o:
        o.request("submit", items=scene_items(examples), instruction=SCENE_INSTRUCTION,
                  out_dir=str(tmp_path / "o2"), scene=True, watch=True)
    # both clients are gone (the OSC one watched its job): the engine goes on
    with engine.client() as c2:
        assert c2.wait(job, timeout=60)["type"] == "done"
        st = c2.status()
        assert st["engine"]["pid"] == engine.proc.pid
        while st["engine"]["running"] or st["engine"]["queue"]:
            time.sleep(0.05)
            st = c2.status()
        assert all(j["state"] == "done" for j in st["jobs"])


def test_inputs_are_never_touched(shared_engine, examples, tmp_path):
    files = sorted(Path(examples).glob("*.wav"))
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in files}
    ev = _fails(shared_engine, scene_items(examples, 5), "remove the crow and turn the rain up by 3 dB",
                tmp_path, scene=True)
    assert ev["type"] == "done"
    assert {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in files} == before
