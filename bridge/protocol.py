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
PLANNERS = ("rules", "alm", "llm")
EXECUTORS = ("auto", "composer", "diffusion")
EVENT_TYPES = ("accepted", "planned", "step_started", "progress", "step_done", "done", "failed", "cancelled")
TERMINAL_EVENTS = FINAL_STATES  # the events that end a job carry the name of its final state
MAX_INSTRUCTION_CHARS = 2000
MAX_ITEMS = 256
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
    return json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decode(raw: bytes | str) -> dict:
    """Parse and check the envelope (JSON object, version, known type); not the body."""
    try:
        msg = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise ProtocolError(E_BAD_JSON, f"message is not valid JSON: {e}") from None
    if not isinstance(msg, dict):
        raise ProtocolError(E_BAD_JSON, "a message must be a JSON object")
    ref = msg.get("ref")
    if msg.get("v") != VERSION:
        raise ProtocolError(E_BAD_VERSION, f"protocol version {msg.get('v')!r} is not supported; this engine speaks v{VERSION}", ref)
    if msg.get("type") not in REQUESTS:
        raise ProtocolError(E_UNKNOWN_TYPE, f"unknown message type {msg.get('type')!r}; expected one of {', '.join(REQUESTS)}", ref)
    return msg


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


def check_item(item: Any, i: int, ref: Any = None) -> dict:
    """One item: a file slice. ``start``/``length`` in seconds; ``length`` null = to the end."""
    where = f"items[{i}]"
    if not isinstance(item, dict):
        raise ProtocolError(E_INVALID, f"{where} must be an object", ref)
    try:
        path = _req(item, "path", str, "a file path")
        start = float(_opt(item, "start", (int, float), "a number of seconds", 0.0))
        length = _opt(item, "length", (int, float), "a number of seconds")
        label = _opt(item, "label", str, "a string", "")
        item_id = _opt(item, "id", (str, int), "a string", str(i))
        at = _opt(item, "at", str, "a location or null")
        db = float(_opt(item, "db", (int, float), "a number of dB", 0.0))
        position = _opt(item, "position", (int, float), "a number of seconds")
    except ProtocolError as e:
        raise ProtocolError(E_INVALID, f"{where}: {e.message}", ref) from None
    for name, value in (("start", start), ("length", length), ("db", db), ("position", position)):
        if value is not None and not math.isfinite(value):
            raise ProtocolError(E_INVALID, f"{where}.{name} must be a finite number", ref)
    if not path.strip():
        raise ProtocolError(E_INVALID, f"{where}.path is empty", ref)
    if start < 0:
        raise ProtocolError(E_INVALID, f"{where}.start must be >= 0 seconds, got {start}", ref)
    if length is not None and float(length) <= 0:
        raise ProtocolError(E_INVALID, f"{where}.length must be > 0 seconds, got {length}", ref)
    return {"path": path, "start": start, "length": None if length is None else float(length),
            "label": label, "id": str(item_id), "at": at, "db": db,
            "position": None if position is None else float(position)}


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
        raise ProtocolError(E_INVALID, f"mode {mode!r} is unknown; use one of {', '.join(MODES)}", ref)
    instruction = _opt(msg, "instruction", str, "a string", "")
    plan = msg.get("plan")
    if plan is None and not instruction.strip():
        raise ProtocolError(E_INVALID, "instruction is empty: say what to change (or send a plan)", ref)
    if len(instruction) > MAX_INSTRUCTION_CHARS:
        raise ProtocolError(E_INVALID, f"instruction is too long ({len(instruction)} characters, at most {MAX_INSTRUCTION_CHARS})", ref)
    if mode == "execute" and plan is None:
        raise ProtocolError(E_INVALID, "mode 'execute' needs a plan", ref)
    if plan is not None and not isinstance(plan, (list, dict)):
        raise ProtocolError(E_INVALID, "plan must be a list of steps, or an object mapping item id to a list of steps", ref)
    out_dir = _opt(msg, "out_dir", str, "a folder path")
    if mode != "plan" and not out_dir:
        raise ProtocolError(E_INVALID, "out_dir is required to execute: the folder for the renders", ref)
    options = _opt(msg, "options", dict, "an object", {})
    opts = {
        "planner": _opt(options, "planner", str, "a planner name", "rules"),
        "executor": _opt(options, "executor", str, "an executor name", "auto"),
        "seed": _opt(options, "seed", int, "an integer"),
        "steps": _opt(options, "steps", int, "an integer"),
        "guidance": _opt(options, "guidance", (int, float), "a number"),
        "checkpoint": _opt(options, "checkpoint", str, "a checkpoint path or name"),
        "downmix": bool(_opt(options, "downmix", bool, "true or false", False)),
    }
    if opts["planner"] not in PLANNERS:
        raise ProtocolError(E_INVALID, f"planner {opts['planner']!r} is unknown; use one of {', '.join(PLANNERS)}", ref)
    if opts["executor"] not in EXECUTORS:
        raise ProtocolError(E_INVALID, f"executor {opts['executor']!r} is unknown; use one of {', '.join(EXECUTORS)}", ref)
    if opts["steps"] is not None and not 1 <= opts["steps"] <= 1000:
        raise ProtocolError(E_INVALID, "options.steps must be between 1 and 1000", ref)
    if opts["guidance"] is not None and not math.isfinite(opts["guidance"]):
        raise ProtocolError(E_INVALID, "options.guidance must be a finite number", ref)
    scene = bool(_opt(msg, "scene", bool, "true or false", False))
    if scene and "scene" in ids:
        raise ProtocolError(E_INVALID, "in scene mode no item may have the id 'scene' (renders use it)", ref)
    sample_rate = _opt(msg, "sample_rate", int, "an integer rate in Hz")
    if sample_rate is not None and not 1000 <= sample_rate <= 768000:
        raise ProtocolError(E_INVALID, "sample_rate must be between 1000 and 768000 Hz", ref)
    seconds = _opt(msg, "seconds", (int, float), "a number of seconds")
    if seconds is not None and not (math.isfinite(seconds) and 0 < seconds <= 3600):
        raise ProtocolError(E_INVALID, "seconds must be in (0, 3600]", ref)
    return {"items": checked, "instruction": instruction, "mode": mode, "plan": plan,
            "out_dir": out_dir, "options": opts, "scene": scene,
            "sample_rate": sample_rate, "seconds": None if seconds is None else float(seconds),
            "watch": bool(_opt(msg, "watch", bool, "true or false", False)),
            "client": _opt(msg, "client", str, "a string", "")}


