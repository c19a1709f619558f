"""The one label matcher: how every layer decides which source label a name in a step refers to.

Planners ground what a user calls a sound, the composer finds the sources a step's target names,
the sound library finds a clip for an add, and the plan check holds a model's targets to the
labels: all of them normalise text the same way here (case and punctuation aside, so a take
named ``mix20.wav`` is the target ``mix20 wav``) and score shared words the same way.
Standard library only: REAPER can check a plan with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# Words that say nothing about which sound is meant.
GENERIC = frozenset({"the", "a", "an", "of", "sound", "sounds", "noise", "noises", "track", "part", "some", "my",
                     "our", "that", "this", "those", "these", "one", "bit", "stuff", "thing", "in", "on", "and",
                     "at", "to", "with"})


NOISE_KINDS = frozenset({"background", "ambient", "white", "pink", "brown", "surface", "line", "floor"})
_VOICE_WORDS = frozenset({"vocal", "vox", "voice", "singer", "vocalist", "lead"})


_DIGITS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
           "nine": "9", "ten": "10"}


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


def normalise(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces, number words as digits: ``"Mix20.WAV"`` -> ``"mix20 wav"``,
    ``"speaker two"`` -> ``"speaker 2"``."""
    words = re.sub(r"[^a-z0-9]+", " ", re.sub(r"'s\b", "", text.casefold())).split()

    def number(i: int, w: str) -> str:
        if i == 0:
            return w
        if i == len(words) - 1 and w in _ROMAN:  # "Violins II": a roman numeral ends a name
            return _ROMAN[w]
        return _DIGITS.get(w, w)

    return " ".join(number(i, w) for i, w in enumerate(words))


def same(a: str, b: str) -> bool:
    """The same label, case, spacing and punctuation aside."""
    return normalise(a) == normalise(b)


def clean(label: str) -> str:
    """'drum kit break beat (Amen break loop)' -> 'drum kit break beat'; "woman speaking: 'hi'" -> 'woman speaking'."""
    s = re.sub(r"\([^)]*\)", " ", label).split(":", 1)[0]
    return " ".join(s.split()) or label


