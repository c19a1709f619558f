"""The rule planner's clause reader: the operation, amounts and places of one clause, and the steps they make.

What is left of a clause once every cue is taken out names the sound (rules.py grounds it).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from smartdj.bridge.language import EditError, Step
from smartdj.engine.planning.base import PlanningError
from smartdj.engine.planning.rules_text import _strip_places, _take
from smartdj.engine.planning.rules_words import (
    _ADD,
    _BIG,
    _DIRECTION,
    _DOWN,
    _EARLIER,
    _EXTRACT,
    _GENERIC_VERB,
    _LOC_RES,
    _NUM,
    _QUIET_ADD,
    _REMOVE,
    _REVERB,
    _REVERB_HUGE,
    _REVERB_SMALL,
    _SHIFT,
    _SMALL,
    _STRONG,
    _STRONG_VERB,
    _TIMBRE,
    _UP,
    _VERY_QUIET_ADD,
    BIG_DB,
    BIG_REVERB,
    DEFAULT_DB,
    DEFAULT_REVERB,
    DEFAULT_SECONDS,
    HELP,
    LOUD_ADD_DB,
    QUIET_ADD_DB,
    SMALL_DB,
    SMALL_REVERB,
    STRONG_DB,
    VERY_QUIET_ADD_DB,
    describes_tone,
    takes_reverb_away,
)


@dataclass
class _Clause:
    text: str
    op: str | None = None
    sign: int = 1
    quality: str | None = None
    db: float | None = None
    seconds: float | None = None
    level: float | None = None
    locs: list[tuple[str, str | None]] = field(default_factory=list)  # (location, preposition)
    big: bool = False
    small: bool = False
    strong: bool = False  # a strong verb ('crank', 'sink')
    target_text: str = ""


def _amounts(c: _Clause, s: str) -> str:
    """dB, seconds and reverb level taken out of ``s`` into ``c``; the rest of the text returned."""
    m, s = _take(rf"(?:\b(?:by|to|at|with|of)\s+)?(?<![\w.])({_NUM})\s*(?:db|decibels?|dbs)\b", s)
    if m:
        c.db = float(m.group(1))
        stray = re.search(rf"(?<![\w.])({_NUM})(?![\w.]|\s*(?:ms|milliseconds?|s|secs?|seconds?|bpm|%)\b)", s)
        if stray and float(stray.group(1)) != c.db:  # "violins 3 down 2": which number is the amount?
            raise PlanningError(f'"{stray.group(1)}" and "{m.group(1)} db": two numbers for one edit; say which is the '
                                "amount (and a sound's name in full when a number is part of it)")
    m, s = _take(rf"(?:\b(?:by|for|about|around)\s+)?(?:(?<![\w.])({_NUM})\s*(ms|milliseconds?|s|secs?|seconds?)\b|"
                 r"\b(half a|a half|a quarter of a|a quarter|quarter of a|a)\s+(second|sec)\b)", s)
    if m:
        if m.group(1):
            v = float(m.group(1))
            c.seconds = v / 1000 if m.group(2).startswith("m") else v
        else:
            c.seconds = {"half a": 0.5, "a half": 0.5, "a": 1.0}.get(m.group(3), 0.25)
    m, s = _take(rf"\b(?:reverb |verb )?level (?:of )?({_NUM})\b|\b({_NUM})\s*(?:/|out of)\s*10\b", s)
    if m:
        c.level = float(m.group(1) or m.group(2))
        if re.match(r"(?:reverb|verb)\b", m.group(0)):
            s = f"{s} reverb"  # "add reverb level 6 to the birds": the amount named the operation too
    return s


def _places(c: _Clause, s: str) -> str:
    """Places taken out of ``s`` into ``c.locs`` in reading order (before cues: "slightly left" is a place)."""
    for rx, loc in _LOC_RES:
        while True:
            m = rx.search(s)
            if not m:
                break
            c.locs.append((m.start(), loc, m.group("prep")))  # type: ignore[arg-type]
            s = s[: m.start()] + " " + s[m.end():]
    c.locs = [(loc, prep) for _, loc, prep in sorted(c.locs)]  # type: ignore[misc]
    return " ".join(s.split())


def _operation(c: _Clause, s: str, raw: str) -> None:
    """The clause's operation (and volume sign) from its leading verb, else from the cues it contains."""
    head = re.sub(r"^(?:please |now |ok |okay |so |maybe |can you |could you |would you |will you |can we |"
                  r"could we |let's |lets |i want to |i'd like to |i want you to |i need you to |try to |"
                  r"go ahead and |just |also |and |then )+", "", s)
    strong = next((op for op, rx in _STRONG_VERB if rx.match(head)), None)

    def has(p: str) -> bool:
        return re.search(p, s) is not None

    time_cue = has(r"\b(?:later|earlier|sooner|late|early|delay|nudge|shift|slide|offset|ahead|come in|start)\b")
    dest = [loc for loc, prep in c.locs if prep not in ("from", "at")]
    huge_rev, small_rev = has(_REVERB_HUGE), has(_REVERB_SMALL)
    timbre = next((q for p, q in _TIMBRE if has(p)), None)
    if strong == "extract":
        c.op = "extract"
    elif strong == "remove":
        if c.db is not None:
            c.op, c.sign = "volume", -1
        else:
            c.op = "remove"
    elif strong == "shift" and (c.seconds is not None or not dest):
        c.op = "shift"
    elif strong in ("volume+", "volume-") and c.seconds is None:
        c.op, c.sign = "volume", (1 if strong == "volume+" else -1)
    elif strong == "timbre":
        c.op = "timbre"
    elif strong == "direction" and dest:
        c.op = "direction"
    elif has(_EXTRACT):
        c.op = "extract"
    elif c.seconds is not None or (time_cue and has(_SHIFT) and not dest):
        c.op = "shift"
    elif huge_rev or small_rev or has(_REVERB):
        c.op = "reverb"
    elif timbre:
        c.op = "timbre"
    elif has(_ADD) and not has(r"\b(?:more of|more)\b"):
        c.op = "add"
    elif has(_DOWN) or has(_UP):
        down, up = re.search(_DOWN, s), re.search(_UP, s)
        c.op = "volume"
        c.sign = -1 if (down and (not up or down.start() <= up.start() or up.group(0) == "more")) else 1
        if up and down and up.group(0) == "too quiet":
            c.sign = 1
    elif has(_ADD):
        c.op = "add"
    elif has(_REMOVE):
        c.op = "volume" if c.db is not None else "remove"
        c.sign = -1
    elif dest or strong == "direction" or re.match(r"(?:move|put|place|pan|position|send|sit|swing)\b", head):
        c.op = "direction"
    elif c.db is not None:
        if c.db < 0 or has(r"\bdown\b"):
            c.op, c.sign = "volume", -1
        elif has(r"\bup\b") or re.search(r"\+\s*\d", raw):
            c.op, c.sign = "volume", 1
        else:  # "the piano 3 db": a sign would be a guess
            raise PlanningError(f'"{raw.strip()}": say whether to turn it up or down')
    elif has(r"^(?:some|a|an)\b"):
        c.op = "add"
    else:
        raise PlanningError(f'could not understand "{raw.strip()}": {HELP}')


