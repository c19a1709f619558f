"""The edit language: SmartDJ's eight atomic operations as typed steps.

Every planner emits these, every executor obeys them, synthesis records them, REAPER shows
them. One step converts losslessly between its canonical text (the released SmartDJ
templates, DESIGN section 3) and its JSON form; anything else raises :class:`EditError`
naming the part at fault.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

OPS = ("add", "remove", "extract", "volume", "direction", "shift", "reverb", "timbre")
LOCATIONS = ("left", "left front", "front", "right front", "right")
# Timbre qualities: SmartDJ's five (what its diffusion editor was trained on), then the sounds of
# devices and places users ask for, which the DSP composer renders. Multiword qualities are written
# as people write them ("walkie-talkie", "small speaker"); parsing also takes "walkie talkie" and
# "small-speaker" (see :func:`quality_name`).
SMARTDJ_QUALITIES = ("bright", "dark", "warm", "cold", "muffled")
DEVICE_QUALITIES = ("telephone", "radio", "walkie-talkie", "underwater", "megaphone", "small speaker")
QUALITIES = SMARTDJ_QUALITIES + DEVICE_QUALITIES
FIELDS = ("op", "target", "at", "to", "db", "seconds", "level", "quality", "text")

# SmartDJ's delay-and-gain panning (24 kHz: 14 samples / 0.6, 9 samples / 0.8), as time.
# location -> (far ear, delay in seconds, far-ear gain); front has no far ear.
PANNING: dict[str, tuple[str | None, float, float]] = {
    "front": (None, 0.0, 1.0),
    "left": ("right", 14 / 24000, 0.6),
    "right": ("left", 14 / 24000, 0.6),
    "left front": ("right", 9 / 24000, 0.8),
    "right front": ("left", 9 / 24000, 0.8),
}

# Sane ranges: wide enough for any real request, narrow enough to catch unit mistakes.
ADD_DB_RANGE = (-40.0, 20.0)
VOLUME_DB_RANGE = (-60.0, 40.0)
SHIFT_RANGE = (-60.0, 60.0)
REVERB_RANGE = (0.0, 10.0)
MAX_TARGET_CHARS = 200


class EditError(ValueError):
    """A step (or plan) that is not valid; ``part`` names the field or text at fault."""

    def __init__(self, part: str, message: str):
        super().__init__(f"{part}: {message}")
        self.part = part
        self.message = message


def fmt_number(x: float) -> str:
    """Numbers as the templates write them: ``3``, ``-1``, ``1.5``, ``0.25`` (at most 3 decimals)."""
    x = round(float(x), 3)
    if x == int(x):
        return str(int(x))
    return f"{x:.3f}".rstrip("0").rstrip(".")


def _number(part: str, value: object, lo: float, hi: float, *, nonzero: bool = False,
            lo_open: bool = False) -> float:
    if isinstance(value, bool) or value is None:
        raise EditError(part, f"expected a number, got {value!r}")
    try:
        x = float(value)  # accepts int, float and numeric strings such as "3" or "-1.5"
    except (TypeError, ValueError):
        raise EditError(part, f"expected a number, got {value!r}") from None
    if not math.isfinite(x):
        raise EditError(part, f"expected a finite number, got {value!r}")
    x = round(x, 3)
    if x < lo or x > hi or (lo_open and x <= lo):
        bracket = "(" if lo_open else "["
        raise EditError(part, f"{fmt_number(x)} is out of range {bracket}{fmt_number(lo)}, {fmt_number(hi)}]")
    if nonzero and x == 0:
        raise EditError(part, "must not be 0 (a step that changes nothing is not a step)")
    return x


def _location(part: str, value: object, *, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise EditError(part, f"a location is required, one of {', '.join(LOCATIONS)}")
        return None
    if not isinstance(value, str):
        raise EditError(part, f"expected a location string, got {value!r}")
    loc = " ".join(value.lower().replace("-", " ").split())
    if loc not in LOCATIONS:
        raise EditError(part, f"unknown location {value!r}; use one of: {', '.join(LOCATIONS)}")
    return loc


_LOC_RE = "|".join(sorted((re.escape(loc) for loc in LOCATIONS), key=len, reverse=True))
_TRAILING_LOC = re.compile(rf"\s+at\s+(?:the\s+)?(?:{_LOC_RE})$", re.I)


def _target(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise EditError("target", "missing: name the sound to edit (e.g. 'dog barking')")
    if not isinstance(value, str):
        raise EditError("target", f"expected a string, got {value!r}")
    target = " ".join(value.split())
    if len(target) > MAX_TARGET_CHARS:
        raise EditError("target", f"too long ({len(target)} characters, at most {MAX_TARGET_CHARS})")
    if _TRAILING_LOC.search(target):
        raise EditError("target", f"{target!r} ends with a location; put the location in 'at'")
    return target


@dataclass(frozen=True)
class Step:
    """One atomic edit. Unused fields are None; ``text`` is always the canonical text."""

    op: str
    target: str
    at: str | None = None
    to: str | None = None
    db: float | None = None
    seconds: float | None = None
    level: float | None = None
    quality: str | None = None
    text: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        checked = _validate(self)
        for name in FIELDS[1:-1]:
            object.__setattr__(self, name, checked[name])
        object.__setattr__(self, "text", render(self))

    def to_json(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS}

    @classmethod
    def from_json(cls, obj: object) -> Step:
        return step_from_json(obj)

    @classmethod
    def parse(cls, text: str) -> Step:
        return parse_step(text)

    def __str__(self) -> str:
        return self.text


_USED = {
    "add": {"target", "to", "db"},
    "remove": {"target", "at"},
    "extract": {"target", "at"},
    "volume": {"target", "at", "db"},
    "direction": {"target", "at", "to"},
    "shift": {"target", "at", "seconds"},
    "reverb": {"target", "at", "level"},
    "timbre": {"target", "at", "quality"},
}


def _validate(step: Step) -> dict:
    if step.op not in OPS:
        raise EditError("op", f"unknown operation {step.op!r}; use one of: {', '.join(OPS)}")
    used = _USED[step.op]
    for name in ("at", "to", "db", "seconds", "level", "quality"):
        if name not in used and getattr(step, name) is not None:
            raise EditError(name, f"'{step.op}' takes no {name!r} (it uses {', '.join(sorted(used))})")
    out: dict = {"target": _target(step.target), "at": None, "to": None, "db": None,
                 "seconds": None, "level": None, "quality": None}
    if "at" in used:
        out["at"] = _location("at", step.at, required=False)
    if "to" in used:
        out["to"] = _location("to", step.to, required=True)
    if step.op == "add":
        out["db"] = _number("db", 0.0 if step.db is None else step.db, *ADD_DB_RANGE)
    elif step.op == "volume":
        out["db"] = _number("db", step.db, *VOLUME_DB_RANGE, nonzero=True)
    elif step.op == "shift":
        out["seconds"] = _number("seconds", step.seconds, *SHIFT_RANGE, nonzero=True)
    elif step.op == "reverb":
        out["level"] = _number("level", step.level, *REVERB_RANGE, lo_open=True)
    elif step.op == "timbre":
        q = quality_name(step.quality)
        if q is None:
            raise EditError("quality", f"unknown timbre quality {step.quality!r}; use one of: {', '.join(QUALITIES)}")
        out["quality"] = q
    return out


def _quality_key(text: str) -> str:
    return " ".join(text.casefold().replace("-", " ").split())


_QUALITY_KEYS = {_quality_key(q): q for q in QUALITIES}


def quality_name(value: object) -> str | None:
    """The canonical quality for ``value`` (case, spaces and hyphens aside), or None if unknown."""
    return _QUALITY_KEYS.get(_quality_key(value)) if isinstance(value, str) else None


def render(step: Step) -> str:
    """The canonical text of a valid step."""
    t, op = step.target, step.op
    at_the = f" at the {step.at}" if step.at else ""
    at = f" at {step.at}" if step.at else ""
    if op == "add":
        return f"add the sound of {t} at the {step.to} with {fmt_number(step.db)} dB"
    if op in ("remove", "extract"):
        return f"{op} the sound of {t}{at_the}"
    if op == "volume":
        way = "up" if step.db > 0 else "down"
        return f"turn {way} the volume of {t}{at} by {fmt_number(abs(step.db))} dB"
    if op == "direction":
        return f"change the sound of {t}{at} to {step.to}"
    if op == "shift":
        return f"shift the sound of {t}{at_the} by {fmt_number(step.seconds)} seconds"
    if op == "reverb":
        return f"reverb the sound of {t}{at_the} with reverb level {fmt_number(step.level)}"
    return f"change the timbre of the sound of {t}{at_the} to be more {step.quality}"


_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_AT_THE = rf"(?:\s+at\s+(?:the\s+)?(?P<at>{_LOC_RE}))?"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("add", re.compile(rf"^add the sound of (?P<target>.+?) at (?:the )?(?P<to>{_LOC_RE}) (?:with|by|at) (?P<db>{_NUM}) ?db$", re.I)),
    ("timbre", re.compile(rf"^change the timbre of (?:the sound of )?(?P<target>.+?){_AT_THE} to be more (?:like (?:an? )?)?(?P<quality>[\w'-]+(?: [\w'-]+)?)$", re.I)),
    ("direction", re.compile(rf"^change the sound of (?P<target>.+?){_AT_THE} to (?:the )?(?P<to>{_LOC_RE})$", re.I)),
    ("remove", re.compile(rf"^remove the sound of (?P<target>.+?){_AT_THE}$", re.I)),
    ("extract", re.compile(rf"^extract the sound of (?P<target>.+?){_AT_THE}$", re.I)),
    ("volume", re.compile(rf"^turn (?P<way>up|down) the (?:volume|sound) of (?P<target>.+?){_AT_THE} by (?P<db>{_NUM}) ?db$", re.I)),
    ("shift", re.compile(rf"^shift the sound of (?P<target>.+?){_AT_THE} by (?P<seconds>{_NUM}) ?(?:seconds?|secs?|s)$", re.I)),
    ("reverb", re.compile(rf"^reverb the sound of (?P<target>.+?){_AT_THE} with reverb level (?P<level>{_NUM})$", re.I)),
]
_KEYWORDS = {"add": "add", "remove": "remove", "extract": "extract", "turn": "volume",
             "shift": "shift", "reverb": "reverb"}


def parse_step(text: str) -> Step:
    """Parse one step's canonical text (case, spacing, a trailing period and 'db' are tolerated)."""
    if not isinstance(text, str):
        raise EditError("text", f"expected a string, got {text!r}")
    s = " ".join(text.strip().rstrip(".").split())
    s = re.sub(r"^(?:\d+[.)]|[-*•])\s*", "", s)  # "1. ...", "- ..." list markers
    if not s:
        raise EditError("text", "empty step")
    for op, pattern in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        g = m.groupdict()
        kw: dict = {"target": g["target"], "at": g.get("at")}
        if op == "add":
            kw = {"target": g["target"], "to": g["to"], "db": g["db"]}
        elif op == "volume":
            up = g["way"].lower() == "up"  # "turn down ... by 50 dB" is -50, inside the range as JSON says it
            mag = _number("db", g["db"], 0, VOLUME_DB_RANGE[1] if up else -VOLUME_DB_RANGE[0], nonzero=True)
            kw["db"] = mag if up else -mag
        elif op == "direction":
            kw["to"] = g["to"]
        elif op == "shift":
            kw["seconds"] = g["seconds"]
        elif op == "reverb":
            kw["level"] = g["level"]
        elif op == "timbre":
            kw["quality"] = g["quality"]
        return Step(op=op, **kw)
    first = s.split(" ", 1)[0].lower()
    if first == "change":
        hint = ("expected 'change the sound of X [at LOC] to LOC' or "
                "'change the timbre of the sound of X [at the LOC] to be more QUALITY'")
    elif first in _KEYWORDS:
        hint = f"expected: {_TEMPLATES[_KEYWORDS[first]]}"
    else:
        hint = f"it must start with one of: add, remove, extract, turn up/down, change, shift, reverb (got {first!r})"
    raise EditError("text", f"cannot parse {text.strip()!r}: {hint}")


