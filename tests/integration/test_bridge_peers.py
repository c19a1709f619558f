"""The bridge from the outside: the Python OSC client, liblo's oscsend/oscdump, and a C ZeroMQ peer."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest
from conftest import SCENE_INSTRUCTION, scene_items
from smartdj.bridge import osc_framing as F
from smartdj.bridge import protocol as P


def test_osc_submit_watch_events_and_capped_replies(shared_engine, examples, tmp_path):
    with shared_engine.osc_client() as o:
        assert o.request("ping")["type"] == "pong"
        reply = o.request("submit", items=scene_items(examples), instruction=SCENE_INSTRUCTION,
                          out_dir=str(tmp_path), scene=True, watch=True)
        assert reply["type"] == "accepted"
        job = reply["job"]
        events = o.wait(job, timeout=60)
        assert events[-1]["type"] == "done"
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        # pushed events arrive on /smartdj/event while we wait for replies (best effort: UDP)
        deadline = time.monotonic() + 2
        while not any(p["event"]["type"] == "done" for p in o.pushed) and time.monotonic() < deadline:
            got = o.receive(0.1)
            if got and got[0] == P.OSC_EVENT_ADDRESS:
                o.pushed.append(got[1])
        assert all(p["job"] == job for p in o.pushed) and o.pushed
        # a capped reply: many events, each reply under the OSC payload limit, `more` until the end
        small = o.request("events", job=job, since=0, limit=2)
        assert small["more"] is True and len(small["events"]) == 2
        errors = o.request("events", job="nope")
        assert errors["type"] == "error" and errors["code"] == "not_found"
        assert o.request("status", job=job)["state"] == "done"


def test_fit_events_stays_under_the_osc_limit():
    events = [{"seq": i, "type": "step_done", "path": "/x/" + "p" * 300} for i in range(1, 60)]
    reply = F.fit_events({"v": 1, "type": "events", "job": "j"}, events)
    assert reply["more"] and len(P.encode(reply)) <= P.OSC_MAX_PAYLOAD and reply["events"][0]["seq"] == 1
    huge = F.fit_events({"v": 1, "type": "events"}, [{"seq": 1, "type": "planned", "steps": "x" * 9000}])
    assert huge["events"] == [{"seq": 1, "type": "planned", "truncated": True}]


def test_osc_bad_payloads_get_error_replies(shared_engine):
    with shared_engine.osc_client() as o:
        o.send_raw("/smartdj/ping", json.dumps({"v": 2, "reply_port": o.reply_port}))
        assert o.receive(5)[1]["code"] == "bad_version"
        o.send_raw("/smartdj/nothing", json.dumps({"v": 1, "reply_port": o.reply_port}))
        assert o.receive(5)[1]["code"] == "unknown_type"
        o.send_raw("/smartdj/ping", 42)
        addr, reply = o.receive(5)
        assert reply["code"] == "invalid"
        o.send_raw("/smartdj/ping", "{broken")  # no reply_port: the reply goes to the sender's port
        assert o.receive(5)[1]["code"] == "bad_json"
        assert o.request("ping")["type"] == "pong"


@pytest.mark.skipif(not (shutil.which("oscsend") and shutil.which("oscdump")),
                    reason="liblo-tools (oscsend, oscdump) not installed; scripts/system-deps.sh installs them")
def test_liblo_oscsend_and_oscdump(shared_engine):
    import socket

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    dump = subprocess.Popen(["oscdump", "-L", str(port)], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)  # let oscdump bind its port
        subprocess.run(["oscsend", shared_engine.osc_host, str(shared_engine.osc_port), "/smartdj/ping", "s",
                        json.dumps({"v": 1, "type": "ping", "reply_port": port, "ref": "liblo"})],
                       check=True, timeout=10)
        time.sleep(0.5)
    finally:
        dump.terminate()
        out = dump.communicate(timeout=10)[0]
    line = next(ln for ln in out.splitlines() if "/smartdj/reply" in ln)
    payload = json.loads(line[line.index("{"):line.rindex("}") + 1].replace('\\"', '"'))
    assert payload["type"] == "pong" and payload["ref"] == "liblo"


@pytest.mark.skipif(not shutil.which("cc"), reason="no C compiler")
def test_c_zeromq_peer(shared_engine, examples, tmp_path):
    from pathlib import Path

    src = Path(__file__).parent / "peers" / "zmq_ping.c"
    exe = tmp_path / "zmq_ping"
    build = subprocess.run(["cc", str(src), "-o", str(exe), "-lzmq"], capture_output=True, text=True)
    if build.returncode != 0:
        pytest.skip(f"libzmq3-dev not installed (scripts/system-deps.sh installs it): {build.stderr[:200]}")
    body = tmp_path / "submit.json"
    body.write_text(json.dumps({"v": 1, "type": "submit", "items": scene_items(examples), "scene": True,
                                "instruction": SCENE_INSTRUCTION, "out_dir": str(tmp_path / "out")}))
    r = subprocess.run([str(exe), shared_engine.zmq, str(body)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    pong, accepted, bad = (json.loads(x) for x in r.stdout.splitlines())
    assert pong["type"] == "pong" and pong["ref"] == "c-peer"
    assert accepted["type"] == "accepted" and bad["code"] == "bad_version"
    with shared_engine.client() as c:
        assert c.wait(accepted["job"], timeout=60)["type"] == "done"