def check_job(msg: dict) -> str:
    job = _req(msg, "job", str, "a job id")
    if not job or len(job) > 64:
        raise ProtocolError(E_INVALID, "field 'job' must be a job id as returned by submit", msg.get("ref"))
    return job


def check_events(msg: dict) -> tuple[str, int, int]:
    job = check_job(msg)
    since = _opt(msg, "since", int, "an integer sequence number", 0)
    limit = _opt(msg, "limit", int, "an integer", 200)
    return job, max(0, since), max(1, min(limit, 1000))


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


def fit_events(reply: dict, events: list[dict], max_bytes: int = OSC_MAX_PAYLOAD) -> dict:
    """``reply`` with as many of ``events`` as fit in ``max_bytes`` of JSON, and ``more`` set.

    An event too large on its own is replaced by ``{"seq", "type", "truncated": true}``: fetch it
    over ZeroMQ (no limit) if its body is needed.
    """
    out = dict(reply, events=[], more=False)
    size = len(encode(out))
    for i, ev in enumerate(events):
        piece = len(encode(ev)) + 1
        if size + piece > max_bytes:
            if not out["events"]:
                ev = {"seq": ev.get("seq"), "type": ev.get("type"), "truncated": True}
                out["events"].append(ev)
                size += len(encode(ev)) + 1
                out["more"] = i + 1 < len(events) or reply.get("more", False)
                return out
            out["more"] = True
            return out
        out["events"].append(ev)
        size += piece
    out["more"] = bool(reply.get("more", False))
    return out