_TEMPLATES = {
    "add": "add the sound of X at the LOC with N dB",
    "remove": "remove the sound of X [at the LOC]",
    "extract": "extract the sound of X [at the LOC]",
    "volume": "turn up|down the volume of X [at LOC] by N dB",
    "shift": "shift the sound of X [at the LOC] by N seconds",
    "reverb": "reverb the sound of X [at the LOC] with reverb level N",
}


def step_from_json(obj: object) -> Step:
    """A step from its JSON object; ``text``, if given, must agree with the fields."""
    if isinstance(obj, Step):
        return obj
    if not isinstance(obj, dict):
        raise EditError("step", f"expected a JSON object, got {type(obj).__name__}")
    unknown = set(obj) - set(FIELDS)
    if unknown:
        raise EditError(sorted(unknown)[0], f"unknown field; a step has: {', '.join(FIELDS)}")
    if "op" not in obj or obj["op"] is None:
        if obj.get("text"):
            return parse_step(obj["text"])
        raise EditError("op", f"missing; use one of: {', '.join(OPS)}")
    if not isinstance(obj["op"], str):
        raise EditError("op", f"expected a string, got {obj['op']!r}")
    kw = {k: obj.get(k) for k in FIELDS[1:-1]}
    step = Step(op=obj["op"].strip().lower(), **kw)
    text = obj.get("text")
    if text:
        other = parse_step(text)
        if other != step:
            raise EditError("text", f"{text!r} does not match the fields (they say {step.text!r})")
    return step


