"""The engine daemon: one process, a ZeroMQ ROUTER and an OSC UDP server over one handler table.

Both transports hand raw request bytes to :meth:`Engine.dispatch`, which validates at the edge
(``bridge.protocol``), checks the token, and routes by ``type`` through ``HANDLERS``, the single
type -> handler table. Handlers trust what they are given. The ZeroMQ loop runs in the main
thread, the OSC server in a thread, the jobs in the worker thread (see ``jobs``).
"""

from __future__ import annotations

import errno
import fcntl
import hmac
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from smartdj.bridge import protocol as P
from smartdj.engine.config import Settings, bundled_library
from smartdj.engine.serving.jobs import JobManager
from smartdj.engine.serving.store import Store

log = logging.getLogger("smartdj.daemon")

MAX_REQUEST_BYTES = 1 << 20
EXIT_PORT_IN_USE = 3


class StartError(RuntimeError):
    """The engine could not start (port taken, state folder locked); ``code`` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_PORT_IN_USE):
        super().__init__(message)
        self.code = code


Handler = Callable[["Engine", dict, dict], dict]


def h_ping(engine: Engine, msg: dict, ctx: dict) -> dict:
    from smartdj import __version__

    return {"type": "pong", "engine": __version__, "protocol": P.VERSION, "pid": os.getpid()}


def h_submit(engine: Engine, msg: dict, ctx: dict) -> dict:
    spec = P.check_submit(msg)
    ref = msg.get("ref")
    for i, it in enumerate(spec["items"]):
        if not os.path.isabs(it["path"]):
            raise P.ProtocolError(P.E_INVALID, f"items[{i}].path must be an absolute path, got {it['path']!r}", ref)
    if spec["out_dir"] and not os.path.isabs(spec["out_dir"]):
        raise P.ProtocolError(P.E_INVALID, f"out_dir must be an absolute path, got {spec['out_dir']!r}", ref)
    if spec["plan"] is not None:
        from smartdj.bridge.language import EditError, plan_from_json

        plans = spec["plan"] if isinstance(spec["plan"], dict) else {"*": spec["plan"]}
        for key, steps in plans.items():
            try:
                plan_from_json(steps)
            except EditError as e:
                where = "plan" if key == "*" else f"plan[{key!r}]"
                raise P.ProtocolError(P.E_INVALID, f"{where}: {e}", ref) from None
    engine.check_paths([it["path"] for it in spec["items"]] + ([spec["out_dir"]] if spec["out_dir"] else []), ref)
    # A submit_id names this submit: a client that resends it after a lost reply gets the same job.
    submit_id = msg.get("submit_id")
    if submit_id is not None and (not isinstance(submit_id, str) or not 8 <= len(submit_id) <= 128):
        raise P.ProtocolError(P.E_INVALID, "submit_id must be a unique string of 8-128 characters (e.g. a UUID)", ref)
    job = engine.jobs.submit(spec, ref=submit_id)
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
             "last_seq": j["last_seq"], "client": j["client"]} for j in engine.store.jobs(50)]
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
                "queue": self.jobs.queue_length(), "running": self.jobs.current,
                "library": {"folder": str(self.library.folder), "clips": len(self.library)},
                "torch_imported": "torch" in sys.modules}

    def check_paths(self, paths: list[str], ref=None) -> None:
        if not self.settings.allowed_dirs:
            return
        roots = [os.path.realpath(d) for d in self.settings.allowed_dirs]
        for p in paths:
            real = os.path.realpath(p)
            if not any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
                raise P.ProtocolError(P.E_UNAUTHORIZED, f"{p} is outside the folders this engine may use "
                                      f"(--allowed-dir: {', '.join(roots)})", ref)

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
        ref = None
        try:
            if len(raw) > MAX_REQUEST_BYTES:
                raise P.ProtocolError(P.E_TOO_LARGE, f"request of {len(raw)} bytes; at most {MAX_REQUEST_BYTES}")
            if default_type is not None:
                raw = _with_type(raw, default_type)
            msg = P.decode(raw)
            ref = msg.get("ref")
            if self.settings.token:
                given = msg.get("token")
                if not isinstance(given, str) or not hmac.compare_digest(given, self.settings.token):
                    raise P.ProtocolError(P.E_UNAUTHORIZED, "missing or wrong token", ref)
            reply = HANDLERS[msg["type"]](self, msg, ctx)
            reply = {"v": P.VERSION, **reply}
        except P.ProtocolError as e:
            reply = e.reply()
        except Exception as e:  # a handler bug answers an error, never kills the engine
            log.exception("request failed")
            reply = P.error_reply("internal", f"internal error: {type(e).__name__}: {e}")
        if ref is not None:
            reply["ref"] = ref
        return reply


def _with_type(raw: bytes | str, type_: str) -> bytes | str:
    """OSC: the address names the type; fill it in when the JSON leaves it out, refuse a mismatch."""
    try:
        msg = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return raw
    if isinstance(msg, dict):
        if "type" not in msg:
            msg["type"] = type_
        elif msg["type"] != type_:
            raise P.ProtocolError(P.E_INVALID, f"type {msg['type']!r} sent to the address of {type_!r}", msg.get("ref"))
        return json.dumps(msg)
    return raw


def _version() -> str:
    from smartdj import __version__

    return __version__


# --- transports ----------------------------------------------------------------------------

def bind_zmq(endpoint: str):
    import zmq

    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 500)
    sock.setsockopt(zmq.MAXMSGSIZE, 64 << 20)
    ep = endpoint[:-2] + ":*" if endpoint.startswith("tcp://") and endpoint.endswith(":0") else endpoint
    try:
        sock.bind(ep)
    except zmq.ZMQError as e:
        sock.close(0)
        if e.errno == errno.EADDRINUSE:
            raise StartError(f"cannot listen on {endpoint}: the port is already in use (another smartdj engine?); "
                             "stop it or choose another endpoint with --zmq / SMARTDJ_ZMQ") from None
        raise StartError(f"cannot listen on {endpoint}: {e}", 2) from None
    return sock, sock.getsockopt_string(zmq.LAST_ENDPOINT)


def start_osc(engine: Engine, host: str, port: int):
    from pythonosc.dispatcher import Dispatcher
    from pythonosc.osc_message_builder import OscMessageBuilder
    from pythonosc.osc_server import BlockingOSCUDPServer

    holder: dict = {}

    def send(addr: tuple[str, int], address: str, msg: dict) -> None:
        b = OscMessageBuilder(address=address)
        b.add_arg(P.encode(msg).decode("utf-8"))
        try:
            holder["server"].socket.sendto(b.build().dgram, addr)
        except OSError as e:
            log.debug("OSC send to %s failed: %s", addr, e)

    def on_request(client: tuple[str, int], address: str, *args) -> None:
        type_ = address.rsplit("/", 1)[-1]
        raw = args[0] if len(args) == 1 and isinstance(args[0], str) else None
        reply_to = (client[0], client[1])
        try:
            parsed = json.loads(raw) if raw is not None else None
            if isinstance(parsed, dict):
                reply_to = (client[0], P.check_reply_port(parsed))
        except (ValueError, P.ProtocolError) as e:
            code = e.code if isinstance(e, P.ProtocolError) else P.E_BAD_JSON
            send(reply_to, P.OSC_REPLY_ADDRESS, P.error_reply(code, f"{e}"))
            return
        if raw is None:
            send(reply_to, P.OSC_REPLY_ADDRESS, P.error_reply(
                P.E_INVALID, "an OSC request carries one string argument: the JSON message"))
            return
        if type_ not in P.REQUESTS:
            send(reply_to, P.OSC_REPLY_ADDRESS, P.error_reply(
                P.E_UNKNOWN_TYPE, f"unknown address {address}; use /smartdj/<{'|'.join(P.REQUESTS)}>",
                parsed.get("ref") if isinstance(parsed, dict) else None))
            return
        try:
            reply = engine.dispatch(raw, {"transport": "osc", "reply_to": reply_to}, default_type=type_)
        except P.ProtocolError as e:
            reply = e.reply()
        if reply.get("type") == "events":
            reply = P.fit_events(reply, reply["events"])
        send(reply_to, P.OSC_REPLY_ADDRESS, reply)

    disp = Dispatcher()
    disp.map("/smartdj/*", on_request, needs_reply_address=True)
    disp.set_default_handler(on_request, needs_reply_address=True)
    try:
        server = BlockingOSCUDPServer((host, port), disp)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise StartError(f"cannot listen for OSC on {host}:{port}: the port is already in use (another smartdj "
                             "engine, or REAPER's own OSC?); choose another with --osc / SMARTDJ_OSC") from None
        raise StartError(f"cannot listen for OSC on {host}:{port}: {e}", 2) from None
    holder["server"] = server
    engine.push = send
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="smartdj-osc",
                              daemon=True)
    thread.start()
    return server, f"{server.server_address[0]}:{server.server_address[1]}"


def lock_state(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    f = open(folder / "engine.lock", "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise StartError(f"another smartdj engine is using the state folder {folder}; stop it or pass "
                         "another --state-dir") from None
    f.write(str(os.getpid()))
    f.flush()
    return f


def serve(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM; returns the exit code."""
    import zmq

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        lock = lock_state(Path(settings.state_dir))
        sock, zmq_ep = bind_zmq(settings.zmq)
    except StartError as e:
        print(f"smartdj serve: {e}", file=sys.stderr)
        return e.code
    engine = Engine(settings)
    osc_server = None
    try:
        engine.endpoints["zmq"] = zmq_ep
        if settings.osc_enabled:
            host, port = settings.osc_addr()
            osc_server, engine.endpoints["osc"] = start_osc(engine, host, port)
    except StartError as e:
        print(f"smartdj serve: {e}", file=sys.stderr)
        sock.close(0)
        engine.close()
        return e.code
    resumed = engine.jobs.start(resume=True)
    engine.jobs.warm_up()
    print(f"smartdj engine ready zmq={zmq_ep} osc={engine.endpoints.get('osc', 'off')} pid={os.getpid()} "
          f"state={settings.state_dir} resumed={resumed}", file=sys.stderr, flush=True)
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    try:
        while not stop.is_set():
            try:
                ready = dict(poller.poll(100))
            except zmq.ZMQError as e:
                if e.errno == errno.EINTR:
                    continue
                raise
            if sock not in ready:
                continue
            frames = sock.recv_multipart()
            if len(frames) < 2:
                continue
            ident, rest = frames[0], frames[1:]
            envelope = []
            if rest and rest[0] == b"" and len(rest) > 1:  # a REQ client's delimiter
                envelope, rest = [b""], rest[1:]
            reply = engine.dispatch(rest[0], {"transport": "zmq", "reply_to": None})
            try:
                sock.send_multipart([ident, *envelope, P.encode(reply)], flags=zmq.NOBLOCK)
            except zmq.ZMQError as e:  # the client went away; nothing to do
                log.debug("reply dropped: %s", e)
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
