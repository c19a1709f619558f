"""`smartdj edit/status/cancel` as a user runs them: against a running engine, --local, and none."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

from conftest import PYTHON, SCENE_INSTRUCTION


def smartdj(*args: str, env: dict | None = None, umask: int | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "smartdj.engine.cli.main", *args], capture_output=True, text=True,
                          timeout=120, env=env, preexec_fn=None if umask is None else (lambda: os.umask(umask)))


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
    assert r.returncode == 5 and "plan" in r.stderr  # exit_codes.NOT_PLANNED, apart from "no engine" (3)
    r = smartdj("edit", str(tmp_path / "missing.wav"), "turn it down by 3 dB", "--out-dir", str(tmp_path),
                "--engine", shared_engine.zmq)
    assert r.returncode == 1 and "missing.wav" in r.stderr and "Traceback" not in r.stderr
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
    conf = tmp_path / "smartdj.toml"
    conf.write_text(f'[engine]\nzmq = "{shared_engine.zmq}"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("SMARTDJ_ZMQ", "SMARTDJ_TOKEN")}
    r = smartdj("status", "--json", env={**env, "SMARTDJ_CONFIG": str(conf)})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["engine"]["endpoints"]["zmq"] == shared_engine.zmq
    conf.write_text("[engine]\nzmq = \n")
    r = smartdj("status", env={**env, "SMARTDJ_CONFIG": str(conf)})
    assert r.returncode == 2 and "not valid TOML" in r.stderr



# --- issue 11: what a user meets on the command line ---------------------------------------------

def test_engine_address_without_tcp_and_bad_addresses_say_what_to_type(shared_engine):
    hostport = shared_engine.zmq.split("://", 1)[1]
    r = smartdj("status", "--json", "--engine", hostport)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["engine"]["endpoints"]["zmq"] == shared_engine.zmq
    for bad, needle in (("127.0.0.1:port", "port must be a number"), ("localhost", "host and port"),
                        ("http://127.0.0.1:80", "HOST:PORT")):
        r = smartdj("status", "--engine", bad)
        assert r.returncode == 2 and needle in r.stderr and "--engine" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and "ZMQError" not in r.stderr


def run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    """The command with stdout a pipe whose reader is already gone (what `| head` leaves behind)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([PYTHON, "-m", "smartdj.engine.cli.main", *args], stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)


def test_a_closed_pipe_ends_the_command_quietly(shared_engine):
    r = run_into_closed_pipe("status", "--engine", shared_engine.zmq)
    assert r.returncode == 141, r.stderr  # exit_codes.PIPE_CLOSED, as a tool killed by SIGPIPE
    assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr, r.stderr


def test_exit_codes_are_distinct_and_documented_in_help_and_readme():
    from smartdj.engine.cli import exit_codes as X

    codes = [code for code, _ in X.MEANINGS]
    assert len(set(codes)) == len(codes) and X.NO_ENGINE != X.NOT_PLANNED
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for args in ((), ("edit",), ("status",), ("plan",), ("cancel",)):
        out = smartdj(*args, "--help").stdout
        for code, meaning in X.MEANINGS:
            assert re.search(rf"^\s+{code}\s+{re.escape(meaning[:30])}", out, re.M), (args, code)
    for code, meaning in X.MEANINGS:  # the README's table says the same
        assert re.search(rf"^\|\s*`?{code}`?\s*\|\s*{re.escape(meaning[:30])}", readme, re.M), code


def test_refusals_name_the_flags_not_the_protocol_fields(shared_engine, examples, tmp_path):
    rain = str(examples / "10_rain_falling.wav")
    r = smartdj("edit", rain, "turn it down by 3 dB", "--out-dir", str(tmp_path), "--steps", "0",
                "--engine", shared_engine.zmq)
    assert r.returncode == 2 and "--steps must be between 1 and 1000" in r.stderr, r.stderr
    assert "options." not in r.stderr
    r = smartdj("edit", rain, "turn it down by 3 dB", "--out-dir", str(tmp_path), "--executor", "diffusion",
                "--engine", shared_engine.zmq)
    assert r.returncode == 6, r.stderr  # exit_codes.UNSUPPORTED: nothing installed can run it
    assert "--checkpoint" in r.stderr and "options." not in r.stderr and "None" not in r.stderr, r.stderr


