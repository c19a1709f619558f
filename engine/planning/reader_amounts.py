"""What a clause says besides its operation, for the learned reader: amounts in the rules' words and defaults,
the place it names, an added sound's name, and the words that say each tone."""

from __future__ import annotations

import functools
import re

from smartdj.bridge.language import Step
from smartdj.engine.planning import reader_text as rt
from smartdj.engine.planning.base import PlanningError
from smartdj.engine.planning.rules_pre import _osa
from smartdj.engine.planning.rules_words import (
    _BIG,
    _LOC_RES,
    _OPPOSITE,
    _REVERB_HUGE,
    _REVERB_SMALL,
    _SMALL,
    _STRONG,
    _TIMBRE,
    _VERY_QUIET_ADD,
    BIG_DB,
    BIG_REVERB,
    DEFAULT_DB,
    DEFAULT_REVERB,
    DEFAULT_SECONDS,
    LOUD_ADD_DB,
    ONE_FIX_TONES,
    QUIET_ADD_DB,
    SMALL_DB,
    SMALL_REVERB,
    STRONG_DB,
    TINY_DB,
    VERY_QUIET_ADD_DB,
)

_NUMBER = r"(?<![\w.])([+-]?\d+(?:\.\d+)?)(?![\d.])"


# an added sound's level against the mix: "at -6 db", "at -12"
_ADD_LEVEL = re.compile(r"\b(?:at|with) (?:(?:about|around|roughly|maybe) )?(?:([+-]?\d+(?:\.\d+)?) ?db\b|"
                        r"([+-]\d+(?:\.\d+)?)(?![\w.]| ?(?:ms|s|secs?|seconds?|bpm)\b))")
_LEVEL_ONLY = re.compile(r"(?:(?:pretty|fairly|quite|very|really|super|kinda|kind of|rather|nice and|real) )?"
                         r"(quiet(?:ly)?|soft(?:ly)?|faint(?:ly)?|loud(?:ly)?|subtle|barely audible)?,? ?"
                         r"(?:(?:like|about|around|maybe|say|at|roughly) )?(?:([+-]?\d+(?:\.\d+)?) ?(?:db)?)?")


def add_db(m: re.Match) -> float:
    return float(m.group(1) or m.group(2))


def add_level(masked: str) -> float | None:
    """The level a clause of level words alone gives the sound just added ("..., pretty quiet", "..., like -25")."""
    m = _LEVEL_ONLY.fullmatch(masked.strip())
    if not m or not (m.group(1) or m.group(2)):
        return None
    word = m.group(1) or ""
    if m.group(2):
        n = float(m.group(2))
        return -abs(n) if word and not word.startswith("loud") and m.group(2)[0] not in "+-" else n
    if word.startswith("loud"):
        return LOUD_ADD_DB
    return VERY_QUIET_ADD_DB if re.search(_VERY_QUIET_ADD, masked) else QUIET_ADD_DB


def _wanted_tone(masked: str) -> str | None:
    """The tone a clause asks for in the rules' words: "less bright" and "too dark" ask for the opposite."""
    m = re.search(rf"\b(?:too|less|not so|not as) ({'|'.join(_OPPOSITE)})\b|"
                  rf"\b(?:is|are|'s|sounds?|seems?|feels?|gets?)(?: \w+){{0,3}}? ({'|'.join(ONE_FIX_TONES)})\b", masked)
    if m:  # the same one-fix tones as the rules: "is harsh" has no one fix, "is too harsh" is read as the rules read it
        return _OPPOSITE[m.group(1) or m.group(2)]
    named = {q for p, q in _TIMBRE if re.search(p, f" {masked} ")}
    return named.pop() if len(named) == 1 else None


_INTENSE = re.compile(r"\b(?:way|far|(?<!too )much|really|super|seriously|massively|a bunch|a lot|barely|hugely|totally)\b")


