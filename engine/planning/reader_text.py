"""The reader's text side: clauses, the sources each names (typos forgiven) and the words left unexplained.

A source is found wherever its label's words are written, whole or by a studio alias, one slip of the
fingers allowed in a long word; the found name becomes ``<x>`` for the learned reader. A name that fits
two labels is ambiguous, and a name whose words are not in the label ("backing vocals" with only a lead
vocal) is not that label: both are refused by the planner, never mapped to the nearest label.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from smartdj.bridge import labels as lab
from smartdj.engine.data import phrasing_words as W
from smartdj.engine.data.phrasing import PLACEHOLDER  # the designer writes it, the reader finds it
from smartdj.engine.planning.grounding import ALIASES
from smartdj.engine.planning.rules_pre import _osa, english_words
from smartdj.engine.planning.rules_words import _NUMBER_WORDS, PICTURE, PURPOSE, PURPOSE_FIRST, common_forms

_SPLIT = re.compile(r"\s*(?:[;!?\n]+|,|\.(?=\s|$)|\s/\s|\s->\s|\s-\s|\s&\s)\s*|\s+(?:and then|and also|then|also|plus|"
                    r"and|but|after that|while|afterwards|next)\s+")
PRONOUNS = frozenset({"it", "its", "that", "this", "them", "em", "'em", "both", "those", "these", "they", "him", "her",
                      "one"})
RELATIONS = frozenset({"under", "over", "behind", "beneath", "below", "above", "than", "against", "around", "from",
                       "underneath", "past", "beside", "versus", "vs", "covering", "masking", "drowning", "burying",
                       "hiding", "overpowering", "swamping", "compared", "relative", "next", "crowding",
                       "fighting", "wrecking", "ruining", "louder", "quieter", "softer"})
# "... so it sits better", "... for that bonham sound": why, not what
ADD_VERB = re.compile(r"\b(?:add|adds|adding|throw in|bring in|layer|mix in|sprinkle|insert|drop in|introduce|put in|"
                      r"we need|give me some|stick in|lay in|want some)\b")
PLACE_WORD = re.compile(r"\b(?:left|right|l|r|lft|rght|centre|center|middle|mid|front|side|lef|rigth|rihgt|riht|"
                        r"centr|cntr)\b")
_MODIFIER_ONLY = re.compile(r"(?:(?:at [+-]?\d+(?:\.\d+)? ?db|like|about|around|roughly|maybe|just|very|really|almost|by|at|with|and|the|a|"
                            r"\d+(?:\.\d+)?|db|ms|s|seconds?|level|small|big|subtle|faint|quiet|loud|distant|"
                            r"(?:hard |far |slightly |a bit |a little )?(?:left|right|center|centre|middle|front)|"
                            r"(?:a )?(?:tiny |little )?(?:bit|touch|hair|tad|lot)|"
                            r"in the (?:distance|background|back)|under the mix|nearby|overhead|in|on|to|over|both|each|"
                            r"all|of them)\s*)+")
BARE = frozenset({"the", "a", "an", "my", "our", "your", "his", "her", "their", "and", "then", "please", "pls", "ok",
                  "okay", "so", "now", "also", "plus", "with", "sound", "sounds", "track", "part", "of", "on"})
STOP = frozenset("""a an the to of on in at by for with from into onto up down over out off some any my our your
its it is are was be been being and or but so then just please can could would you we i me us let lets let's do does
this that these those them em both one all more less much very really too also as well same again same way bit
little lot make get give put have has had want need needs should like sound sounds track part mix whole thing here
there now ok okay hey yo um uh alright maybe think please thanks thx pls lol if not no don't dont about around
roughly approximately each honestly basically probably moderately kinda sorta pretty quite super totally definitely
literally whole entire just""".split())


@functools.lru_cache(maxsize=1)
def template_words() -> frozenset[str]:
    """Every word the wide designer uses around a name: such a word next to a name is not part of it."""
    texts: list[str] = []
    for value in vars(W).values():
        if isinstance(value, list):
            texts.extend(v for v in value if isinstance(v, str))
        elif isinstance(value, dict):
            for v in value.values():
                texts.extend(v if isinstance(v, list) else [])
    return frozenset(w for t in texts for w in re.findall(r"[a-z]+", t.lower())) | STOP


@functools.lru_cache(maxsize=4096)
def _near_known(word: str) -> tuple[str, ...]:
    """The designer's words one slip from ``word`` ("brigther" -> "brighter")."""
    if len(word) < 3:
        return ()
    return tuple(k for k in template_words() if len(k) >= 3 and abs(len(k) - len(word)) <= 1 and _osa(word, k) <= 1)