def read(raw: str) -> _Clause:
    """Pull the operation, amounts and places out of one clause; what remains names the sound."""
    c = _Clause(text=raw)
    s = f" {raw} "
    if takes_reverb_away(s):
        raise PlanningError(f'"{raw.strip()}": taking reverb away is not an edit SmartDJ can make '
                            "(it can add reverb, not remove it)")
    s = _places(c, _amounts(c, s))
    _operation(c, s, raw)

    def has(p: str) -> bool:
        return re.search(p, s) is not None

    huge_rev, small_rev = has(_REVERB_HUGE), has(_REVERB_SMALL)
    timbre = next((q for p, q in _TIMBRE if has(p)), None)
    c.big = has(_BIG) or (huge_rev and not has(_SMALL)) or (  # "a little plate reverb" is a little
        c.op == "reverb" and has(r"\b(?:heavy|huge|massive|giant)\b") and not has(_SMALL))
    c.small = has(_SMALL) or small_rev
    c.strong = re.search(_STRONG, raw) is not None
    if c.op == "timbre" and describes_tone(raw):
        raise PlanningError(f'could not understand "{raw.strip()}" as an edit: it says how it sounds now; say e.g. '
                            '"make it brighter" or "make it sound like a radio"')
    if c.op == "timbre":
        c.quality = timbre
        if c.quality is None:
            raise PlanningError(f'"{raw.strip()}": say how the tone should change (brighter, darker, warmer, '
                                "colder or muffled)")
    if c.op == "shift":
        sign = -1 if has(_EARLIER) else 1
        c.seconds = sign * abs(c.seconds if c.seconds is not None else DEFAULT_SECONDS)
    # strip every cue so only the sound's name is left
    for cue in [r"\b(?:fairly|pretty|quite|rather|very|really|super|kinda) (?=(?:loud|quiet|soft|faint)\b)", _EXTRACT, _REVERB_HUGE, _REVERB_SMALL, _REVERB, *(p for p, _ in _TIMBRE), _SHIFT, _EARLIER,
                _DOWN, _UP, _ADD, _REMOVE, _DIRECTION, _BIG, _SMALL,
                r"\b(?:quietly|softly|faintly|subtle|faint|gentle|distant|loudly|prominent|prominently|"
                r"(?:in|into) the (?:back|background|foreground)|(?:off |far |way )?in the distance|far off|far away|"
                r"way off|from afar|barely audible)\b", r"\b(?:soft|faint|quiet)\b(?= \w)", r"\b(?:soft|faint|quiet|low|loud)\s*$",
                r"\b(?:(?:a )?(?:medium|moderate|fair|decent|good) amount of|medium|moderate|mid-sized)\b"]:
        s = re.sub(cue, " ", s)
    s = re.sub(r"\b(?:the )?(?:sound|volume|level|loudness|tone|timbre|reverb) (?:of|on)\b", " ", s)
    s = re.sub(r"\b(?:in|on|from|of) (?:the|this|my|our) (?:mix|track|song|recording|audio)\b", " ", s)
    head = _GENERIC_VERB.sub("", re.sub(r"^(?:(?:maybe|perhaps|possibly|kindly|please|just)\s+)+", "", " ".join(s.split())))
    c.target_text = head
    return c


