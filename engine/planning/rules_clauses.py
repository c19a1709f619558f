"""Cutting a rewritten request into clauses: talk is passed over, and amounts, sizes and places said apart
("by 5 dB, lower the piano", "needs verb, heavy", "and down a hair") join the clause they belong to."""

from __future__ import annotations

import re

from smartdj.engine.planning.rules_text import (
    _MODIFIER,
    _PREFIX,
    _has_number,
    _has_place_or_amount,
    _is_clause,
    _split,
    _strip_places,
    rewrite,
)
from smartdj.engine.planning.rules_words import _ADD, _LOC_RES, _NO_OP, _REVERB, PICTURE, is_chat

# a picture with one of these words says the edit itself ("like a telephone"), not only what it is like
_SAYS_EDIT = re.compile(r"\b(?:telephone|phone|radio|megaphone|walkie|underwater|speaker|bullhorn|intercom|muffled|tinny|"
                        r"bright|dark|warm|cold|reverb|verb|echo|hall|room|left|right|cent(?:er|re)|front|middle|loud|quiet|cathedral|church|"
                        r"cave|stadium|arena|canyon|tunnel|warehouse|bathroom|closet)|\d")


_TIME_FIX = re.compile(r"(?:move|shift|nudge|adjust|correct|fix|pull|push|bring|drag|slide)(?: it| them| that| em)?"
                       r"(?: back| over| forward| up| into place| in time)?(?: a (?:bit|little|touch|tad|hair))?(?: please)?")


_AMOUNT_ONLY = re.compile(r"(?:by )?(?:(?:like|about|around|roughly)\s+)?\d+(?:\.\d+)?\s*(?:db|ms|milliseconds?|s|secs?|seconds?)")


_SIZE_ONLY = re.compile(r"(?:like )?(?:(?:very|really|quite|pretty|super|fairly) )?(?:heavy|light|medium|big|huge|small|subtle|massive|"
                        r"lush|long|short|a lot|a little|a bit|a touch|lots|tons)|not too much|nothing crazy|nothing heavy|not much")


_LEVEL_ONLY = re.compile(r"(?:and )?(?:up|down|louder|quieter|softer)(?: by)?(?: (?:a (?:little |tiny )?(?:bit|hair|touch|tad|smidge)|"
                         r"a little|a lot|way|slightly|a couple|\d+(?:\.\d+)? ?db))?")


_VOLUME_CUE = re.compile(r"\b(?:louder|quieter|softer|up|down|lower|raise|boost|reduce|turn)\b")


def _places_a_sound(frag: str) -> bool:
    """A fragment that names a sound and where it goes, and nothing else ("the siren over to the right")."""
    if _is_clause(frag) or _has_number(frag) or re.search(_VOLUME_CUE, frag) or not _strip_places(frag):
        return False
    return any(m.group("prep") not in ("from", "at") for rx, _ in _LOC_RES for m in rx.finditer(frag))


