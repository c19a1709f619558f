"""Beats and bars at a stated tempo, read as seconds ("one beat later at 150 bpm" is 0.4 s later); without a tempo,
refused."""

from __future__ import annotations

import re

from smartdj.engine.planning.base import PlanningError

_N = r"\d+(?:\.\d+)?"
_NOTE = {"beat": 1.0, "beats": 1.0, "quarter": 1.0, "quarter note": 1.0, "8th": 0.5, "eighth": 0.5, "8th note": 0.5,
         "eighth note": 0.5, "16th": 0.25, "sixteenth": 0.25, "16th note": 0.25, "half note": 2.0, "half beat": 0.5,
         "bar": 4.0, "bars": 4.0, "measure": 4.0, "measures": 4.0, "full bar": 4.0,
         "1/4 note": 1.0, "1/8 note": 0.5, "1/16 note": 0.25, "1/2 note": 2.0, "1/8": 0.5, "1/16": 0.25}
_COUNT = {"3/4": 0.75, "1/2": 0.5, "1/4": 0.25, "2/3": 2 / 3, "1/3": 1 / 3, "3/4 of a": 0.75, "1/2 of a": 0.5, "1/4 of a": 0.25, "2/3 of a": 2 / 3, "1/3 of a": 1 / 3, "a half": 0.5, "a": 1.0, "an": 1.0, "one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "half a": 0.5, "a full": 1.0}
# "the song's at 60bpm", "@ 80 bpm", "track is 150 bpm": the whole statement goes, not only the number
_TEMPO_SUBJ = (r"(?:\b(?:the )?(?:song|track|tune|piece|project|session|tempo|cue)(?:'s| is| =)? (?:at |@ ?|of |around |about )?|"
               r"\b(?:we're|we are|it's|its|it is) (?:at |@ ?)?|\bat |@ ?)")
_TEMPO = re.compile(rf"(?:,\s*)?(?:{_TEMPO_SUBJ}?(?:(?:in )?(?:4/4|3/4|6/8) (?:at |@ ?)?)?({_N}) ?bpm\b|"
                    rf"\btempo(?:'s| is| of| =| at)? ?({_N})\b(?: ?bpm\b)?|@ ?({_N})\b(?: ?bpm\b)?|"
                    rf"\b(?:4/4|3/4|6/8)(?: time)?(?: at| @)? ({_N})\b(?: ?bpm\b)?|"
                    rf"\b(?:the )?(?:song|track|tune|piece)(?:'s| is) (?:at )?({_N})\b(?: ?bpm\b)?|"
                    rf",?\s*\bbpm(?: is| =| of| at|:)? ({_N})\b|"
                    rf"\bat ({_N})\b(?!\s*(?:db|dbs|decibels?|ms|milliseconds?|s|secs?|seconds?|%|percent)\b))")
_METER = re.compile(r"(?:\b(?:it's|its|it is|we're|we are|we're in|this is) )?(?:\bin )?\b(?:3/4|6/8|4/4|2/4)(?: time)?(?![\d/])")
_MUSICAL = re.compile(rf"\b((?:3/4|1/2|1/4|2/3|1/3)(?: of a)?|a half|{_N}|a full|half a|an|a|one|two|three|four) ?(?:(triplet|dotted) )?"
                      r"(1/16 notes?|1/8 notes?|1/4 notes?|1/2 notes?|1/16|1/8|16th note|16th|sixteenth|8th note|8th|eighth note|"
                      r"eighth|quarter note|quarter|half note|half beat|beats?|full bar|bars?|measures?)\b(?![\d/])")


_FRAMES = re.compile(rf"\b({_N}|a|an|one|two|three|four) frames?\b")
_FPS = re.compile(rf"(?:,\s*)?\(?\s*(?:at |@ ?)?({_N}) ?(?:fps|frames? (?:per|a) second)\b\)?")


def _video_frames(text: str) -> str:
    """'3 frames earlier at 25 fps' -> 'by 0.12 seconds earlier'; frames without a frame rate are refused."""
    m = _FRAMES.search(text)
    if not m:
        return text
    rate = _rate(_FPS, text, m, 'the frame rate (e.g. "at 25 fps") to move a sound by frames')
    count = _COUNT.get(m.group(1)) or float(m.group(1))
    return _in_seconds(text, m, round(count / float(rate.group(1)), 3), _FPS)


def _rate(pattern: re.Pattern, text: str, m: re.Match, say: str) -> re.Match:
    found = pattern.search(text)
    if not found:  # a length in beats or frames means nothing without its rate: refused, never guessed
        raise PlanningError(f'"{m.group(0)}": say {say}')
    return found


def _in_seconds(text: str, m: re.Match, seconds: float, rate: re.Pattern) -> str:
    """The amount at ``m`` said in seconds, and the rate that gave it (a tempo, a frame rate) taken out."""
    start = m.start() - 3 if text[: m.start()].endswith("by ") else m.start()
    said = f"{text[:start]}by {seconds:g} seconds{text[m.end():]}"  # the amount first: the rate comes after it
    r = rate.search(said)
    return " ".join((said[: r.start()] + " " + said[r.end():]).split())


def musical_time(text: str) -> str:
    """'one beat later at 150 bpm' -> 'by 0.4 seconds later'; beats or bars without a tempo are refused, and
    video frames ('3 frames at 25 fps') are read the same way."""
    text = _video_frames(text)
    text = re.sub(r"(?<![\w/])(?<!\d )(1/(?:2|4|8|16) note)\b", r"one \1", text)  # "1/8 note later": one of them
    m = _MUSICAL.search(text)
    if not m:
        return text
    t = _rate(_TEMPO, text, m, 'the tempo (e.g. "at 120 bpm") to move a sound by beats or bars')
    bpm = float(next(g for g in t.groups() if g))
    count = _COUNT.get(m.group(1)) or float(m.group(1))
    note = m.group(3).removesuffix("s") if m.group(3).startswith("1/") else m.group(3)
    beats = _NOTE[note] * {"triplet": 2 / 3, "dotted": 1.5}.get(m.group(2) or "", 1.0)
    meter = re.search(r"\b(?:in )?(3/4|6/8|4/4|2/4)\b(?! of| beat| note| bar)", text)
    if beats == 4.0 and meter:
        beats = {"3/4": 3.0, "6/8": 3.0, "2/4": 2.0}.get(meter.group(1), 4.0)
    return " ".join(_METER.sub(" ", _in_seconds(text, m, round(count * beats * 60.0 / bpm, 3), _TEMPO)).split())
