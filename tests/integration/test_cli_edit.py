"""`smartdj edit/status/cancel` as a user runs them: against a running engine, --local, and none."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

from conftest import PYTHON, SCENE_INSTRUCTION


def smartdj(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "smartdj.engine.cli.main", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_edit_through_the_engine_json_status_and_cancel(shared_engine, examples, tmp_path):
    rain = str(examples / "10_rain_falling.wav")
    r = smartdj("edit", rain, "turn it down by 6 dB and put it on the left", "--out-dir", str(tmp_path),
                "--json", "--engine", shared_engine.zmq)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [s["op"] for s in doc["steps"]] == ["volume", "direction"]
    assert [(x["step"], Path(x["path"]).is_file()) for x in doc["renders"]] == [(1, True), (2, True)]
    assert all(Path(x["path"]).parent == tmp_path / doc["job"] / x["item"] for x in doc["renders"])
    r = smartdj("status", doc["job"], "--json", "--engine", shared_engine.zmq)
    assert r.returncode == 0 and json.loads(r.stdout)["state"] == "done"
    r = smartdj("status", "--engine", shared_engine.zmq)
    assert r.returncode == 0 and doc["job"] in r.stdout
    r = smartdj("cancel", doc["job"], "--engine", shared_engine.zmq)
    assert r.returncode == 1 and "done" in r.stdout
    r = smartdj("cancel", "nosuchjob", "--engine", shared_engine.zmq)
    assert r.returncode == 4


def test_edit_scene_plan_only_and_failures(shared_engine, examples, tmp_path):
    scene = tmp_path / "scene.json"
    scene.write_text(json.dumps({"sample_rate": 48000, "seconds": 3.0, "sources": [
        {"path": str(examples / "10_rain_falling.wav"), "label": "rain falling", "at": "front", "db": 0, "offset": 0},
        {"path": str(examples / "16_clock_ticking.wav"), "label": "clock ticking", "at": "front", "db": 0,
         "offset": 0.5},
        {"path": str(examples / "14_car_horn_honking.wav"), "label": "car horn honking", "at": "right", "db": 0,
         "offset": 1.0}]}))
    r = smartdj("edit", "--scene", str(scene), SCENE_INSTRUCTION, "--out-dir", str(tmp_path / "o"), "--json",
                "--engine", shared_engine.zmq)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert len(doc["renders"]) == 3 and all(x["item"] == "scene" for x in doc["renders"])
    import soundfile as sf

    info = sf.info(doc["renders"][0]["path"])
    assert info.samplerate == 48000 and abs(info.duration - 3.0) < 1e-3
    r = smartdj("edit", str(examples / "10_rain_falling.wav"), "turn it down by 3 dB", "--plan-only",
                "--engine", shared_engine.zmq)
    assert r.returncode == 0 and "1. turn down the volume of rain falling by 3 dB" in r.stdout
    r = smartdj("edit", str(examples / "10_rain_falling.wav"), "qwzx blorp", "--out-dir", str(tmp_path),
                "--engine", shared_engine.zmq)
    assert r.returncode == 3 and "plan" in r.stderr
    r = smartdj("edit", str(tmp_path / "missing.wav"), "turn it down by 3 dB", "--out-dir", str(tmp_path),
                "--engine", shared_engine.zmq)
    assert r.returncode == 1 and "no such file" in r.stderr
    r = smartdj("edit", "only-an-instruction", "--out-dir", str(tmp_path), "--engine", shared_engine.zmq)
    assert r.returncode == 2


def test_no_engine_and_local(examples, tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rain = str(examples / "10_rain_falling.wav")
    r = smartdj("edit", rain, "turn it down by 3 dB", "--out-dir", str(tmp_path), "--engine",
                f"tcp://127.0.0.1:{port}")
    assert r.returncode == 3 and f"no engine at tcp://127.0.0.1:{port}" in r.stderr and "--local" in r.stderr
    r = smartdj("edit", rain, "turn it down by 3 dB", "--out-dir", str(tmp_path), "--local", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert Path(doc["renders"][0]["path"]).is_file()


def test_demo_runs_end_to_end(tmp_path):
    r = subprocess.run([PYTHON, "-m", "smartdj.engine.cli.main", "demo", "--out-dir", str(tmp_path / "demo")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "1. remove the sound of car horn honking" in r.stdout
    assert len(list((tmp_path / "demo").rglob("step_*.wav"))) == 3


def test_clients_find_the_engine_through_its_config_file(shared_engine, tmp_path):
    import os

    conf = tmp_path / "smartdj.toml"
    conf.write_text(f'[engine]\nzmq = "{shared_engine.zmq}"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("SMARTDJ_ZMQ", "SMARTDJ_TOKEN")}
    r = smartdj("status", "--json", env={**env, "SMARTDJ_CONFIG": str(conf)})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["engine"]["endpoints"]["zmq"] == shared_engine.zmq
    conf.write_text("[engine]\nzmq = \n")
    r = smartdj("status", env={**env, "SMARTDJ_CONFIG": str(conf)})
    assert r.returncode == 2 and "not valid TOML" in r.stderr
