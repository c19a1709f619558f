"""The engine daemon: one process, a ZeroMQ ROUTER and an OSC UDP server over one handler table.

Both transports hand raw request bytes to :meth:`Engine.dispatch`, which validates at the edge
(``bridge.protocol``), checks the token, and routes by ``type`` through ``HANDLERS``, the single
type -> handler table. Handlers trust what they are given. The ZeroMQ loop runs in the main
thread, the OSC server in a thread, the jobs in the worker thread (see ``jobs``).
"""

from __future__ import annotations

import fcntl
import hmac
import logging
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from smartdj.bridge import protocol as P
from smartdj.engine.config import Settings, bundled_library
from smartdj.engine.serving.jobs import JobManager
from smartdj.engine.serving.paths import PathPolicy
from smartdj.engine.serving.store import Store
from smartdj.engine.serving.transports import StartError, bind_zmq, serve_zmq, start_osc

log = logging.getLogger("smartdj.daemon")

MAX_REQUEST_BYTES = P.MAX_MESSAGE_BYTES


Handler = Callable[["Engine", dict, dict], dict]


def h_ping(engine: Engine, msg: dict, ctx: dict) -> dict:
    from smartdj import __version__

    return {"type": "pong", "engine": __version__, "protocol": P.VERSION, "pid": os.getpid()}


def h_submit(engine: Engine, msg: dict, ctx: dict) -> dict:
    spec = P.check_submit(msg)
    ref = msg.get("ref")
    if spec["plan"] is not None:
        from smartdj.bridge.language import EditError, plan_from_json

        plans = spec["plan"] if isinstance(spec["plan"], dict) else {"*": spec["plan"]}
        for key, steps in plans.items():
            try:
                plan_from_json(steps)
            except (EditError, TypeError, ValueError, KeyError, AttributeError) as e:
                where = "plan" if key == "*" else f"plan[{P._show(key)}]"
                raise P.ProtocolError(P.E_INVALID, f"{where}: {e}", ref) from None
    ckpt = spec["options"]["checkpoint"]
    paths = [it["path"] for it in spec["items"]] + ([spec["out_dir"]] if spec["out_dir"] else [])
    refusal = engine.paths.check_all(paths + ([ckpt] if ckpt and ("/" in ckpt or os.sep in ckpt) else []))
    if refusal:
        raise P.ProtocolError(P.E_UNAUTHORIZED, refusal, ref)
    if engine.paths.roots and ckpt and not ("/" in ckpt or os.sep in ckpt):
        raise P.ProtocolError(P.E_UNAUTHORIZED, "with --allowed-dir, options.checkpoint must be a folder inside "
                              "the allowed folders", ref)
    for it in spec["items"]:  # its size now: an input that shrinks before it is read is refused then
        try:
            it["size"] = os.stat(it["path"]).st_size
        except (OSError, ValueError):
            pass
    job = engine.jobs.submit(spec, ref=P.check_submit_id(msg))
    if spec["watch"] and ctx.get("reply_to"):
        engine.watch(job, ctx["reply_to"])
    return {"type": "accepted", "job": job}


def h_events(engine: Engine, msg: dict, ctx: dict) -> dict:
    job, since, limit = P.check_events(msg)
    info = engine.store.job(job)
    if info is None:
        raise P.ProtocolError(P.E_NOT_FOUND, f"no job {job!r} (ids come from submit; see status for recent jobs)",
                              msg.get("ref"))
    events = engine.store.events(job, since, limit + 1)
    more = len(events) > limit
    return {"type": "events", "job": job, "state": info["state"], "events": events[:limit],
            "last_seq": info["last_seq"], "more": more}


def h_cancel(engine: Engine, msg: dict, ctx: dict) -> dict:
    job = P.check_job(msg)
    state = engine.jobs.cancel(job)
    if state is None:
        raise P.ProtocolError(P.E_NOT_FOUND, f"no job {job!r}", msg.get("ref"))
    return {"type": "cancelling", "job": job, "state": state}


def h_status(engine: Engine, msg: dict, ctx: dict) -> dict:
    if msg.get("job") is not None:
        job = P.check_job(msg)
        info = engine.store.job(job)
        if info is None:
            raise P.ProtocolError(P.E_NOT_FOUND, f"no job {job!r}", msg.get("ref"))
        return {"type": "status", "job": job, "state": info["state"], "last_seq": info["last_seq"],
                "instruction": info["instruction"], "created": info["created"], "updated": info["updated"]}
    jobs = [{"job": j["job"], "state": j["state"], "instruction": j["instruction"][:200], "created": j["created"],
             "last_seq": j["last_seq"], "client": j["client"][:P.MAX_CLIENT]} for j in engine.store.jobs(50)]
    return {"type": "status", "engine": engine.info(), "jobs": jobs}


HANDLERS: dict[str, Handler] = {"ping": h_ping, "submit": h_submit, "events": h_events,
                                "cancel": h_cancel, "status": h_status}
assert set(HANDLERS) == set(P.REQUESTS)