def stem(word: str) -> str:
    w = word.lower()
    if w.endswith("ies") and len(w) >= 6:
        return w[:-3] + "y"  # "harmonies" -> "harmony"
    for suffix in ("ing", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


def words(text: str) -> list[str]:
    return normalise(text).split()


def content_words(text: str) -> set[str]:
    """Stems of the words that name the sound ("the dogs barking" -> {"dog", "bark"})."""
    return {stem(w) for w in words(text) if w not in GENERIC}


def _contains(outer: str, inner: str) -> bool:
    return bool(inner) and re.search(rf"(?<![a-z0-9]){re.escape(inner)}(?![a-z0-9])", outer) is not None


def find(target: str, labels: Sequence[str]) -> list[int]:
    """Indices of the labels ``target`` names, best tier only: exact, same when normalised, one inside the
    other, then most shared content words; [] when none shares a word. Every label of the best tier is
    returned ("dog" names both "dog barking" and "dog growling")."""
    t = " ".join(target.split())
    n = normalise(t)
    tiers = [
        lambda lb: lb == t,
        lambda lb: normalise(lb) == n,
        lambda lb: n in normalise(lb) or normalise(lb) in n if n and normalise(lb) else False,
    ]
    for test in tiers:
        hits = [i for i, lb in enumerate(labels) if test(lb)]
        if hits:
            return hits
    tw = content_words(t)
    scores = [len(tw & content_words(lb)) for lb in labels]
    best = max(scores, default=0)
    return [i for i, s in enumerate(scores) if s == best] if best > 0 else []


def closest(name: str, candidates: Sequence[str], min_overlap: float = 0.5) -> str | None:
    """The candidate sharing the largest fraction of words with ``name`` (at least ``min_overlap``)."""
    want = content_words(name)
    if not want:
        return None
    best, best_score = None, 0.0
    for c in candidates:
        have = content_words(c)
        score = len(want & have) / len(want | have) if have else 0.0
        if score > best_score:
            best, best_score = c, score
    return best if best_score >= min_overlap else None


def _covers(word: str, label_words: set[str], aliases: Sequence[str] = ()) -> int:
    """2 when a label word is ``word``, 1 when one is a prefix of the other (3+ letters) or an alias, else 0."""
    if word in label_words:
        return 2
    for lw in label_words:
        short, long_ = sorted((word, lw), key=len)
        if len(short) >= 3 and long_.startswith(short):
            return 1
        if len(word) >= 4 and len(lw) - len(word) >= 3 and lw.endswith(word):
            return 1  # "gulls" for "seagulls"
    return 1 if any(stem(a) in label_words for a in aliases) else 0


def ground(name: str, labels: Sequence[str], aliases: Mapping[str, Sequence[str]] | None = None,
           strict: bool = False) -> str | None:
    """The one label ``name`` clearly names by text, whole words or (aliased) word overlap; None if unclear.

    ``strict``: every content word of ``name`` must be in the label (as a word, a prefix or an alias),
    so "backing vocals" never grounds to "lead vocal" and "trumpet" never to "trombone".
    """
    if not labels:
        return None
    n = normalise(name)
    for label in labels:
        if normalise(label) == n or normalise(clean(label)) == n:
            return label
    joined = [lb for lb in labels if normalise(lb).replace(" ", "") == n.replace(" ", "") != ""]
    if len(joined) == 1:  # "hihat" for "hi-hat", "adlibs" for "ad-libs"
        return joined[0]
    if strict:
        found = _ground_strict(name, labels, aliases or {})
        kind = re.fullmatch(r"(.+?)\s+(?:voice|vocals?|vox|mics?|tracks?|stems?|part|channels?|audio|bed)", n)
        if found is None and kind and not candidates(name, labels, aliases):  # "teacher voice" is the teacher
            found = next((lb for lb in labels if normalise(lb) == kind.group(1)), None) or (
                _ground_strict(kind.group(1), labels, aliases or {}))  # "room mic" is the Piano Room
        return found
    hits = [lb for lb in labels if n and (_contains(normalise(lb), n) or _contains(n, normalise(clean(lb))))]
    if len(hits) == 1:
        return hits[0]
    want = content_words(name)
    if not want:
        return None
    expanded = set(want)
    for w in words(name):
        expanded.update(stem(a) for a in (aliases or {}).get(w, ()))
    scored = sorted(((len(want & content_words(lb)), len(expanded & content_words(lb)), -len(content_words(lb)), lb)
                     for lb in (hits or labels)), reverse=True)
    best = scored[0]
    if best[0] == 0 and best[1] == 0:
        return None
    tied = [s[3] for s in scored if s[:2] == best[:2]]
    if len(tied) == 1:
        return best[3]
    cover = sorted(((len(expanded & content_words(clean(lb))) / max(1, len(content_words(clean(lb)))), lb)
                    for lb in tied), reverse=True)
    return None if cover[0][0] == cover[1][0] else cover[0][1]


def _named_words(text: str, label: bool = False) -> list[str]:
    """Content words, keeping "one" after a name word ("speaker one" is not "speaker two") and the noise of a
    compound ("background noise" is not the background music)."""
    ws = words(text)
    return [stem(w) for i, w in enumerate(ws) if w not in GENERIC or (w == "one" and i and ws[i - 1] not in GENERIC)
            or (label and len(w) == 1 and i and ws[i - 1] not in GENERIC)
            or (w in ("noise", "noises") and i and ws[i - 1] in NOISE_KINDS)]


def _strict_scores(name: str, labels: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> list[tuple]:
    want = _named_words(name)
    if not want:
        return []
    raw = {stem(w): w for w in words(name)}
    covering = [lb for lb in labels if all(_covers(w, set(_named_words(lb, True)), aliases.get(raw.get(w, w), ())) for w in want)]
    # "the vocal" is the lead vocal when the others are backing vocals, not when there is a harmony vocal too
    backing_only = all(set(words(lb)) & {"lead", "main", "backing", "background", "bgv", "bgvs"} or words(lb)[-1].endswith("s")
                       for lb in covering)
    scored = []
    for label in labels:
        lw = set(_named_words(label, True))
        cover = [_covers(w, lw, aliases.get(raw.get(w, w), ())) for w in want]
        if all(cover):
            # "the guitar" is not the lead guitar
            lead = int(bool(lw & {"lead", "main"}) and bool(set(want) & _VOICE_WORDS) and backing_only)
            bass = -int("bass" in words(label) and "bass" not in words(name))  # musicians' "guitar" is never the bass guitar
            # "bgvs" (backing, vocal) is the backing vocals more than the lead vocal
            hits = sum(len({stem(a) for a in aliases.get(raw.get(w, w), ())} & lw) for w in want if w not in lw)
            scored.append((sum(cover), hits, -len(lw - set(want)), lead + bass, label))
    return sorted(scored, reverse=True)


def _ground_strict(name: str, labels: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> str | None:
    scored = _strict_scores(name, labels, aliases)
    if not scored or (len(scored) > 1 and (scored[0][:2], scored[0][3]) == (scored[1][:2], scored[1][3])):
        return None  # "the guitar" with an acoustic and an electric guitar: ask, never guess
    return scored[0][4]


def candidates(name: str, labels: Sequence[str], aliases: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """The labels ``name`` could equally mean when it names no one label ("guitar": acoustic or electric)."""
    scored = _strict_scores(name, labels, aliases or {})
    return [s[4] for s in scored if s[:4] == scored[0][:4]] if scored else []
