"""Wire protocol v1: message types, validation at the edge, and the OSC address map.

Standard library only: this file is also copied beside the ReaScripts and imported inside
REAPER, where nothing compiled may be loaded. Every message is one JSON object with
``"v": 1`` and a ``"type"``; see PROTOCOL.md beside this file.
"""

from __future__ import annotations

import json
import math
from typing import Any

VERSION = 1
# Where an engine listens unless told otherwise (every other module imports these names).
DEFAULT_ZMQ_ENDPOINT = "tcp://127.0.0.1:5557"
DEFAULT_OSC_HOST = "127.0.0.1"
DEFAULT_OSC_PORT = 9000
DEFAULT_OSC = f"{DEFAULT_OSC_HOST}:{DEFAULT_OSC_PORT}"

# Job states: queued -> running -> done | failed | cancelled (also the values stored in the job store).
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
JOB_STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
ACTIVE_STATES = (QUEUED, RUNNING)
FINAL_STATES = (DONE, FAILED, CANCELLED)

# The line an engine prints on stderr once it listens; launchers wait for it (format_ready / parse_ready).
READY_PREFIX = "smartdj engine ready"
MODES = ("plan", "execute", "plan+execute")
PLANNERS = ("rules", "reader", "hybrid", "alm", "llm")
DEFAULT_PLANNER = "hybrid"  # rules; what they cannot read, the learned reader proposes for confirmation
EXECUTORS = ("auto", "composer", "separation", "diffusion")
EVENT_TYPES = ("accepted", "planned", "step_started", "progress", "step_done", "done", "failed", "cancelled")
TERMINAL_EVENTS = FINAL_STATES  # the events that end a job carry the name of its final state
MAX_INSTRUCTION_CHARS = 2000
MAX_ITEMS = 256
MAX_MESSAGE_BYTES = 1 << 20  # a request over this is refused with too_large
MAX_DEPTH = 16  # JSON nesting of a request
MAX_STRING = 4096  # characters of any string that has no tighter bound
MAX_REF_BYTES = 256  # the echoed ref, as JSON
MAX_PATH_BYTES = 4096  # a path, UTF-8 encoded; each component at most 255 bytes
MAX_LABEL = 200
MAX_CLIENT = 100
MAX_SECONDS = 86400.0  # an item's start/length, a position: one day
MAX_SEED = 2**32 - 1
MAX_SEQ = 2**53  # since / limit: JSON-safe integers
DB_RANGE = (-120.0, 60.0)
# python-osc reads at most 8192 bytes per datagram and silently drops the rest: stay well under.
OSC_MAX_PAYLOAD = 7000

# client -> engine request types, and the OSC address each travels on
REQUESTS = ("ping", "submit", "events", "cancel", "status")
OSC_ADDRESS = {t: f"/smartdj/{t}" for t in REQUESTS}
OSC_REPLY_ADDRESS = "/smartdj/reply"
OSC_EVENT_ADDRESS = "/smartdj/event"

# error codes (replies of type "error", and "failed" events)
E_BAD_JSON = "bad_json"
E_BAD_VERSION = "bad_version"
E_UNKNOWN_TYPE = "unknown_type"
E_INVALID = "invalid"
E_NOT_FOUND = "not_found"
E_UNAUTHORIZED = "unauthorized"
E_TOO_LARGE = "too_large"
E_INTERNAL = "internal"
E_UNAVAILABLE = "unavailable"  # the engine cannot serve this now (its state folder cannot be written)


