"""A blocking ZeroMQ client for the engine (CLI, scripts, Python users).

One DEALER socket; each request carries a ``ref`` and replies with another ref (a late reply to a
request that timed out) are skipped. ``wait`` follows a job's event log by polling ``events``
since the last sequence number seen, so it survives lost replies and engine restarts.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from smartdj.bridge import protocol as P

DEFAULT_ENDPOINT = P.DEFAULT_ZMQ_ENDPOINT


class EngineError(RuntimeError):
    """An ``error`` reply from the engine (``code``, ``message``)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class EngineUnreachable(ConnectionError):
    """No reply within the timeout: no engine at the endpoint, or it is stuck."""


class EngineClient:
    def __init__(self, endpoint: str = DEFAULT_ENDPOINT, token: str | None = None, timeout: float = 5.0,
                 client: str = "python"):
        import zmq

        self.endpoint, self.token, self.timeout, self.client = endpoint, token, timeout, client
        self._zmq = zmq
        self._ctx = zmq.Context.instance()
        self._refs = itertools.count(1)
        self._sock = None
        self._connect()

    def _connect(self) -> None:
        zmq = self._zmq
        if self._sock is not None:
            self._sock.close(linger=0)
        self._sock = self._ctx.socket(zmq.DEALER)
        # Pending requests may wait for an engine that is starting; give them a moment on close.
        self._sock.setsockopt(zmq.LINGER, 200)
        self._sock.connect(self.endpoint)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close(linger=200)
            self._sock = None

    def __enter__(self) -> EngineClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- requests -----------------------------------------------------------------------

    def request(self, type_: str, timeout: float | None = None, **body: Any) -> dict:
        """Send one request, return its reply; raises EngineError on an error reply."""
        reply = self.request_raw(P.request(type_, **body), timeout)
        if reply.get("type") == "error":
            raise EngineError(reply.get("code", "?"), reply.get("message", ""))
        return reply

    def request_raw(self, msg: dict, timeout: float | None = None) -> dict:
        ref = f"c{next(self._refs)}"
        msg = dict(msg, ref=ref)
        if self.token is not None:
            msg.setdefault("token", self.token)
        return self.send_bytes(P.encode(msg), ref, timeout)

    def send_bytes(self, raw: bytes, ref: Any = None, timeout: float | None = None) -> dict:
        """Send raw bytes (tests send malformed ones); the reply matching ``ref`` (or the next one)."""
        zmq = self._zmq
        self._sock.send(raw)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self._sock.poll(int(left * 1000) + 1, zmq.POLLIN):
                self._connect()  # drop the stuck request so a later reply cannot be mistaken for another's
                raise EngineUnreachable(f"no engine at {self.endpoint} (no reply in "
                                        f"{self.timeout if timeout is None else timeout:g} s)")
            frames = self._sock.recv_multipart()
            try:
                reply = json.loads(frames[-1])
            except ValueError:
                continue
            if ref is None or reply.get("ref") in (ref, None):
                return reply

    def ping(self, timeout: float | None = None) -> dict:
        return self.request("ping", timeout)

    def submit(self, items: list[dict], instruction: str = "", out_dir: str | None = None, *,
               mode: str = "plan+execute", plan: Any = None, options: dict | None = None,
               scene: bool = False, **extra: Any) -> str:
        reply = self.request("submit", items=items, instruction=instruction, out_dir=out_dir, mode=mode,
                             plan=plan, options=options, scene=scene or None, client=self.client, **extra)
        return reply["job"]

    def events(self, job: str, since: int = 0, limit: int | None = None) -> dict:
        return self.request("events", job=job, since=since, limit=limit)

    def cancel(self, job: str) -> dict:
        return self.request("cancel", job=job)

    def status(self, job: str | None = None) -> dict:
        return self.request("status", job=job)

    def wait(self, job: str, on_event: Callable[[dict], None] | None = None, since: int = 0,
             timeout: float | None = None, poll: float = 0.02) -> dict:
        """Follow ``job`` until it ends; calls ``on_event`` for each event in order; returns the last event.

        Transient losses of the engine are retried until ``timeout`` (None = forever).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        last: dict = {}
        while True:
            try:
                reply = self.events(job, since)
            except EngineUnreachable:
                if deadline is not None and time.monotonic() > deadline:
                    raise
                continue
            for ev in reply["events"]:
                since = ev["seq"]
                last = ev
                if on_event is not None:
                    on_event(ev)
                if ev["type"] in P.TERMINAL_EVENTS:
                    return ev
            if reply.get("more"):
                continue
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job} still {reply.get('state')} after {timeout} s (last event {last})")
            time.sleep(poll)