def test_status_of_a_job_reads_as_progress_not_protocol(engine_factory, examples, tmp_path):
    engine = engine_factory(env={"SMARTDJ_DEBUG_STEP_DELAY": "0.6"})
    rain = str(examples / "10_rain_falling.wav")
    r = smartdj("edit", rain, "turn it down by 6 dB and put it on the left", "--out-dir", str(tmp_path),
                "--json", "--engine", engine.zmq)
    assert r.returncode == 0, r.stderr
    job = json.loads(r.stdout)["job"]
    r = smartdj("status", job, "--engine", engine.zmq)
    assert r.returncode == 0, r.stderr
    raw = json.loads(smartdj("status", job, "--json", "--engine", engine.zmq).stdout)["events"]
    assert sum(e["type"] == "progress" for e in raw) > 4  # the engine did report inside the steps
    lines = r.stdout.splitlines()
    assert not any(re.fullmatch(r"\s*\d+\s+progress\s*\S*\s*", ln) for ln in lines), r.stdout
    assert sum("% done" in ln for ln in lines) == 2  # one line per step: the last progress it reported
    assert any("step 1/2 started" in ln and "turn down the volume" in ln for ln in lines), r.stdout
    assert lines[-1].split(None, 1)[1] == "done: 2 renders", r.stdout


def test_edit_bar_moves_within_a_step_and_ends_with_a_summary(examples, tmp_path):
    import pty
    import select

    master, slave = pty.openpty()  # the bar is for terminals: give the command one
    env = dict(os.environ, SMARTDJ_DEBUG_STEP_DELAY="1.5")
    proc = subprocess.Popen([PYTHON, "-m", "smartdj.engine.cli.main", "edit", str(examples / "10_rain_falling.wav"),
                             "turn it down by 3 dB", "--out-dir", str(tmp_path), "--local"],
                            stdout=subprocess.PIPE, stderr=slave, text=True, env=env)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if select.select([master], [], [], 0.5)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    out = proc.communicate(timeout=60)[0]
    os.close(master)
    assert proc.returncode == 0
    bar = seen.decode("utf-8", "replace")
    assert "step 1/1: turn down the volume" in bar, bar
    inside = {int(p) for p in re.findall(r"(\d+)%\|", bar)} - {0, 100}
    assert len(inside) >= 2, bar  # it moved while the step ran, not only when it ended
    assert re.search(r"^done: 1 step rendered in [\d.]+ s; renders in ", out, re.M), out


def test_renders_and_synthesized_data_honour_the_umask(examples, tmp_path):
    r = smartdj("edit", str(examples / "10_rain_falling.wav"), "turn it down by 3 dB", "--out-dir",
                str(tmp_path / "renders"), "--local", "--json", umask=0o022)
    assert r.returncode == 0, r.stderr
    render = Path(json.loads(r.stdout)["renders"][0]["path"])
    assert render.stat().st_mode & 0o777 == 0o644
    r = smartdj("synth", "--sources", str(examples), "--out", str(tmp_path / "data"), "--count", "2",
                "--workers", "1", "--seconds", "2", umask=0o027)
    assert r.returncode == 0, r.stderr
    data = tmp_path / "data"
    assert (data / "manifest.jsonl").stat().st_mode & 0o777 == 0o640
    folders = [p for p in data.iterdir() if p.is_dir()]
    files = list(data.rglob("*.wav"))
    assert folders and files
    assert {p.stat().st_mode & 0o777 for p in folders} == {0o750}
    assert {p.stat().st_mode & 0o777 for p in files} == {0o640}


def test_help_says_what_edit_accepts_and_descriptions_are_whole_sentences():
    usage = smartdj("edit", "--help").stdout.split("\n\n")[0]
    assert "INSTRUCTION ...]" not in usage and "IN.wav [IN.wav ...] \"INSTRUCTION\"" in usage, usage
    assert "--scene SCENE.json \"INSTRUCTION\"" in usage
    r = smartdj("bench", "e2e", "--help")
    description = r.stdout.split("\n\n")[1]
    assert description.rstrip().endswith(".") and "same run" in description, description