def steps_of(c: _Clause, targets: list[str], raw: str) -> list[Step]:
    """The steps one read clause makes for its (grounded) targets."""
    op = c.op
    at = next((loc for loc, prep in c.locs if prep in ("from", "at", "on", "in", None)), None)
    dest = [loc for loc, prep in c.locs if prep not in ("from", "at")]
    moved = op in ("timbre", "reverb") and bool(dest) and (
        any(prep in ("to", "over to", "towards", "toward", "into", "onto", "out to") for _, prep in c.locs)
        or re.search(r"\b(?:is|are|be|sits?|put|move|pan|place|go|goes|it's|they're)\b", c.text) is not None)
    try:
        if op == "extract":
            at = c.locs[0][0] if c.locs else None
            joined = targets[0] if len(targets) == 1 else ", ".join(targets[:-1]) + " and " + targets[-1]
            return [Step(op="extract", target=joined, at=at)]
        out = []
        for t in targets:
            if op == "add":
                if re.search(r"\bmore\b", c.text):
                    raise PlanningError(f'"{c.text.strip()}": "more" says {t} is already in the mix, but it is not one '
                                        "of the sources; name one of them, or say \"add\" for a new sound")
                to = c.locs[0][0] if c.locs else "front"
                db = c.db
                if db is None:
                    quiet = re.search(_QUIET_ADD, _strip_places(c.text))
                    loud = re.search(r"\b(?:loud|loudly|prominent|prominently|big|in the foreground)\b", c.text)
                    rel = re.search(r"\b(louder|quieter|softer)\b", c.text)
                    if rel and re.search(_SMALL, c.text):
                        quiet = loud = None
                        db = SMALL_DB if rel.group(1) == "louder" else -SMALL_DB
                    if db is None:
                        db = (VERY_QUIET_ADD_DB if re.search(_VERY_QUIET_ADD, c.text) else QUIET_ADD_DB) if quiet else (
                            LOUD_ADD_DB if loud else 0.0)
                out.append(Step(op="add", target=t, to=to, db=db))
            elif op == "remove":
                out.append(Step(op="remove", target=t, at=c.locs[0][0] if c.locs else None))
            elif op == "volume":
                mag = abs(c.db) if c.db is not None else BIG_DB if c.big else SMALL_DB if c.small else (
                    STRONG_DB if c.strong else DEFAULT_DB)
                sign = c.sign
                if c.db is not None and c.db < 0:
                    sign = -1
                out.append(Step(op="volume", target=t, at=c.locs[0][0] if len(c.locs) == 1 else None, db=sign * mag))
            elif op == "direction":
                heard_from = not dest and len(c.locs) == 1 and c.locs[0][1] == "from"
                if heard_from:
                    dest = [c.locs[0][0]]  # "the phone ring from the right": heard from there, not moved from there
                if not dest:
                    raise PlanningError(f'"{raw.strip()}": say where to put {t} (left, left front, front, '
                                        "right front or right)")
                src = None if heard_from else next((loc for loc, prep in c.locs if prep in ("from", "at")), None)
                if src is None and len(c.locs) >= 2:
                    src, dest = c.locs[0][0], [c.locs[-1][0]]
                out.append(Step(op="direction", target=t, at=src, to=dest[-1]))
            elif op == "shift":
                out.append(Step(op="shift", target=t, at=c.locs[0][0] if len(c.locs) == 1 else None,
                                seconds=c.seconds))
            elif op == "reverb":
                level = c.level if c.level is not None else (
                    BIG_REVERB if c.big else SMALL_REVERB if c.small else DEFAULT_REVERB)
                out.append(Step(op="reverb", target=t, at=None if moved else at if len(c.locs) == 1 else None,
                                level=level))
            elif op == "timbre":
                out.append(Step(op="timbre", target=t, at=None if moved else at if len(c.locs) == 1 else None,
                                quality=c.quality))
            if moved:  # "make the dog sound like it is outside on the left": a tone change and a move
                out.append(Step(op="direction", target=t, to=dest[-1]))
        return out
    except EditError as e:
        raise PlanningError(f'"{raw.strip()}": {e}') from None


