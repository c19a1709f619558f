"""The REAPER-side engine client: OSC over UDP, non-blocking, standard library only.

REAPER runs ReaScripts on its UI thread, so nothing here may wait: a request is one
``sendto`` and replies are collected by :meth:`EngineClient.poll` from a defer loop. OSC is
framed by a tiny encoder/decoder of our own (python-osc's server side is not safe to re-import
inside REAPER). :class:`JobFollower` turns pushed events and ``events`` replies into one gap-free,
ordered stream per job and asks again for whatever UDP lost, which is also how a job is resumed
after a restart of REAPER or of the engine. This file is copied beside the ReaScripts together
with ``protocol.py`` and ``language.py``.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import struct
import time
from typing import Any

try:  # a plain copy beside the ReaScripts, or the installed package
    import protocol  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on how this file was loaded
    import smartdj.bridge.protocol as protocol

DEFAULT_HOST = protocol.DEFAULT_OSC_HOST
DEFAULT_OSC_PORT = protocol.DEFAULT_OSC_PORT
EVENTS_LIMIT = 50  # per events request; the engine also trims a reply to fit one datagram
MAX_DATAGRAM = 65507


# ---------------------------------------------------------------------------------------------
# OSC 1.0 framing (strings, int32, float32; enough for the /smartdj address space)

def _pad(b: bytes) -> bytes:
    return b + b"\0" * (4 - len(b) % 4)


def osc_message(address: str, *args: Any) -> bytes:
    """One OSC message; str -> 's', int -> 'i', float -> 'f', bytes -> 'b'."""
    tags, data = ",", b""
    for a in args:
        if isinstance(a, bool) or isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", int(a))
        elif isinstance(a, float):
            tags += "f"
            data += struct.pack(">f", a)
        elif isinstance(a, str):
            tags += "s"
            data += _pad(a.encode("utf-8"))
        elif isinstance(a, (bytes, bytearray)):
            tags += "b"
            data += struct.pack(">i", len(a)) + bytes(a) + b"\0" * (-len(a) % 4)
        else:
            raise TypeError(f"OSC argument of type {type(a).__name__} is not supported")
    return _pad(address.encode("utf-8")) + _pad(tags.encode("ascii")) + data


def _read_str(data: bytes, i: int) -> tuple[str, int]:
    end = data.index(b"\0", i)
    return data[i:end].decode("utf-8"), (end // 4 + 1) * 4


def parse_osc(data: bytes) -> list[tuple[str, list[Any]]]:
    """Decode a datagram (message or bundle) into ``[(address, args), ...]``; raises ValueError."""
    try:
        if data.startswith(b"#bundle\0"):
            out, i = [], 16
            while i + 4 <= len(data):
                (n,) = struct.unpack(">i", data[i:i + 4])
                out += parse_osc(data[i + 4:i + 4 + n])
                i += 4 + n
            return out
        address, i = _read_str(data, 0)
        if i >= len(data):
            return [(address, [])]
        tags, i = _read_str(data, i)
        args: list[Any] = []
        for t in tags[1:]:
            if t == "s" or t == "S":
                s, i = _read_str(data, i)
                args.append(s)
            elif t == "i":
                args.append(struct.unpack(">i", data[i:i + 4])[0])
                i += 4
            elif t == "f":
                args.append(struct.unpack(">f", data[i:i + 4])[0])
                i += 4
            elif t == "d":
                args.append(struct.unpack(">d", data[i:i + 8])[0])
                i += 8
            elif t == "h":
                args.append(struct.unpack(">q", data[i:i + 8])[0])
                i += 8
            elif t == "b":
                (n,) = struct.unpack(">i", data[i:i + 4])
                args.append(data[i + 4:i + 4 + n])
                i += 4 + n + (-n % 4)
            elif t in "TF":
                args.append(t == "T")
            elif t == "N":
                args.append(None)
            else:
                raise ValueError(f"unsupported OSC type tag {t!r}")
        return [(address, args)]
    except (struct.error, UnicodeDecodeError) as e:
        raise ValueError(f"malformed OSC datagram: {e}") from None


# ---------------------------------------------------------------------------------------------

class EngineClient:
    """A UDP socket bound to loopback; requests go out at once, replies come back via poll()."""

    def __init__(self, host: str = DEFAULT_HOST, port: int = DEFAULT_OSC_PORT, token: str | None = None):
        self.host, self.port, self.token = host, int(port), token or None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1" if host in ("127.0.0.1", "localhost") else "", 0))
        self.sock.setblocking(False)
        self.reply_port: int = self.sock.getsockname()[1]
        self._refs = itertools.count(1)
        self._tag = f"{os.getpid():x}.{self.reply_port}"
        self.replies: dict[str, dict] = {}  # ref -> reply, until taken
        self.pushed: list[dict] = []  # /smartdj/event payloads, until taken
        self.last_heard = 0.0  # time.monotonic() of the last datagram from the engine

    def send(self, type_: str, **body: Any) -> str:
        """Send one request; returns its ``ref`` (look for the reply with :meth:`reply`)."""
        ref = f"{self._tag}.{next(self._refs)}"
        msg = protocol.request(type_, ref=ref, reply_port=self.reply_port, token=self.token, **body)
        payload = json.dumps(msg, separators=(",", ":"), ensure_ascii=False)
        data = osc_message(protocol.OSC_ADDRESS[type_], payload)
        if len(data) > protocol.OSC_MAX_PAYLOAD:
            raise ValueError(f"{type_} request is {len(data)} bytes; an OSC datagram must stay under "
                             f"{protocol.OSC_MAX_PAYLOAD} (send fewer items per job)")
        try:
            self.sock.sendto(data, (self.host, self.port))
        except (BlockingIOError, InterruptedError):
            pass  # a full send buffer loses the datagram like the network would; callers retry
        except OSError:
            pass  # e.g. ECONNREFUSED surfacing from an earlier send: the engine is not there yet
        return ref

    def poll(self, max_datagrams: int = 64) -> int:
        """Read what has arrived without waiting; returns how many messages were taken in."""
        n = 0
        for _ in range(max_datagrams):
            try:
                data = self.sock.recv(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                continue  # ICMP port unreachable (Windows/Linux report it on recv): nobody listens yet
            try:
                messages = parse_osc(data)
            except ValueError:
                continue
            for address, args in messages:
                if not args or not isinstance(args[0], str):
                    continue
                try:
                    msg = json.loads(args[0])
                except ValueError:
                    continue
                if not isinstance(msg, dict):
                    continue
                self.last_heard = time.monotonic()
                n += 1
                if address == protocol.OSC_EVENT_ADDRESS:
                    self.pushed.append(msg)
                elif msg.get("ref") is not None:
                    self.replies[str(msg["ref"])] = msg
        return n

    def reply(self, ref: str) -> dict | None:
        """The reply to ``ref`` if it has arrived (taken out of the mailbox)."""
        return self.replies.pop(ref, None)

    def take_pushed(self) -> list[dict]:
        out, self.pushed = self.pushed, []
        return out

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class Call:
    """One request with a deadline and resends (for idempotent requests: ping, events, status, cancel)."""

    def __init__(self, client: EngineClient, type_: str, timeout: float = 1.0, tries: int = 3, **body: Any):
        self.client, self.type, self.body = client, type_, body
        self.timeout, self.tries_left = timeout, tries
        self.result: dict | None = None
        self._send()

    def _send(self) -> None:
        self.ref = self.client.send(self.type, **self.body)
        self.sent_at = time.monotonic()
        self.tries_left -= 1

    def check(self) -> str:
        """``"done"`` (see ``result``), ``"waiting"`` or ``"timeout"``; resends while tries remain."""
        if self.result is not None:
            return "done"
        r = self.client.reply(self.ref)
        if r is not None:
            self.result = r
            return "done"
        if time.monotonic() - self.sent_at >= self.timeout:
            if self.tries_left <= 0:
                return "timeout"
            self._send()
        return "waiting"


def event_of(pushed: dict) -> tuple[str | None, dict | None]:
    """``(job, event)`` from a pushed ``/smartdj/event`` payload (event inline or under "event")."""
    ev = pushed.get("event") if isinstance(pushed.get("event"), dict) else pushed
    job = pushed.get("job") or ev.get("job")
    if not isinstance(ev.get("seq"), int) or ev.get("type") not in protocol.EVENT_TYPES:
        return None, None
    return (str(job) if job else None), ev


class JobFollower:
    """One job's events in order and without gaps, whatever UDP drops or reorders.

    Feed it every pushed event and ``events`` reply (:meth:`feed_pushed`, done by :meth:`step`);
    :meth:`take` returns the next contiguous events. It asks for ``events since last_seq`` when it
    sees a gap, when the engine says ``more``, or when the job has been quiet for ``quiet``
    seconds; ``lost`` turns true when the engine has not answered for ``dead_after`` seconds.
    """

    def __init__(self, client: EngineClient, job: str, since: int = 0, quiet: float = 0.5,
                 dead_after: float = 4.0):
        self.client, self.job = client, job
        self.last_seq = int(since)  # last event delivered by take()
        self.state = "unknown"
        self.quiet, self.dead_after = quiet, dead_after
        self.buffer: dict[int, dict] = {}
        self.finished = False  # a terminal event was delivered
        self.error: dict | None = None  # an error reply to an events request (e.g. not_found)
        self._call: Call | None = None
        self._last_progress = time.monotonic()
        self._want = True  # ask at once (resume, or right after submit)
        self._unanswered_since: float | None = None

    def feed_event(self, ev: dict) -> None:
        seq = ev.get("seq")
        if isinstance(seq, int) and seq > self.last_seq:
            self.buffer.setdefault(seq, ev)

    def _feed_reply(self, r: dict) -> None:
        self._unanswered_since = None
        if r.get("type") == "error":
            self.error = r
            return
        if r.get("type") != "events":
            return
        for ev in r.get("events") or []:
            if isinstance(ev, dict):
                self.feed_event(ev)
        self.state = str(r.get("state") or self.state)
        if r.get("more"):
            self._want = True

    def step(self, pushed: list[dict]) -> None:
        """Take this tick's pushed events and keep the events request going; never waits."""
        for p in pushed:
            job, ev = event_of(p)
            if ev is not None and (job is None or job == self.job):
                self.feed_event(ev)
        now = time.monotonic()
        if self._call is not None:
            status = self._call.check()
            if status == "done":
                self._feed_reply(self._call.result or {})
                self._call = None
            elif status == "timeout":
                self._call = None
                self._want = True
        if self.finished or self.error:
            return
        gap = bool(self.buffer) and min(self.buffer) > self.last_seq + 1
        if self._call is None and (self._want or gap or now - self._last_progress >= self.quiet):
            self._want = False
            self._last_progress = now
            if self._unanswered_since is None:
                self._unanswered_since = now
            self._call = Call(self.client, "events", timeout=0.5, tries=2, job=self.job,
                              since=self.last_seq, limit=EVENTS_LIMIT)

    @property
    def lost(self) -> bool:
        return (self._unanswered_since is not None
                and time.monotonic() - self._unanswered_since >= self.dead_after
                and time.monotonic() - self.client.last_heard >= self.dead_after)

    def reset_contact(self) -> None:
        """Forget the silence (after the engine was restarted); ask again at once."""
        self._unanswered_since = None
        self._call = None
        self._want = True

    def take(self, limit: int = 16) -> list[dict]:
        """The next contiguous events (at most ``limit``), in sequence order."""
        out = []
        while len(out) < limit and self.last_seq + 1 in self.buffer:
            ev = self.buffer.pop(self.last_seq + 1)
            self.last_seq += 1
            out.append(ev)
            self._last_progress = time.monotonic()
            if ev.get("type") in protocol.TERMINAL_EVENTS:
                self.finished = True
                self.state = ev["type"]
                self.buffer.clear()
                break
        return out
