"""A simple blocking OSC client for the engine (tests, Python users). Not the REAPER client.

Sends ``/smartdj/<type>`` with the JSON request as one string, listens on its own UDP port for
``/smartdj/reply`` (and ``/smartdj/event`` pushes of watched jobs). Standard library plus
python-osc's message builder and parser only.
"""

from __future__ import annotations

import itertools
import json
import socket
import time
from typing import Any

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from smartdj.bridge import protocol as P


class OscEngineClient:
    def __init__(self, host: str = P.DEFAULT_OSC_HOST, port: int = P.DEFAULT_OSC_PORT, token: str | None = None,
                 timeout: float = 5.0, listen_host: str = P.DEFAULT_OSC_HOST):
        self.addr = (host, port)
        self.token, self.timeout = token, timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((listen_host, 0))
        self.reply_port = self.sock.getsockname()[1]
        self.pushed: list[dict] = []  # /smartdj/event messages seen while waiting for replies
        self._refs = itertools.count(1)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> OscEngineClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send_raw(self, address: str, *args: Any) -> None:
        b = OscMessageBuilder(address=address)
        for a in args:
            b.add_arg(a)
        self.sock.sendto(b.build().dgram, self.addr)

    def receive(self, timeout: float | None = None) -> tuple[str, dict] | None:
        """The next OSC message as (address, decoded JSON), or None on timeout."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data, _ = self.sock.recvfrom(65536)
            except TimeoutError:
                return None
            try:
                msg = OscMessage(data)
                return msg.address, json.loads(msg.params[0])
            except Exception:
                continue

    def request(self, type_: str, timeout: float | None = None, **body: Any) -> dict:
        """One request; returns the reply (error replies included: check ``type``)."""
        ref = f"o{next(self._refs)}"
        msg = P.request(type_, reply_port=self.reply_port, ref=ref, **body)
        if self.token is not None:
            msg["token"] = self.token
        self.send_raw(P.OSC_ADDRESS[type_], P.encode(msg).decode("utf-8"))
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            got = self.receive(deadline - time.monotonic())
            if got is None:
                raise TimeoutError(f"no OSC reply from {self.addr[0]}:{self.addr[1]} to {type_}")
            address, reply = got
            if address == P.OSC_EVENT_ADDRESS:
                self.pushed.append(reply)
            elif reply.get("ref") == ref:
                return reply

    def events_all(self, job: str, since: int = 0) -> list[dict]:
        """Every event since ``since``, following ``more`` across capped replies."""
        out: list[dict] = []
        while True:
            reply = self.request("events", job=job, since=since)
            out.extend(reply["events"])
            if reply["events"]:
                since = reply["events"][-1]["seq"]
            if not reply.get("more"):
                return out

    def wait(self, job: str, timeout: float = 60.0, poll: float = 0.05) -> list[dict]:
        """Poll until the job ends; returns all its events."""
        deadline = time.monotonic() + timeout
        events: list[dict] = []
        while time.monotonic() < deadline:
            events.extend(self.events_all(job, events[-1]["seq"] if events else 0))
            if events and events[-1]["type"] in P.TERMINAL_EVENTS:
                return events
            time.sleep(poll)
        raise TimeoutError(f"job {job} did not end in {timeout} s")
