"""The REAPER-side client's OSC framing agrees with python-osc (what the engine speaks)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from smartdj.bridge import reaper_client as rc

sys.path.insert(0, str(Path(__file__).parent / "reaper_double"))
from session import make_wav  # noqa: E402


def test_osc_framing_round_trips_with_python_osc():
    payload = json.dumps({"v": 1, "type": "ping", "text": "é ünïcode ✓"}, ensure_ascii=False)
    msg = OscMessage(rc.osc_message("/smartdj/ping", payload, 7, 0.5))
    assert msg.address == "/smartdj/ping" and msg.params[0] == payload and msg.params[1] == 7
    b = OscMessageBuilder("/smartdj/reply")
    b.add_arg(payload)
    b.add_arg(3)
    assert rc.parse_osc(b.build().dgram) == [("/smartdj/reply", [payload, 3])]


def test_malformed_datagrams_raise_value_error():
    for bad in (b"/x\0\0,s\0\0abc", b"/x\0\0,q\0\0", b"\xff\xfe\0\0"):
        try:
            rc.parse_osc(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")


def test_follower_orders_events_and_fills_gaps_from_the_engine(running_engine, tmp_path):
    """Pushed events arrive out of order with a hole; the follower delivers 1..n in order."""
    wav = make_wav(tmp_path / "a.wav", seconds=2.0)
    client = rc.EngineClient(running_engine.osc_host, running_engine.osc_port)
    try:
        ref = client.send("submit", items=[{"path": str(wav), "label": "a"}], instruction="turn it up by 3 dB",
                          out_dir=str(tmp_path / "out"))
        reply = None
        t0 = time.monotonic()
        while reply is None and time.monotonic() - t0 < 10:
            client.poll()
            reply = client.reply(ref)
            time.sleep(0.01)
        f = rc.JobFollower(client, reply["job"])
        f.feed_event({"seq": 3, "type": "step_started"})  # out of order; 1 and 2 missing
        got = []
        while not f.finished and time.monotonic() - t0 < 20:
            client.poll()
            f.step(client.take_pushed())
            got += f.take()
            time.sleep(0.01)
        assert [e["seq"] for e in got] == list(range(1, len(got) + 1))
        assert got[0]["type"] == "accepted" and got[-1]["type"] == "done"
    finally:
        client.close()
