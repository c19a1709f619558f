"""Back-references in a request: "both" and "all three" after clauses about one sound each, "him" or "her" for
the last person named, and words that can never be the name of a sound to add."""

from __future__ import annotations

import re

from smartdj.bridge.language import split_targets

_PERSON = re.compile(r"\b(?:chef|host|guest|narrator|bride|groom|singer|vocals?|vox|voice|speaker|caller|dj|foreman|"
                     r"officiant|interview(?:er|ee)|presenter|man|woman|boy|girl|child|kid|baby|commentator|referee|"
                     r"soprano|alto|tenor|dialogue|actor|actress|talking|speaking|speech)\b")


def _person(previous: list[str], mentioned: list[str], target: str) -> list[str]:
    """'him' / 'her' refer to the last person named, not to the last sound ("get rid of the fan and bring him up")."""
    words = set(target.split())
    if not words & {"him", "her", "he", "she"} or any(_PERSON.search(p) for p in previous):
        return previous
    person = next((m for m in reversed(mentioned) if _PERSON.search(m)), None)
    return [person] if person else previous


_NOT_A_SOUND = re.compile(r"\b(?:it|them|him|her|they|this|that|same|level|rest|everything|under|wide|other|round|way|"
                          r"side|mix|others|both|all)\b")


_COUNTED = {"both": 2, "both of them": 2, "them both": 2, "the two": 2, "the pair": 2, "all three": 3, "the three": 3,
            "all three of them": 3, "the three of them": 3, "all four": 4, "the four": 4}


def names_of(text: str) -> list[str]:
    return [re.sub(r"^(?:the|a|an|some|my|our)\s+", "", p.strip()) for p in split_targets(text)]


def _count_back(previous: list[str], mentioned: list[str], target: str) -> list[str]:
    """'both' after two clauses about one sound each means the last two sounds named ("whistle left, glock right,
    both a bit quieter"); 'all three' the last three."""
    said = re.search(r"\b(?:" + "|".join(sorted(_COUNTED, key=len, reverse=True)) + r")\b", target)
    n = _COUNTED[said.group(0)] if said else None
    if n is None or len(previous) >= n:
        return previous
    recent = list(dict.fromkeys(reversed(mentioned)))[:n]
    return recent[::-1] if len(recent) == n else previous