def parse_plan(text: str) -> list[Step]:
    """Steps from text with one step per line (list markers allowed) or separated by ';'."""
    lines = [ln for ln in re.split(r"[\n;]+", text) if ln.strip()]
    steps = []
    for i, line in enumerate(lines, 1):
        try:
            steps.append(parse_step(line))
        except EditError as e:
            raise EditError(f"step {i}", e.message) from None
    if not steps:
        raise EditError("plan", "no steps")
    return steps


def plan_from_json(obj: object) -> list[Step]:
    """Steps from ``{"steps": [...]}`` or a bare list of step objects or step texts."""
    if isinstance(obj, dict):
        if "steps" not in obj:
            raise EditError("plan", "expected an object with 'steps'")
        obj = obj["steps"]
    if not isinstance(obj, list):
        raise EditError("plan", f"expected a list of steps, got {type(obj).__name__}")
    out = []
    for i, item in enumerate(obj, 1):
        try:
            out.append(parse_step(item) if isinstance(item, str) else step_from_json(item))
        except EditError as e:
            raise EditError(f"step {i}.{e.part}", e.message) from None
    return out


def plan_to_json(steps: Iterable[Step]) -> list[dict]:
    return [s.to_json() for s in steps]


def plan_text(steps: Iterable[Step]) -> str:
    return "\n".join(f"{i}. {s.text}" for i, s in enumerate(steps, 1))


def split_targets(target: str) -> list[str]:
    """'water pours, horn honks, and man speaks' -> the three events (extract may name several)."""
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", target)
    return [p.strip() for p in parts if p.strip()]