def clauses_of(text: str) -> list[str]:
    """The rewritten request cut into clauses; talk passed over, amounts, sizes and places said apart joined to
    the clause they belong to."""
    clauses: list[str] = []
    first_amount = ""
    for frag in _split(text):
        if is_chat(frag) or (clauses and PICTURE.match(frag) and not _SAYS_EDIT.search(frag)):
            continue
        if first_amount and clauses == [] and not _has_number(frag):
            frag, first_amount = f"{frag} {first_amount}", ""  # "by 5 dB, lower the piano"
        elif not clauses and _AMOUNT_ONLY.fullmatch(frag):
            first_amount = frag if frag.startswith("by ") else f"by {frag}"
            continue
        if clauses and _TIME_FIX.fullmatch(frag) and re.search(r"\b(?:earlier|later)\b", clauses[-1]):
            continue  # "the hat is 20 ms late, move it": the complaint said which way
        if clauses and re.match(r"(?:do )?(?:the )?same\b", clauses[-1]) and _has_place_or_amount(frag) \
                and not _strip_places(frag):
            clauses[-1] = f"{clauses[-1]} {frag}"  # "same for the sax but slightly right"
            continue
        level = re.fullmatch(r"(?:turn )?(up|down) (?:(?:like|about|around|roughly|maybe|say) )?by (\d+(?:\.\d+)?) db", frag)
        if level and clauses and re.search(_ADD, clauses[-1]) and not _has_number(clauses[-1]):
            clauses[-1] += f" with {'-' if level.group(1) == 'down' else ''}{level.group(2)} db"  # "add X, quiet, like -25"
            continue
        kept = re.fullmatch(r"(?:and )?(?:keep|have|make) (?:it|them) ((?:nice and |really |very |pretty )?(?:quiet|soft|low|subtle|faint)"
                            r"(?: in the background)?|in the background|under everything|low in the mix)", frag)
        if kept and clauses and re.search(_ADD, clauses[-1]) and not _has_number(clauses[-1]):
            clauses[-1] = f"{clauses[-1]} {kept.group(1)}"  # "add a wolf howl, keep it quiet in the background"
            continue
        more = re.fullmatch(r"(?:and )?(?:by )?(\d+(?:\.\d+)?) ?db (more|louder|up|higher|less|quieter|down|lower|softer)", frag)
        if clauses and more:  # "a warmer tone and 1 dB more"
            way = "up" if more.group(2) in ("more", "louder", "up", "higher") else "down"
            clauses.append(rewrite(f"turn it {way} by {more.group(1)} db"))
            continue
        if clauses and _LEVEL_ONLY.fullmatch(frag) and not re.search(_VOLUME_CUE, clauses[-1]):
            clauses.append(rewrite(f"turn it {frag.removeprefix('and ')}"))  # "the fiddle slightly left and down a hair"
            continue
        if clauses and _AMOUNT_ONLY.fullmatch(frag) and not _has_number(clauses[-1]) and re.search(
                r"\b(?:earlier|later|shift|delay|nudge|move|slide)\b", clauses[-1]) and not frag.endswith("db"):
            clauses[-1] = f"{clauses[-1]} {frag if frag.startswith('by ') else 'by ' + frag}"  # "is late, 25 ms"
            continue
        if clauses and _SIZE_ONLY.fullmatch(frag) and re.search(_REVERB, clauses[-1]):
            clauses[-1] = f"{clauses[-1]} {frag}"  # "needs verb, heavy"
            continue
        if clauses and re.search(_ADD, clauses[-1]) and not any(rx.search(clauses[-1]) for rx, _ in _LOC_RES) \
                and _has_place_or_amount(frag) and not _strip_places(frag).strip() and not _has_number(frag):
            clauses[-1] += f" {frag}"  # "add a rumble behind everything, left front": where the new sound goes
            continue
        placed = re.fullmatch(r"(?:and )?(.+?),? (?:and )?(?:at |with )?([+-]?\d+(?:\.\d+)?) ?(?:db|decibels?)", frag)
        if placed and clauses and re.search(_ADD, clauses[-1]) and not _has_number(clauses[-1]) \
                and _has_place_or_amount(placed.group(1)) and not _strip_places(placed.group(1)).strip():
            clauses[-1] += f" {placed.group(1)} with {placed.group(2)} db"  # "add a rumble, left front, -12 dB"
            continue
        said = re.fullmatch(r"(?:add |and )?(?:at |with )?(?:(?:like|about|around|roughly|maybe|say|approx(?:imately)?)\s+)?"
                            r"([+-]?\d+(?:\.\d+)?)\s*(?:db|decibels?)?(?:\s+or so)?", frag)
        if said and clauses and not _has_number(clauses[-1]):  # "..., like +3 dB": the amount of the clause before
            if re.search(_ADD, clauses[-1]):
                clauses[-1] += f" with {said.group(1)} db"
                continue
            if said.group(1)[0] not in "+-" and re.search(_VOLUME_CUE, clauses[-1]):
                clauses[-1] += f" by {said.group(1)} db"
                continue
        if clauses and _MODIFIER.fullmatch(frag) and re.search(_ADD, clauses[-1]):
            clauses[-1] = f"{clauses[-1]} {frag}"  # "add rain on the left, a little louder": the add's level
        elif clauses and _is_clause(clauses[-1]) and _places_a_sound(frag) and not re.match(
                r"(?:pan|move|put|place|position|send|swing|stick|sit|shove)\b", re.sub(_PREFIX, "", clauses[-1])):
            clauses.append(rewrite(f"pan {frag.removeprefix('and ')}"))  # "..., and the siren over to the right"
        elif not clauses and _places_a_sound(frag) and re.fullmatch(r"(?:the )?zzlabel\d+zz .+", frag):
            clauses.append(rewrite(f"pan {frag}"))  # "seagulls hard right and down a bit"
        elif not clauses or _is_clause(frag) or _NO_OP.match(frag):
            clauses.append(frag)
        elif (_has_place_or_amount(frag) and _strip_places(frag)
              and (_has_place_or_amount(clauses[-1]) or re.search(r"\b(?:up|down)$", frag))):
            # "pan the bass left and the acoustic right": the second part reuses the verb
            verb = re.sub(_PREFIX, "", clauses[-1]).split(" ", 1)[0]
            if re.search(r"\b(?:up|down)$", frag):
                verb = "turn"  # "lose the fan, and speaker A a touch up": a level, not another removal
            clauses.append(rewrite(f"{verb} {frag}"))
        else:
            clauses[-1] = f"{clauses[-1]} and {frag}"
    return clauses