def _slip_of_known(word: str) -> bool:
    """A typo of a word the designer uses: not an unknown name."""
    return bool(_near_known(word))


@dataclass
class Mention:
    label: str | None  # None: the name fits no label (``fits`` says which it could be when ambiguous)
    said: str
    fits: list[str] = field(default_factory=list)
    reference: bool = False  # named only to place another sound ("tuck the pads under the vocal")


@dataclass
class ClauseText:
    raw: str
    masked: str
    mentions: list[Mention]
    pronoun: bool
    leftover: list[str]  # words that are neither a name nor the designer's wording: an unknown sound?


def normalise(text: str) -> str:
    text = common_forms(text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", " - ")
    text = re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b(?= ?(?:db|dbs|decibels?|ms|milliseconds?|secs?|seconds?|s|"
                  r"beats?|bars?|notches)\b)|(?:(?<=\bby )|(?<=\bup )|(?<=\bdown ))(" + "|".join(_NUMBER_WORDS)
                  + r")\b(?=\s*(?:$|[,;.]|and\b|then\b))",
                  lambda m: _NUMBER_WORDS[m.group(1) or m.group(2)], text)
    text = re.sub(r"\ba couple(?: of)?(?= ?(?:db|decibels?|dbs)\b)", "2", text)
    text = re.sub(r"\bhalf an? (?=db|decibel)", "0.5 ", text)
    text = re.sub(r"\ban? (?=db\b|decibel\b)", "1 ", text)
    text = re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r") and a half\b", lambda m: _NUMBER_WORDS[m.group(1)] + ".5", text)
    text = re.sub(r"\b(\d+) and a half\b", r"\1.5", text)
    text = re.sub(r"\((\d+(?:\.\d+)?)\)", r"level \1", text)  # "more verb (3)"
    text = re.sub(r"\b(\w+er) then\b", r"\1 than", text)  # "louder then the host"
    text = re.sub(r"\b(\w{4,})-?ish\b", r"\1", text)  # "medium-ish", "megaphone-ish"
    text = re.sub(r"(?<=\w) n (?=\w)", " and ", text)
    text = re.sub(r"(?<=\w) r (?=\w)", " are ", text)
    text = re.sub(r"\ba (second|sec) and a half\b", "1.5 seconds", text)
    text = re.sub(r"\bhalf as loud\b", "down 6 db", text)
    text = re.sub(r"\btwice as loud\b", "up 6 db", text)
    text = re.sub(r"\bhalf an? (?:second|sec)\b", "0.5 seconds", text)
    text = re.sub(r"\b(?:a|one) (?:second|sec)\b", "1 seconds", text)
    text = re.sub(r"(\d)\s*(db|dbs|decibels?)\b", r"\1 db", text)
    return " ".join(text.split())


def split(text: str) -> list[str]:
    """Clauses, each without its purpose tail; a fragment that only adds an amount or a place ("15 ms",
    "front", "very small") joins the clause before it."""
    out: list[str] = []
    pieces = _SPLIT.split(text)
    for i, part in enumerate(pieces):
        if i < len(pieces) - 1 and PURPOSE_FIRST.fullmatch((part or "").strip(" .,'\"")):
            continue  # "to make space for the vocal, ...": why, not what
        part = PURPOSE.sub("", part or "").strip(" .,'\"")
        part = re.sub(r"^(?:(?:and|then|also|plus|but|so|&)\s+)+", "", part)
        if out and PICTURE.match(part):
            continue  # "muffled, like it's down the hall": a picture of the edit before
        if not part:
            continue
        if out and _MODIFIER_ONLY.fullmatch(part + " ") and (not PLACE_WORD.search(part) or ADD_VERB.search(out[-1])):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def _respell(words: list[str], vocab: set[str]) -> list[str]:
    """A word one slip from exactly one label word (two for 8+ letters) becomes it; real words stay."""
    english = english_words()
    out = []
    for w in words:
        if len(w) < 4 or w in vocab or w in english or not w.isalpha():
            out.append(w)
            continue
        limit = 2 if len(w) >= 8 else 1
        near = {v for v in vocab if abs(len(v) - len(w)) <= limit and _osa(w, v, limit) <= limit}
        if not near:  # a slip in the wording itself ("brigher", "dwon"), when it fits exactly one known word
            near = set(_near_known(w))
        out.append(near.pop() if len(near) == 1 else w)
    return out


def _match(span: str, labels: list[str]) -> Mention | None:
    found = lab.ground(span, labels, ALIASES, strict=True)
    if found:
        return Mention(found, span)
    fits = lab.candidates(span, labels, ALIASES)
    return Mention(None, span, fits) if len(fits) > 1 else None


def read_clause(raw: str, labels: list[str]) -> ClauseText:
    vocab = {w for label in labels for w in lab.words(label)} | set(ALIASES)
    words = _respell(re.findall(r"<x>|[+-]?\d+(?:\.\d+)?|[\w'-]+|[^\s\w]", raw), vocab)
    known = template_words()
    out: list[str] = []
    mentions: list[Mention] = []
    i = 0
    while i < len(words):
        hit = None
        for size in range(min(5, len(words) - i), 0, -1):
            span = words[i:i + size]
            if all(w in known or not w[0].isalpha() for w in span) and not any(w in vocab for w in span):
                continue  # "should sit" names no sitar
            if not any(w[0].isalpha() for w in span) and (
                    i and words[i - 1] in ("up", "down", "by", "to", "at", "level", "+", "-", "about", "like")
                    or i + size < len(words) and words[i + size] in ("db", "ms", "s", "seconds", "dbs")):
                continue  # "down 2" names no "violin 2" (but "808 up 2" names the 808)
            hit = _match(" ".join(span), labels)
            if hit and size == 1 and span[0] in known and any(m.label == hit.label for m in mentions):
                hit = None  # "distant voices a bit more distant": the word, not the sound again
            if hit:
                break
        if hit is None:
            out.append(words[i])
            i += 1
            continue
        before = out[-1] if out else ""
        if (hit.label and before not in known and before not in vocab and before not in RELATIONS and len(before) > 2
                and before in english_words()):
            hit = Mention(None, f"{before} {hit.said}")  # "backing vocals" is not "lead vocal"
            out.pop()
        if out and out[-1] == PLACEHOLDER and hit.label:
            hit = Mention(None, f"{mentions[-1].said} {hit.said}")  # "heart monitor beeps": one name, two labels
            mentions.pop()
            out.pop()
        rel = [w for w in out[-3:] if w not in ("the", "my", "our", "that", "this", "a")]
        hit.reference = bool(rel) and rel[-1] in RELATIONS
        mentions.append(hit)
        out.append(PLACEHOLDER)
        i += size
    leftover = [w for w in out if w.isalpha() and w not in known and w not in vocab and len(w) > 2
                and not _slip_of_known(w)]
    pronoun = any(w in PRONOUNS for w in out) or "'em" in raw
    return ClauseText(raw, " ".join(out), mentions, pronoun, leftover)


def segments(c: ClauseText) -> list[ClauseText]:
    """One clause per named sound when each has its own edit ("banjo up 2 fiddle down 2")."""
    words = c.masked.split()
    marks = [i for i, w in enumerate(words) if w == PLACEHOLDER]
    if len(marks) < 2 or len(marks) != len(c.mentions):
        return [c]
    cuts = [0]
    for k in range(1, len(marks)):
        between = words[marks[k - 1] + 1: marks[k]]
        if not c.mentions[k].reference and any(w not in BARE and w not in ("and", ",") for w in between):
            cuts.append(marks[k])
    if len(cuts) == 1:
        return [c]
    out = []
    for a, b in zip(cuts, cuts[1:] + [len(words)], strict=True):
        part = words[a:b]
        mentions = [c.mentions[k] for k, i in enumerate(marks) if a <= i < b]
        said = iter(m.said for m in mentions)
        raw = " ".join(next(said) if w == PLACEHOLDER else w for w in part)
        out.append(ClauseText(raw, " ".join(part), mentions, any(w in PRONOUNS for w in part),
                              [w for w in c.leftover if w in part]))
    return out


_EDIT_NOUN = re.compile(r"\b(?:reverb|verb|echo|hall|room|space|plate|tone|sound|effect|filter|fx|level|amount|db|ms|"
                        r"milliseconds?|seconds?|secs?|notes?|beats?|bars?|phone|telephone|radio|megaphone|bullhorn|"
                        r"walkie|intercom|speaker|underwater|line|call)\b")
_UNIT_WORD = re.compile(r"(?:ms|milliseconds?|seconds?|secs?|notes?|beats?|bars?|db|decibels?)")


def modifiers_only(c: ClauseText, p: float) -> bool:
    """Unknown words after the sound is named, in a clause read with confidence ("give the piano a nice concert
    hall reverb"), describe the edit; an unknown word before any name may be a sound not in the mix."""
    words = c.masked.split()
    if PLACEHOLDER not in words or p < 0.9:
        return False
    first = words.index(PLACEHOLDER)
    # ... and only where they come before what they describe ("concert hall reverb"); "more excited" is the edit itself
    return all(_UNIT_WORD.fullmatch(w) or (w in words[first + 1:] and w not in words[:first]
               and _EDIT_NOUN.search(" ".join(words[words.index(w) + 1:]))) for w in c.leftover)


# Left to the rules, which read them exactly: negation, "except", and self-correction.
LEAVE_TO_RULES = re.compile(r"\b(?:don'?t|do not|doesn'?t|not|never|shouldn'?t|isn'?t|aren'?t|no longer|nothing|stop|"
                             r"except|but for|all but|apart from|other than|besides|everything|everyone|everybody|all of it|any|"
                             r"instead|rather|actually|scratch that|i mean|at the same time|opposite|other side|scoop|mids|lows|low end|"
                             r"frequenc\w*|in line|on the beat|in time|dub|echo|no|than (?:i|we|it should)|less (?:quiet|soft|distant|far|low))\b|n't\b|\b(?:move|push|slide|nudge|shift)\b.*\bback\b")
KEEP_ONLY = re.compile(r"(?:(?:i |we )?(?:only|just) (?:want |need )?(?:(?:keep|give me|leave(?: me)?(?: with)?) )?|"
                        r"(?:keep|leave) (?:only|just) |only keep )(?:the |my |our )?(?:<x>(?: and )?)+"
                        r"(?: (?:stem|track|audio|mic))?(?: (?:please|pls|plz))?")


def all_of_them(m: Mention, raw: str) -> bool:
    """A name for several sources at once: "both guitars", "all the guitars", "guitars" when each label is one."""
    plural = m.said.endswith("s") and not any(f.endswith("s") for f in m.fits)
    return plural or re.search(r"\b(?:both|all)\b", raw) is not None


DESCRIBES = re.compile(r"^(?:the |my |our )?<x>(?:'s| is| are| was| were| sounds?| seems?| feels?| gets?| keeps?)\b")