def _amounts(masked: str, op: str, amount: str) -> dict:
    if op in ("up", "down"):
        m = re.search(_NUMBER + r"\s*(?:db)?(?!\s*(?:ms|milliseconds?|s\b|secs?|seconds?|hz|khz|bpm|%|/|:))", masked)
        if not m and amount not in ("big", "strong") and _INTENSE.search(masked):
            amount = "big"  # "way too loud", "barely audible"
        if not m and amount == "-" and re.search(_STRONG, masked):
            amount = "strong"  # "sink them"
        db = abs(float(m.group(1))) if m else {"tiny": TINY_DB, "small": SMALL_DB, "big": BIG_DB, "strong": STRONG_DB}.get(amount, DEFAULT_DB)
        if db == 0:
            raise PlanningError(f'"{masked}": a change of 0 dB changes nothing; say how many dB')
        return {"db": db if op == "up" else -db}
    if op in ("later", "earlier"):
        m = re.search(_NUMBER + r"\s*(ms|milliseconds?|s|secs?|seconds?)\b", masked)
        v = abs(float(m.group(1))) / (1000 if m.group(2).startswith("m") else 1) if m else DEFAULT_SECONDS
        return {"seconds": v if op == "later" else -v}
    if op == "reverb":
        m = re.search(r"\blevel (?:of )?" + _NUMBER + "|" + _NUMBER + r"\s*(?:/|out of)\s*10\b|" + _NUMBER + r"$", masked)
        if m:
            return {"level": float(next(g for g in m.groups() if g))}
        if re.search(_REVERB_SMALL, masked) or re.search(_SMALL, masked) or re.search(r"\b(?:small|light|subtle)\b", masked):
            amount = "small"  # the rules' words for a reverb's size, one list for both
        elif re.search(_REVERB_HUGE, masked) or re.search(_BIG, masked):
            amount = "big"
        return {"level": {"small": SMALL_REVERB, "big": BIG_REVERB}.get(amount, DEFAULT_REVERB)}
    return {}


def _unnamed(c: rt.ClauseText) -> str:
    """The clause as written, with the sounds' names taken out where a name holds a place word ("left speaker")."""
    text = c.raw
    for m in c.mentions:
        if rt.PLACE_WORD.search(m.label or m.said):
            text = text.replace(m.said, " ")
    return text


def said_place(masked: str, to_add: bool = False) -> str | None:
    """The place a clause names in the rules' words ("a hair left" is left front), where it names one; a sound
    to add is put where it is said to come from or be at too ("add a whistle from the right")."""
    if re.search(r"\b(?:lef|rigth|rihgt|riht|lft|rght|centr|cntr|l|r)\b", masked):
        return None  # a misspelt place is the learned reader's to read
    found = []
    for rx, loc in _LOC_RES:  # in the rules' order: "a bit to the left" is read before "left"
        for m in rx.finditer(masked):
            if to_add or m.group("prep") not in ("from", "at"):
                found.append(loc)
        masked = rx.sub(" ", masked)
    return found[0] if len(set(found)) == 1 else None


def _add_name(raw: str) -> str:
    text = _ADD_LEVEL.sub(" ", raw)
    for words in sorted((w for ws in rt.W.LOCS.values() for w in ws if len(w) > 2), key=len, reverse=True):
        text = re.sub(rf"\b(?:on |to |at |from |in )?(?:the )?{re.escape(words)}\b", " ", text)
    for words in sorted((w for ws in rt.W.ADD_LEVEL.values() for w in ws), key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(words)}\b", " ", text)
    text = re.sub(r"\b(?:just )?under the mix\b|\bnearby\b", " ", text)
    drop = rt.STOP | {w for t in rt.W.ADD for w in re.findall(r"[a-z]+", t) if w not in ("s", "loc")}
    names = [w for w in re.findall(r"[\w'-]+", text) if w not in drop and not w[0].isdigit()]
    return " ".join(names)


@functools.lru_cache(maxsize=1)
def _tone_words() -> dict[str, frozenset[str]]:
    """Words that say each tone in the designer's wording (a tone read without one is a guess)."""
    generic = rt.STOP | rt.RELATIONS | {"make", "sound", "like", "effect", "more", "less", "through", "from", "filter"}
    return {q: frozenset(w for t in texts for w in re.findall(r"[a-z]+", t.lower()) if len(w) > 2 and w not in generic)
            for q, texts in rt.W.TIMBRE.items()}


def _says_tone(masked: str, quality: str) -> bool:
    words = set(re.findall(r"[a-z]+", masked))
    vocab = _tone_words()[quality]
    return bool(words & vocab) or any(len(w) >= 5 and _osa(w, v) <= 1 for w in words for v in vocab)


def _restates(old: Step, new: Step) -> bool:
    if old.op != new.op or old.target != new.target or old.op in ("add", "remove", "extract"):
        return False
    if old.op == "volume":
        return (old.db > 0) == (new.db > 0)
    return old.op in ("reverb", "shift", "direction") or old.quality == new.quality


def _vaguer(new: Step, old: Step) -> bool:
    """``new`` carries only the default amount where ``old`` says one."""
    if new.op == "volume":
        return abs(new.db) == DEFAULT_DB and abs(old.db) != DEFAULT_DB
    if new.op == "shift":  # "early by 3 frames at 25 fps, push them later"
        return abs(new.seconds) == DEFAULT_SECONDS and abs(old.seconds) != DEFAULT_SECONDS
    return new.op == "reverb" and new.level == DEFAULT_REVERB and old.level != DEFAULT_REVERB
