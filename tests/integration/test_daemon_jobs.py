"""The daemon as a separate process: jobs over ZeroMQ, renders on disk, the event log, restarts."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from conftest import PYTHON, SCENE_INSTRUCTION, scene_items


def digest(paths) -> dict:
    return {str(p): (hashlib.sha256(Path(p).read_bytes()).hexdigest(), os.stat(p).st_mtime_ns) for p in paths}


def partials(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if "partial" in p.name]


def test_scene_job_renders_each_step_and_log_survives_restart(running_engine, examples, tmp_path):
    items = scene_items(examples)
    before = digest(it["path"] for it in items)
    out = tmp_path / "out"
    with running_engine.client() as c:
        job = c.submit(items, SCENE_INSTRUCTION, str(out), scene=True)
        seen = []
        final = c.wait(job, on_event=seen.append, timeout=60)
    assert final["type"] == "done", final
    types = [e["type"] for e in seen]
    assert types[:2] == ["accepted", "planned"] and types[-1] == "done"
    assert [e["seq"] for e in seen] == list(range(1, len(seen) + 1))
    done = [e for e in seen if e["type"] == "step_done"]
    assert [e["step"] for e in done] == [1, 2, 3] and final["renders"] == 3
    for e in done:
        p = Path(e["path"])
        assert p.parent == out / job / "scene" and p.name.startswith(f"step_{e['step']}_")
        data, sr = sf.read(p, dtype="float32", always_2d=True)
        info = sf.info(p)
        assert info.channels == 2 and info.subtype == "FLOAT" and sr == e["sr"] == 44100
        assert abs(float(np.max(np.abs(data))) - e["peak"]) < 1e-4 and e["clipped"] is False
    # step 3 put the clock on the left: the right channel is quieter than the left from then on
    left, right = sf.read(done[2]["path"], always_2d=True)[0].T
    first = sf.read(done[1]["path"], always_2d=True)[0].T
    assert np.sum(left**2) - np.sum(right**2) > np.sum(first[0]**2) - np.sum(first[1]**2)
    assert digest(it["path"] for it in items) == before
    assert not partials(out)

    assert running_engine.stop() == 0
    running_engine.restart()
    with running_engine.client() as c:
        again = c.events(job, since=0)
        assert again["state"] == "done" and again["events"] == seen
        assert c.events(job, since=len(seen) - 1)["events"] == seen[-1:]
        assert c.status(job)["state"] == "done"


def test_single_items_with_mono_input_and_two_clients_at_once(running_engine, examples, tmp_path):
    mono = examples / "16_clock_ticking.wav"
    assert sf.info(mono).channels == 1
    out = tmp_path / "out"
    c1, c2 = running_engine.client(), running_engine.client()
    j1 = c1.submit([{"path": str(mono), "label": "clock ticking", "start": 0.5, "length": 2.0}],
                   "turn it down by 3 dB", str(out))
    j2 = c2.submit([{"path": str(examples / "10_rain_falling.wav"), "label": "rain falling", "id": "a"},
                    {"path": str(examples / "08_crow_caw.wav"), "label": "crow caw", "id": "b"}],
                   "put it on the left", str(out))
    e1, e2 = c1.wait(j1, timeout=60), c2.wait(j2, timeout=60)
    assert e1["type"] == "done" and e2["type"] == "done" and e2["renders"] == 2
    ev = c1.events(j1)["events"]
    step = next(e for e in ev if e["type"] == "step_done")
    assert abs(step["seconds"] - 2.0) < 1e-3 and sf.info(step["path"]).channels == 2
    planned = [e for e in c2.events(j2)["events"] if e["type"] == "planned"]
    assert sorted(e["item"] for e in planned) == ["a", "b"]
    for c in (c1, c2):
        c.close()


def test_cancel_during_a_step_leaves_no_partial_file(engine_factory, examples, tmp_path):
    engine = engine_factory(env={"SMARTDJ_DEBUG_STEP_DELAY": "0.6"})
    out = tmp_path / "out"
    with engine.client() as c:
        job = c.submit(scene_items(examples), SCENE_INSTRUCTION, str(out), scene=True)
        queued = c.submit(scene_items(examples), SCENE_INSTRUCTION, str(out), scene=True)
        assert c.cancel(queued)["state"] == "cancelled"
        while not any(e["type"] == "progress" for e in c.events(job)["events"]):
            time.sleep(0.02)
        assert c.cancel(job)["state"] == "cancelling"
        final = c.wait(job, timeout=30)
        assert final["type"] == "cancelled"
        assert c.cancel(job)["state"] == "cancelled"
        assert c.events(queued)["events"][-1]["type"] == "cancelled"
        progress = [e for e in c.events(job)["events"] if e["type"] == "progress"]
        assert all(0 <= e["fraction"] <= 1 for e in progress)
    assert not partials(out)
    assert not (out / queued).exists()


def test_killed_during_a_step_resumes_from_the_last_render(engine_factory, examples, tmp_path):
    engine = engine_factory(env={"SMARTDJ_DEBUG_STEP_DELAY": "0.5"})
    out = tmp_path / "out"
    with engine.client() as c:
        job = c.submit(scene_items(examples), SCENE_INSTRUCTION, str(out), scene=True)
        while True:
            types = [(e["type"], e.get("step")) for e in c.events(job)["events"]]
            if ("step_started", 2) in types:
                break
            time.sleep(0.02)
    time.sleep(0.2)
    engine.kill()
    first = next(out.rglob("step_1_*.wav"))
    stamp = digest([first])
    assert not list(out.rglob("step_2_*.wav"))
    engine.restart()
    assert "resumed=1" in engine.log()
    with engine.client() as c:
        final = c.wait(job, timeout=60)
        events = c.events(job)["events"]
    assert final["type"] == "done"
    done = [e["step"] for e in events if e["type"] == "step_done"]
    assert done == [1, 2, 3]  # step 1 was not redone
    restarted = [e for e in events if e["type"] == "step_started" and e["step"] == 2]
    assert len(restarted) == 2 and restarted[1].get("resumed") is True
    assert digest([first]) == stamp
    assert not partials(out)


def test_sigterm_mid_step_exits_0_and_job_resumes(engine_factory, examples, tmp_path):
    engine = engine_factory(env={"SMARTDJ_DEBUG_STEP_DELAY": "1.0"})
    out = tmp_path / "out"
    with engine.client() as c:
        job = c.submit(scene_items(examples), SCENE_INSTRUCTION, str(out), scene=True)
        while not any(e["type"] == "step_started" for e in c.events(job)["events"]):
            time.sleep(0.02)
    assert engine.stop() == 0
    assert not list(out.rglob("*.wav"))
    engine.env.pop("SMARTDJ_DEBUG_STEP_DELAY")
    engine.restart()
    with engine.client() as c:
        assert c.wait(job, timeout=60)["type"] == "done"


def test_port_taken_exits_3_for_each_transport(running_engine, tmp_path):
    zmq_port = running_engine.zmq.rsplit(":", 1)[1]
    for flags, word in ((["--zmq", f"tcp://127.0.0.1:{zmq_port}", "--osc", "127.0.0.1:0"], "zmq"),
                        (["--zmq", "tcp://127.0.0.1:0", "--osc", running_engine.osc], "OSC")):
        r = subprocess.run([PYTHON, "-m", "smartdj.engine.cli.main", "serve", *flags, "--state-dir",
                            str(tmp_path / f"s{word}")], capture_output=True, text=True, timeout=60)
        assert r.returncode == 3, r.stderr
        assert "already in use" in r.stderr


def test_remote_needs_opt_in_token_and_folders(tmp_path):
    def serve(*flags):
        return subprocess.run([PYTHON, "-m", "smartdj.engine.cli.main", "serve", "--state-dir", str(tmp_path / "s"),
                               "--osc", "127.0.0.1:0", *flags], capture_output=True, text=True, timeout=60)
    r = serve("--zmq", "tcp://0.0.0.0:0")
    assert r.returncode == 2 and "--allow-remote" in r.stderr
    r = serve("--zmq", "tcp://0.0.0.0:0", "--allow-remote")
    assert r.returncode == 2 and "token" in r.stderr
    r = serve("--zmq", "tcp://0.0.0.0:0", "--allow-remote", "--token", "t")
    assert r.returncode == 2 and "--allowed-dir" in r.stderr


def test_token_and_allowed_dirs_are_enforced(engine_factory, examples, tmp_path):
    allowed = tmp_path / "media"
    allowed.mkdir()
    clip = allowed / "rain.wav"
    clip.write_bytes((examples / "10_rain_falling.wav").read_bytes())
    engine = engine_factory("--token", "s3cret", "--allowed-dir", str(allowed))
    from smartdj.bridge.zmq_client import EngineError

    with engine.client() as c:
        try:
            c.ping()
            raise AssertionError("a request without the token was answered")
        except EngineError as e:
            assert e.code == "unauthorized"
    with engine.client(token="s3cret") as c:
        assert c.ping()["type"] == "pong"
        try:
            c.submit([{"path": str(examples / "10_rain_falling.wav")}], "turn it down by 3 dB", str(allowed))
            raise AssertionError("a path outside --allowed-dir was accepted")
        except EngineError as e:
            assert e.code == "unauthorized"
        job = c.submit([{"path": str(clip), "label": "rain"}], "turn it down by 3 dB", str(allowed / "out"))
        assert c.wait(job, timeout=60)["type"] == "done"


def test_status_lists_jobs_and_torch_is_not_imported(shared_engine, examples, tmp_path):
    with shared_engine.client() as c:
        job = c.submit(scene_items(examples), "turn the rain down by 3 dB", None, mode="plan", scene=True)
        final = c.wait(job, timeout=60)
        assert final["type"] == "done" and final["renders"] == 0
        st = c.status()
        assert st["engine"]["torch_imported"] is False
        assert job in [j["job"] for j in st["jobs"]]
        assert st["engine"]["library"]["clips"] == 5


def test_a_resent_submit_with_the_same_ref_is_the_same_job(running_engine, examples, tmp_path):
    """A client whose reply was lost resends its submit; the engine must not run the job twice."""
    out = tmp_path / "out"
    with running_engine.client() as c:
        first = c.submit(scene_items(examples), SCENE_INSTRUCTION, str(out), scene=True, submit_id="reaper-7f3a9c")
        again = c.submit(scene_items(examples), SCENE_INSTRUCTION, str(out), scene=True, submit_id="reaper-7f3a9c")
        other = c.submit(scene_items(examples), SCENE_INSTRUCTION, str(out), scene=True, submit_id="reaper-other")
        assert again == first and other != first
        c.wait(first)
        c.wait(other)
        accepted = [e for e in c.events(first)["events"] if e["type"] == "accepted"]
    assert len(accepted) == 1