class Engine:
    """Transport-independent core: store, jobs, library, and ``dispatch`` over ``HANDLERS``."""

    def __init__(self, settings: Settings):
        from smartdj.engine.compose.library import SoundLibrary

        self.settings = settings
        self.started = time.time()
        self.store = Store(settings.state_dir)
        self.library = SoundLibrary(settings.library or bundled_library(), watch=True)
        self.jobs = JobManager(self.store, settings, self.library)
        self.paths = PathPolicy(settings.allowed_dirs)
        self.endpoints: dict[str, str] = {}
        self._watches: dict[str, set[tuple[str, int]]] = {}
        self._watch_lock = threading.Lock()
        self.push: Callable[[tuple[str, int], str, dict], None] | None = None
        self.store.add_listener(self._on_event)

    def close(self) -> None:
        self.jobs.stop()
        self.library.close()
        self.store.close()

    def info(self) -> dict:
        return {"version": _version(), "pid": os.getpid(), "uptime": round(time.time() - self.started, 3),
                "endpoints": self.endpoints, "state_dir": str(self.settings.state_dir),
                "queue": self.jobs.queue_length(), P.RUNNING: self.jobs.current, **self.jobs.health(),
                "library": {"folder": str(self.library.folder), "clips": len(self.library)},
                "torch_imported": "torch" in sys.modules}

    # --- OSC event pushes ---------------------------------------------------------------

    def watch(self, job: str, addr: tuple[str, int]) -> None:
        with self._watch_lock:
            self._watches.setdefault(job, set()).add(addr)
        for ev in self.store.events(job, 0, 1000):  # events that happened before the watch began
            self._on_event(job, ev, only=addr)

    def _on_event(self, job: str, event: dict, only: tuple[str, int] | None = None) -> None:
        if self.push is None:
            return
        with self._watch_lock:
            targets = {only} if only else set(self._watches.get(job, ()))
            if event["type"] in P.TERMINAL_EVENTS and not only:
                self._watches.pop(job, None)
        for addr in targets:
            msg = {"v": P.VERSION, "type": "event", "job": job, "event": event}
            if len(P.encode(msg)) > P.OSC_MAX_PAYLOAD:
                msg["event"] = {"seq": event["seq"], "type": event["type"], "truncated": True}
            self.push(addr, P.OSC_EVENT_ADDRESS, msg)

    # --- dispatch -----------------------------------------------------------------------

    def dispatch(self, raw: bytes | str, ctx: dict, default_type: str | None = None) -> dict:
        """One request -> one reply (never raises)."""
        try:
            msg = P.decode(raw, default_type)
            if default_type is not None:
                _with_type(msg, default_type)
        except P.ProtocolError as e:
            return e.reply()
        return self.dispatch_msg(msg, ctx)

    def dispatch_msg(self, msg: dict, ctx: dict) -> dict:
        """A decoded request -> its reply (never raises); the ref is echoed on every reply."""
        ref = msg.get("ref")
        try:
            if self.settings.token:
                given = msg.get("token")
                if not isinstance(given, str) or not hmac.compare_digest(given.encode("utf-8"),
                                                                         self.settings.token.encode("utf-8")):
                    raise P.ProtocolError(P.E_UNAUTHORIZED, "missing or wrong token", ref)
            reply = {"v": P.VERSION, **HANDLERS[msg["type"]](self, msg, ctx)}
        except P.ProtocolError as e:
            reply = e.reply()
        except sqlite3.Error as e:  # the state folder is full or unwritable: the engine itself is fine
            log.error("job store: %s", e)
            reply = P.error_reply(P.E_UNAVAILABLE, f"the engine cannot use its state folder now ({e}); free some "
                                  "disk space under it and retry")
        except Exception as e:  # a handler bug answers an error, never kills the engine
            log.exception("request failed")
            reply = P.error_reply(P.E_INTERNAL, f"internal error: {type(e).__name__}: {e}")
        if ref is not None:
            reply["ref"] = ref
        return reply


def _with_type(msg: dict, type_: str) -> None:
    """OSC: the address names the type; refuse a JSON type that says otherwise."""
    if msg["type"] != type_:
        raise P.ProtocolError(P.E_INVALID, f"type {msg['type']!r} sent to the address of {type_!r}", msg.get("ref"))


def _version() -> str:
    from smartdj import __version__

    return __version__


def lock_state(folder: Path):
    try:
        folder.mkdir(parents=True, exist_ok=True)
        f = open(folder / "engine.lock", "w")
    except OSError as e:
        raise StartError(f"cannot use the state folder {folder}: {e.strerror or e}; pass another --state-dir", 2) \
            from None
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise StartError(f"another smartdj engine is using the state folder {folder}; stop it or pass "
                         "another --state-dir") from None
    try:
        f.write(str(os.getpid()))
        f.flush()
    except OSError:  # a full disk: the lock holds all the same
        pass
    return f


def _listen(engine: Engine, settings: Settings):
    """Start OSC (when enabled); returns the server or None."""
    if not settings.osc_enabled:
        return None
    host, port = settings.osc_addr()
    server, engine.endpoints["osc"] = start_osc(engine, host, port)
    return server


def serve(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM; returns the exit code."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        lock = lock_state(Path(settings.state_dir))
        sock, zmq_ep = bind_zmq(settings.zmq)
    except StartError as e:
        print(f"smartdj serve: {e}", file=sys.stderr)
        return e.code
    try:
        engine = Engine(settings)
    except (OSError, sqlite3.Error) as e:
        print(f"smartdj serve: cannot open the job store in {settings.state_dir}: {e}", file=sys.stderr)
        sock.close(0)
        return 2
    try:
        engine.endpoints["zmq"] = zmq_ep
        osc_server = _listen(engine, settings)
    except StartError as e:
        print(f"smartdj serve: {e}", file=sys.stderr)
        sock.close(0)
        engine.close()
        return e.code
    engine.jobs.warm_up()
    resumed = engine.jobs.start(resume=True)
    print(P.format_ready(zmq_ep, engine.endpoints.get("osc", "off"), os.getpid(), str(settings.state_dir), resumed),
          file=sys.stderr, flush=True)
    try:
        serve_zmq(engine, sock, stop)
    finally:
        log.info("stopping: no new requests; interrupting the running step")
        sock.close(linger=200)
        if osc_server is not None:
            osc_server.shutdown()
            osc_server.server_close()
        engine.close()
        lock.close()
        print("smartdj engine stopped", file=sys.stderr, flush=True)
    return 0