class ProtocolError(ValueError):
    """A message that cannot be accepted; ``code`` is one of the E_* codes."""

    def __init__(self, code: str, message: str, ref: Any = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref

    def reply(self) -> dict:
        return error_reply(self.code, self.message, self.ref)


def error_reply(code: str, message: str, ref: Any = None) -> dict:
    msg = {"v": VERSION, "type": "error", "code": code, "message": message}
    if ref is not None:
        msg["ref"] = ref
    return msg


def encode(msg: dict) -> bytes:
    """Standard JSON in UTF-8, always: NaN/inf become null and unencodable text is replaced."""
    try:
        return json.dumps(msg, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        return json.dumps(_clean(msg), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, str):
        return x.encode("utf-8", "replace").decode("utf-8")
    if isinstance(x, dict):
        return {_clean(str(k)): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; send finite numbers only")


def _walk(msg: Any) -> str | None:
    """Why ``msg`` cannot be accepted (depth, string encodability or length, non-finite numbers), or None."""
    stack = [(msg, 1)]
    while stack:
        x, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"the message is nested more than {MAX_DEPTH} levels deep"
        if isinstance(x, dict):
            stack.extend((k, depth) for k in x)
            stack.extend((v, depth + 1) for v in x.values())
        elif isinstance(x, list):
            stack.extend((v, depth + 1) for v in x)
        elif isinstance(x, str):
            if len(x) > MAX_MESSAGE_BYTES:
                return "a string is longer than the message limit"
            try:
                x.encode("utf-8")
            except UnicodeEncodeError:
                return f"a string holds a lone surrogate ({x[:20].encode('utf-8', 'replace')!r}); send valid Unicode"
        elif isinstance(x, float) and not math.isfinite(x):
            return "a number is not finite"
    return None


def decode(raw: bytes | str, default_type: str | None = None) -> dict:
    """Parse and check the envelope: size, JSON, depth, valid Unicode, finite numbers, ``v`` 1, a known type.

    The body of each type is checked by its ``check_*`` function. A ``ref`` too large to echo is
    refused (and not echoed).
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ProtocolError(E_TOO_LARGE, f"request of {len(raw)} bytes; at most {MAX_MESSAGE_BYTES}")
    try:
        msg = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise ProtocolError(E_BAD_JSON, f"message is nested too deeply (at most {MAX_DEPTH} levels)") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ProtocolError(E_BAD_JSON, f"message is not valid JSON: {str(e)[:200]}") from None
    if not isinstance(msg, dict):
        raise ProtocolError(E_BAD_JSON, "a message must be a JSON object")
    problem = _walk(msg)
    if problem:
        raise ProtocolError(E_BAD_JSON if "nested" in problem else E_INVALID, problem)
    if default_type is not None and "type" not in msg:  # OSC: the address names the type
        msg["type"] = default_type
    ref = msg.get("ref")
    if ref is not None and len(encode(ref)) > MAX_REF_BYTES:
        raise ProtocolError(E_INVALID, f"ref is larger than {MAX_REF_BYTES} bytes of JSON; send a short id")
    v = msg.get("v")
    if type(v) is not int or v != VERSION:
        raise ProtocolError(E_BAD_VERSION, f"protocol version {_show(v)} is not supported; send the integer "
                            f"\"v\": {VERSION}", ref)
    if msg.get("type") not in REQUESTS:
        raise ProtocolError(E_UNKNOWN_TYPE, f"unknown message type {_show(msg.get('type'))}; expected one of "
                            f"{', '.join(REQUESTS)}", ref)
    token = msg.get("token")
    if token is not None and (not isinstance(token, str) or len(token) > 512):
        raise ProtocolError(E_INVALID, "token must be a string (at most 512 characters)", ref)
    return msg


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _req(msg: dict, name: str, kind: type | tuple, what: str) -> Any:
    if name not in msg:
        raise ProtocolError(E_INVALID, f"missing field {name!r} ({what})", msg.get("ref"))
    value = msg[name]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ProtocolError(E_INVALID, f"field {name!r} must be {what}, got {type(value).__name__}", msg.get("ref"))
    return value


def _opt(msg: dict, name: str, kind: type | tuple, what: str, default: Any = None) -> Any:
    if msg.get(name) is None:
        return default
    return _req(msg, name, kind, what)


def _bad(where: str, message: str, ref: Any) -> ProtocolError:
    return ProtocolError(E_INVALID, f"{where} {message}", ref)


def _num(msg: dict, name: str, lo: float, hi: float, default: Any = None, where: str = "", ref: Any = None,
         integer: bool = False) -> Any:
    """An optional number in ``[lo, hi]`` (an integer with ``integer``)."""
    value = _opt(msg, name, int if integer else (int, float), "an integer" if integer else "a number", default)
    if value is not None and value is not default and not lo <= value <= hi:
        raise _bad(f"{where}{name}", f"must be between {lo:g} and {hi:g}, got {_show(value)}", ref)
    return value


def _text(msg: dict, name: str, limit: int, default: Any = None, where: str = "", ref: Any = None) -> Any:
    value = _opt(msg, name, str, "a string", default)
    if isinstance(value, str) and len(value) > limit:
        raise _bad(f"{where}{name}", f"is too long ({len(value)} characters, at most {limit})", ref)
    return value


def check_path(path: str, where: str, ref: Any = None) -> str:
    """A usable absolute path: no NUL, at most MAX_PATH_BYTES, no component over 255 bytes."""
    raw = path.encode("utf-8")
    if "\0" in path or len(raw) > MAX_PATH_BYTES or any(len(c) > 255 for c in raw.split(b"/")):
        raise _bad(where, f"is not a usable path (NUL, over {MAX_PATH_BYTES} bytes, or a name over 255 bytes)", ref)
    if not path.startswith("/") and not (len(path) > 2 and path[1] == ":"):
        raise _bad(where, f"must be an absolute path, got {_show(path)}", ref)
    return path


def check_item(item: Any, i: int, ref: Any = None) -> dict:
    """One item: a file slice. ``start``/``length`` in seconds; ``length`` null = to the end."""
    w = f"items[{i}]."
    if not isinstance(item, dict):
        raise ProtocolError(E_INVALID, f"items[{i}] must be an object", ref)
    try:
        path = _req(item, "path", str, "a file path")
        start = float(_num(item, "start", 0.0, MAX_SECONDS, 0.0, w, ref))
        length = _num(item, "length", 0.0, MAX_SECONDS, None, w, ref)
        label = _text(item, "label", MAX_LABEL, "", w, ref)
        item_id = _opt(item, "id", (str, int), "a string", str(i))
        at = _text(item, "at", 64, None, w, ref)
        db = float(_num(item, "db", *DB_RANGE, 0.0, w, ref))
        position = _num(item, "position", -MAX_SECONDS, MAX_SECONDS, None, w, ref)
    except ProtocolError as e:
        raise ProtocolError(E_INVALID, e.message if e.message.startswith("items[") else f"items[{i}]: {e.message}",
                            ref) from None
    if not path.strip():
        raise _bad(f"{w}path", "is empty", ref)
    check_path(path, f"{w}path", ref)
    if length is not None and float(length) <= 0:
        raise _bad(f"{w}length", f"must be > 0 seconds, got {length}", ref)
    if isinstance(item_id, int) and abs(item_id) > MAX_SEQ or len(str(item_id)) > 128:
        raise _bad(f"{w}id", "must be a short string (at most 128 characters)", ref)
    return {"path": path, "start": start, "length": None if length is None else float(length),
            "label": label, "id": str(item_id), "at": at, "db": db,
            "position": None if position is None else float(position)}


def _check_options(options: dict, ref: Any) -> dict:
    w = "options."
    opts = {"planner": _text(options, "planner", 32, DEFAULT_PLANNER, w, ref),
            "executor": _text(options, "executor", 32, "auto", w, ref),
            "seed": _num(options, "seed", 0, MAX_SEED, None, w, ref, integer=True),
            "steps": _num(options, "steps", 1, 1000, None, w, ref, integer=True),
            "guidance": _num(options, "guidance", 0.0, 100.0, None, w, ref),
            "checkpoint": _text(options, "checkpoint", MAX_PATH_BYTES, None, w, ref),
            "downmix": bool(_opt(options, "downmix", bool, "true or false", False)),
            "separator": _text(options, "separator", 64, None, w, ref)}  # a separator name or speech|music|text
    if opts["planner"] not in PLANNERS:
        raise _bad("options.planner", f"{opts['planner']!r} is unknown; use one of {', '.join(PLANNERS)}", ref)
    if opts["executor"] not in EXECUTORS:
        raise _bad("options.executor", f"{opts['executor']!r} is unknown; use one of {', '.join(EXECUTORS)}", ref)
    return opts


def check_submit(msg: dict) -> dict:
    """Validate a submit request; returns the normalised job spec (the engine trusts it after this)."""
    ref = msg.get("ref")
    items = _req(msg, "items", list, "a list of items")
    if not items:
        raise ProtocolError(E_INVALID, "items is empty: select at least one item", ref)
    if len(items) > MAX_ITEMS:
        raise ProtocolError(E_INVALID, f"too many items ({len(items)}, at most {MAX_ITEMS})", ref)
    checked = [check_item(it, i, ref) for i, it in enumerate(items)]
    ids = [it["id"] for it in checked]
    if len(set(ids)) != len(ids):
        raise ProtocolError(E_INVALID, "item ids must be unique", ref)
    mode = _opt(msg, "mode", str, f"one of {MODES}", "plan+execute")
    if mode not in MODES:
        raise _bad("mode", f"{_show(mode)} is unknown; use one of {', '.join(MODES)}", ref)
    instruction = _text(msg, "instruction", MAX_INSTRUCTION_CHARS, "", "", ref)
    plan = msg.get("plan")
    if plan is None and not instruction.strip():
        raise ProtocolError(E_INVALID, "instruction is empty: say what to change (or send a plan)", ref)
    if mode == "execute" and plan is None:
        raise ProtocolError(E_INVALID, "mode 'execute' needs a plan", ref)
    if plan is not None and not isinstance(plan, (list, dict)):
        raise ProtocolError(E_INVALID, "plan must be a list of steps, or an object mapping item id to a list of steps", ref)
    out_dir = _opt(msg, "out_dir", str, "a folder path")
    if mode != "plan" and not out_dir:
        raise ProtocolError(E_INVALID, "out_dir is required to execute: the folder for the renders", ref)
    if out_dir:
        check_path(out_dir, "out_dir", ref)
    opts = _check_options(_opt(msg, "options", dict, "an object", {}), ref)
    scene = bool(_opt(msg, "scene", bool, "true or false", False))
    if scene and "scene" in ids:
        raise ProtocolError(E_INVALID, "in scene mode no item may have the id 'scene' (renders use it)", ref)
    sample_rate = _num(msg, "sample_rate", 1000, 768000, None, "", ref, integer=True)
    seconds = _num(msg, "seconds", 0.0, 3600.0, None, "", ref)
    if seconds is not None and seconds <= 0:
        raise _bad("seconds", "must be in (0, 3600]", ref)
    origin = _num(msg, "origin", -MAX_SECONDS, MAX_SECONDS, None, "", ref)
    return {"items": checked, "instruction": instruction, "mode": mode, "plan": plan,
            "out_dir": out_dir, "options": opts, "scene": scene,
            "sample_rate": sample_rate, "seconds": None if seconds is None else float(seconds),
            "origin": None if origin is None else float(origin),
            "watch": bool(_opt(msg, "watch", bool, "true or false", False)),
            "client": _text(msg, "client", MAX_CLIENT, "", "", ref)}


def check_submit_id(msg: dict) -> str | None:
    """A submit_id names one submit: a client that resends it after a lost reply gets the same job."""
    submit_id = msg.get("submit_id")
    if submit_id is not None and (not isinstance(submit_id, str) or not 8 <= len(submit_id) <= 128):
        raise _bad("submit_id", "must be a unique string of 8-128 characters (e.g. a UUID)", msg.get("ref"))
    return submit_id


def check_job(msg: dict) -> str:
    job = _req(msg, "job", str, "a job id")
    if not job or len(job) > 64 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in job):
        raise ProtocolError(E_INVALID, "field 'job' must be a job id as returned by submit", msg.get("ref"))
    return job


def check_events(msg: dict) -> tuple[str, int, int]:
    job = check_job(msg)
    since = _num(msg, "since", 0, MAX_SEQ, 0, "", msg.get("ref"), integer=True)
    limit = _num(msg, "limit", 1, MAX_SEQ, 200, "", msg.get("ref"), integer=True)
    return job, since, min(limit, 1000)


def format_ready(zmq: str, osc: str, pid: int, state: str, resumed: int) -> str:
    """The engine's ready line: ``smartdj engine ready zmq=E osc=H:P|off pid=N resumed=K state=DIR``.

    ``state`` comes last so a folder name with spaces survives; the other values hold no spaces.
    """
    return f"{READY_PREFIX} zmq={zmq} osc={osc} pid={pid} resumed={resumed} state={state}"


def parse_ready(line: str) -> dict | None:
    """The fields of a ready line (``zmq``, ``osc``, ``pid``, ``resumed``, ``state``), or None for any other line."""
    at = line.find(READY_PREFIX + " ")
    if at < 0:
        return None
    rest = line[at + len(READY_PREFIX):].rstrip("\r\n")
    head, sep, state = rest.partition(" state=")
    fields: dict[str, Any] = {"state": state if sep else ""}
    for word in head.split():
        key, eq, value = word.partition("=")
        if eq:
            fields[key] = value
    if "zmq" not in fields or not str(fields.get("pid", "")).isdigit():
        return None
    fields["pid"] = int(fields["pid"])
    fields["resumed"] = int(fields["resumed"]) if str(fields.get("resumed", "")).isdigit() else 0
    fields.setdefault("osc", "off")
    return fields


def request(type_: str, **body: Any) -> dict:
    msg = {"v": VERSION, "type": type_}
    msg.update({k: v for k, v in body.items() if v is not None})
    return msg


def check_reply_port(msg: dict) -> int:
    port = _req(msg, "reply_port", int, "the UDP port the client listens on for replies")
    if not 1 <= port <= 65535:
        raise ProtocolError(E_INVALID, f"reply_port {port} is out of range 1..65535", msg.get("ref"))
    return port