def _fold_placement(steps: list[Step]) -> list[Step]:
    """Steps that restate one edit become one: an add and its placement ('add rain and put it on the left'),
    two reverbs on one sound (the level said last), the same step said twice ('icier, colder')."""
    out: list[Step] = []
    for step in steps:
        if step in out:
            continue  # "icier, colder": one step, said twice
        add = next((i for i, s in enumerate(out) if s.op == "add" and s.target == step.target), None)
        if step.op == "direction" and step.at is None and add is not None:
            out[add] = dataclasses.replace(out[add], to=step.to)
            continue
        if step.op == "volume" and step.at is None and add is not None:  # "add a crowd, loud": the add's level
            out[add] = dataclasses.replace(out[add], db=max(-60.0, min(24.0, out[add].db + step.db)))
            continue
        again = next((i for i, s in enumerate(out) if step.op == s.op == "reverb" and s.target == step.target), None)
        if again is None and step.op == "volume" and step.at is None:  # "louder, like a lot louder": said last
            again = next((i for i, s in enumerate(out) if s.op == "volume" and s.target == step.target and s.at is None
                          and (s.db > 0) == (step.db > 0)), None)
        if again is not None:  # "in a hall, reverb level 6": one reverb, at the level said last
            out[again] = step
            continue
        out.append(step)
    return out
