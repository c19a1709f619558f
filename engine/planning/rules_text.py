"""The rule planner's text handling: normalising, splitting into clauses, respelling typos, rewriting idioms.

Everything here works on the lower-cased request before any operation is read from it.
"""

from __future__ import annotations

import re

from smartdj.bridge import labels as lab
from smartdj.engine.planning.rules_words import (
    _CUE_WORDS,
    _DOWN,
    _EXTRACT,
    _KNOWN_WORDS,
    _LOC_RES,
    _NUM,
    _NUMBER_WORDS,
    _OPPOSITE,
    _REVERB,
    _REVERB_HUGE,
    _REVERB_SMALL,
    _SHIFT,
    _TIMBRE,
    _UNIT,
    _UP,
    ONE_FIX_TONES,
    PURPOSE,
    PURPOSE_FIRST,
    common_forms,
)


def _respell(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Near-misses of cue words ("soloo", "revreb") corrected; placeholders and short words left alone."""
    import difflib

    fixes: list[tuple[str, str]] = []

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if len(word) < 4 or word in _CUE_WORDS or word in _KNOWN_WORDS or word.startswith("zzlabel"):
            return word
        close = difflib.get_close_matches(word, _CUE_WORDS, n=1, cutoff=0.8)
        if close:
            fixes.append((word, close[0]))
            return close[0]
        return word

    return re.sub(r"[a-z]+", fix, text), fixes


def _as_written(name: str, instruction: str) -> str:
    """A new sound's name as the user wrote it ("electric guitar chord (Em9)"), not as normalised."""
    words = re.findall(r"[\w']+", name)
    if not words:
        return name
    m = re.search(r"(?<![\w'])" + r"[\s()\[\]/-]*".join(map(re.escape, words)) + r"(?:\s*\))?(?![\w'])", instruction, re.I)
    if not m:
        return name
    found = m.group(0).strip()
    if found.count("(") > found.count(")"):
        found += ")"
    return found if found.count("(") == found.count(")") else name



_TONES = r"(?:cold|warm|bright|dark|muffled|dull|thin|harsh|shrill|tinny|piercing|brittle|sibilant|muddy|boomy|boxy|murky)"
_HEDGE = r"(?:(?:a bit|a little|kind of|kinda|really|so|very|quite|pretty|way|too) )?"
_WISHES_AND_COMPLAINTS = [  # read before anything else: they change which way an edit goes
    (r"\b(is|are|'s|sounds?|feels?|seems?) to (loud|quiet|soft|low|bright|dark|warm|cold|muffled|much)\b", r"\1 too \2"),
    (r"\b(is|are|'s|sounds?|feels?|seems?) (?:(?:so|really|too|a bit|kind of|kinda|way|very) )?"
     r"(?:far away|far off|distant|far back|too far back|buried|lost|swallowed)\b(?! from)", r"\1 too quiet"),
    (r"\b(?:i want|i'd like|i would like|we want|i need)(?: that)? ((?:the |my |our )?[\w' -]{1,30}?) "
     r"(?:is|are|to be|be) (?=(?:less|more|a bit|a little|much|way|quieter|louder|softer)\b)", r"make \1 "),
    (r"\b(?:less loud|not as loud)\b", "quieter"),
    (rf"\b(sounds?|is|are|'s|feels?) {_HEDGE}({_TONES}) and {_HEDGE}({_TONES})\b", r"\1 too \2 and too \3"),
]
_PLACES_SAID = [
    # "harp more front-right", "the voice more in left side": a place, not a level
    (r"\bmore (?:far )?(?:to(?:wards)? |in |on |over (?:to )?|into )?(?:the )?(?=(?:left|right|front|center|middle)\b)", "to the "),
    # "the cows are too far left, middle please": where it is now, not where it goes
    (r"\b(is|are|'s|sits?|sitting) (?:(?:too|way|a bit|a little|kind of|so|all the way) )*(?:far )?(?:to the |over on the )?"
     r"(?:left|right)(?: side)?(?=\s*[,;.])", r"\1 misplaced"),
]


def _normalise(text: str) -> str:
    s = common_forms(text).lower().replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ").replace("\u2014", ",")
    s = re.sub(r"\bw/\s*", "with ", s)
    for pattern, repl in _WISHES_AND_COMPLAINTS:
        s = re.sub(pattern, repl, s)
    s = re.sub(r"[!?\"()]", " ", s)
    s = re.sub(r"\bcentre\b", "center", s)
    for pattern, repl in _PLACES_SAID:
        s = re.sub(pattern, repl, s)
    s = re.sub(r"\bin front,? (?:just )?(?:a (?:little )?bit|slightly|a little|a touch) to the (left|right)\b", r"\1 front", s)
    s = re.sub(r"\b(?:cozy|cosy) and warm\b|\bwarm and (?:cozy|cosy)\b", "warm", s)
    s = re.sub(r"\bnice and (loud|quiet|soft|low)\b", lambda m: "loudly" if m.group(1) == "loud" else "quietly", s)
    for word, digit in sorted(_NUMBER_WORDS.items(), key=lambda kv: -len(kv[0])):
        s = re.sub(rf"\b{word}\s+(?=(?:more |extra )?{_UNIT})", digit + " ", s)
        s = re.sub(rf"\b(by|up|down|like|about|around|roughly|maybe) {word}\b(?= and a half\b|\s*(?:$|[,;.]|and\b|or so\b))",
                   rf"\1 {digit}", s)
    s = re.sub(r"\b((?:re)?verb)\b([^,;.\d]{0,30}?) at (\d+(?:\.\d+)?)\b(?!\s*(?:s|ms|secs?|seconds?|bpm|db|%))",
               r"\1\2 level \3", s)  # "verb them at 4": the level, not a place
    s = re.sub(r"\bget rid\b(?! of)", "get rid of it", s)
    s = re.sub(r"\ba quarter (?:of a )?second\b", "0.25 seconds", s)
    s = re.sub(r"\b(?:a|one) (decibel|db|second) and a half\b", r"1.5 \1s", s)
    # "less present than i'd like" is too quiet, not "less": the comparison is with what the user wants
    s = re.sub(r"\b(is|are) (?:a bit |a little |much |way )?less (?:present|loud|audible|prominent|forward|upfront) "
               r"than (?:i'?d like|i would like|i want(?:ed)?|it should be|they should be|expected)\b", r"\1 too quiet", s)
    s = re.sub(r"\b(is|are) (?:a bit |a little |much |way )?more (?:present|prominent|forward|upfront) "
               r"than (?:i'?d like|i would like|i want(?:ed)?|it should be|they should be|expected)\b", r"\1 too loud", s)
    s = re.sub(r"\s+/\s+", ", ", s)
    s = re.sub(r"(,\s*|\band\s+)((?:the\s+)?[a-z][\w']*(?: [a-z][\w']*){0,2})\s+[-\u2013:]\s+([a-z]+) (?:it|them|em)\b", r"\1\3 \2", s)
    s = re.sub(r"(,\s*|\band\s+)((?:the\s+)?[a-z][\w']*(?: [a-z][\w']*){0,2})\s+[-\u2013:]\s+"
               r"(remove|mute|lose|kill|delete|solo|isolate|extract)(?=$|[,;.])", r"\1\3 \2", s)  # "bass gtr -2 / drums +1"
    s = re.sub(r"\b(?:pls|plz|entirely|completely|totally|altogether)\b", "", s)
    s = re.sub(r"\ba (?:dash|splash|touch|hint) of\b", "a little", s)
    s = re.sub(r"\ba (?:tiny|wee|teeny) bit\b", "a bit", s)
    s = re.sub(r"\b(?:a )?(?:nice|lovely|big fat|proper) (?=(?:concert |cathedral |church |plate |hall |room )*(?:hall|reverb|verb))",
               "", s)
    s = re.sub(r"\b both (?=(?:hard )?(?:left|right|front|center))", " ", s)
    # "highway hum - get rid of it": a short name before a dash is a header, like "highway hum: ..."
    s = re.sub(r"^((?:(?!is\b|are\b|was\b|were\b|sounds?\b|feels?\b)[a-z][\w']*\s*){1,3}?)\s+-\s+(?=[a-z])", r"\1: ", s)
    s = re.sub(r"\b(\d+) and a half\b", lambda m: str(int(m.group(1)) + 0.5), s)
    s = re.sub(r"\b(\d+(?:\.\d+)?)-?(db|s|ms|secs?|seconds?)\b", r"\1 \2", s)
    return " ".join(s.split())


def _cut_purpose(part: str) -> str:
    """The part without its purpose tail, up to an "and" that starts a new edit ("because it's annoying and turn up
    the rain")."""
    m = _PURPOSE.search(part)
    if not m:
        return part
    tail = part[m.start():]
    for n in re.finditer(r"\band\s+", tail):
        if _CLAUSE_START.match(tail[n.end():]):
            return part[: m.start()] + " and " + tail[n.end():]
    amount = re.search(r"\s+by \d+(?:\.\d+)? ?(?:db|ms|milliseconds?|s|secs?|seconds?)$", tail)  # "so we match, like 4 dB"
    return part[: m.start()] + (amount.group(0) if amount else "")


def _has_number(clause: str) -> bool:
    """A number said in the clause (the digits of a sound's placeholder aside)."""
    return re.search(r"\d", re.sub(r"zzlabel\d+zz", "", clause)) is not None


def _split(text: str) -> list[str]:
    pieces = re.split(r"\s*(?:;|\.(?!\d)|,)\s*", text)
    pieces = [p for i, p in enumerate(pieces) if not (i < len(pieces) - 1 and PURPOSE_FIRST.fullmatch(p))]
    text = ", ".join(_cut_purpose(p) for p in pieces)  # "so she's thin and quiet"
    parts = re.split(r"\s*(?:;|\.(?!\d)|,|\band then\b|\bthen\b|\bbut\b|\balso\b|\bplus\b|\bafter that\b|\band\b|"
                     r"\bas well as\b|\bwhile\b|\bafterwards\b)\s*", text)
    parts = [re.sub(_SEQUENCE, "", re.sub(_PURPOSE, "", p)) for p in parts if p]
    return [p.strip() for p in parts if p and p.strip()]


_MODIFIER = re.compile(r"(?:(?:a (?:little )?bit|a little|a touch|slightly|much|way|a lot) )?(?:louder|quieter|softer)|"
                       r"(?:(?:pretty|very|really|nice and|fairly|quite|super) )?(?:quiet|soft|low|faint|subtle|loud)|"
                       r"(?:loudly|quietly|softly|faintly)")
_SEQUENCE = re.compile(r"^(?:next|finally|lastly|first(?:ly)?|second(?:ly)?|third(?:ly)?|after that|afterwards|"
                       r"to finish|to start)\b\s*")
_PURPOSE = PURPOSE


_CLAUSE_START = re.compile(
    r"^(?:please |now |ok |okay |so |maybe |can you |could you |would you |will you |can we |could we |let's |lets |"
    r"i want to |i'd like to |i want you to |i need you to |try to |go ahead and |just |also |and |then )*"
    r"(?:add|include|bring|layer|put|insert|throw|mix|drop|sprinkle|introduce|overlay|remove|cut|get|mute|lose|kill|take|delete|"
    r"silence|eliminate|erase|ditch|strip|filter|scrap|nuke|bin|axe|switch|keep|isolate|solo|leave|extract|only|"
    r"turn|boost|raise|lower|reduce|decrease|increase|make|push|pull|pan|move|place|sit|position|center|shift|delay|"
    r"nudge|slide|offset|give|drown|drench|send|swing|tame|back|soften|duck|crank|pump|lift|dial|knock|warm|brighten|"
    r"darken|muffle|reverb|more|less|no|without|i|let|have|apply|set|amplify|attenuate|double|halve|bump|relocate|"
    r"reposition|want|need|tone|quieten|beef|louden|can|could|would|please|fix|clean|enhance|improve|master|"
    r"normalize|normalise|compress|eq|mix|spare|stick|shove|plonk|park|chuck|toss|do the same|(?:the )?same (?:thing )?(?:for|to|with|on))\b")


def _is_clause(fragment: str) -> bool:
    """Does this fragment say what to do (else it continues the previous clause's list of sounds)?"""
    f = fragment.strip()
    if _CLAUSE_START.match(f):
        return True
    cues = [_UP, _DOWN, _SHIFT, _REVERB, _REVERB_HUGE, _REVERB_SMALL, _EXTRACT] + [t for t, _ in _TIMBRE]
    if any(re.search(c, f) for c in cues if c not in (_UP,)) or re.search(_UP.replace("|more)", ")"), f):
        return True
    if re.search(r"\b(?:should|needs? to|has to|must|is|are|'s|sounds?|goes|go|sits?|comes? from|could)\b", f):
        return True
    if re.search(r"\b(?:up|down)\b", f) and re.search(r"\d\s*(?:db|decibels?)\b", f):
        return True  # "then the hats down 2 db"
    rest = f
    for rx, _ in _LOC_RES:
        rest = rx.sub(" ", rest)
    return not rest.strip(" ,.")  # a bare place ("on the left") moves the previous sound


_PREFIX = (r"^(?:please |now |ok |okay |so |maybe |can you |could you |would you |will you |can we |could we |let's |"
           r"lets |i want to |i'd like to |i want you to |i need you to |try to |go ahead and |just |also |and |then )+")
_AMOUNT = rf"(?<![\w.]){_NUM}\s*(?:db|decibels?|dbs|ms|milliseconds?|s|secs?|seconds?)\b"


def _strip_places(text: str) -> str:
    for rx, _ in _LOC_RES:
        text = rx.sub(" ", text)
    return " ".join(re.sub(_AMOUNT, " ", text).split())


def _has_place_or_amount(text: str) -> bool:
    return (any(rx.search(text) for rx, _ in _LOC_RES) or re.search(_AMOUNT, text) is not None
            or re.search(r"\b(?:up|down)$", text) is not None)


def _take(pattern: str | re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    m = re.search(pattern, text)
    if not m:
        return None, text
    return m, (text[: m.start()] + " " + text[m.end():]).strip()



def protect(text: str, labels: list[str] | None) -> tuple[str, dict[str, str]]:
    """Replace labels written out in full by tokens, so their words are not read as cues."""
    placeholders: dict[str, str] = {}
    if not labels:
        return text, placeholders
    forms = []
    for i, label in enumerate(labels):
        for form in {_normalise(label), _normalise(lab.clean(label))}:
            if len(form) >= 3:
                forms.append((form, f"zzlabel{i}zz", label))
    for form, token, label in sorted(forms, key=lambda f: -len(f[0])):
        pattern = rf"(?<![\w']){re.escape(form)}(?![\w'])"
        if re.search(pattern, text):
            text = re.sub(pattern, token, text)
            placeholders[token] = label
    return text, placeholders

def _complaints_as_fixes(s: str) -> str:
    """'the keys are too dark' -> 'more bright', 'too loud and too early' -> '... later': a complaint with one fix."""
    s = re.sub(r"\b(?:is|are|sounds?|'s|feels?) (?:(?:way|much|far|a bit|a little|really|kind of|just) )?too "
               r"(cold|warm|bright|dark|muffled|dull|thin|harsh|shrill|tinny|piercing|brittle|sibilant|muddy|boomy|boxy|murky)\b",
               lambda m: "more " + _OPPOSITE[m.group(1)], s)
    s = re.sub(r"\b(?:is|are|sounds?|'s|feels?|seems?) ((?:kind of|sort of|a bit|a little|a touch|really|pretty|quite|"
               rf"so|very|super|slightly|way) )*({'|'.join(ONE_FIX_TONES)})\b(?! and \w+ing)",
               lambda m: "more " + _OPPOSITE[m.group(2)], s)  # "the keys feel kinda cold": warmer, never colder
    s = re.sub(r"(?<=\band )(?:(?:way|much|far|a bit|a little|really|kind of|just|also|slightly) )?too (late|early)\b",
               lambda m: "earlier" if m.group(1) == "late" else "later", s)  # "is too loud and too early": later
    s = re.sub(r"(?<=\band )(?:(?:way|much|far|a bit|a little|really|kind of|just|also) )?too "
               r"(cold|warm|bright|dark|muffled|dull|thin|harsh|shrill|tinny|piercing|brittle|sibilant|muddy|boomy|boxy|murky)\b",
               lambda m: "more " + _OPPOSITE[m.group(1)]
               if re.search(r"\b(?:is|are|'s|sounds?|feels?|seems?|more (?:warm|cold|bright|dark))\b[^,;.]*$", s[: m.start()])
               else m.group(0), s)
    return s


def rewrite(text: str) -> str:
    """Phrasal verbs and idioms into one reading order ("turn the dog up" -> "turn up the dog")."""
    s = text
    s = re.sub(r"\b(?:remove|cut|lose|kill|mute|get rid of|drop|delete|silence|ditch|take out|strip away|strip out|strip|"
               r"take away|filter out|eliminate|erase|clear out|clear)\s+(?:everything|all)\s+"
               r"(?:else\s+)?(?:but|except(?: for)?|apart from|other than|besides|save)\s+", "keep only ", s)
    s = re.sub(r"^(?:everything|all)\s+(?:but|except(?: for)?|apart from|other than)\s+", "keep only ", s)
    s = re.sub(r"\bkeep (.+?)(?:,)? and (?:remove|lose|kill|cut|mute|get rid of|drop|ditch|silence|delete) "
               r"(?:everything else|the rest|all the rest|all else|all the others|the others)\b", r"keep only \1", s)
    s = re.sub(r"\b(?:only|just) (?:keep|leave)\b", "keep only", s)
    s = re.sub(r"\b(?:keep|leave)\s+(.+?)\s+and nothing else\b", r"keep only \1", s)
    s = re.sub(r"\b(?:add|give|put|bring)\s+(?:some |a (?:little )?bit of |a little |a touch of |more )?"
               r"(air|sparkle|brightness|shimmer|shine|top end|high end|highs|warmth|darkness)\s+(?:to|on|into)\s+",
               lambda m: "warm up " if m.group(1) == "warmth" else "darken " if m.group(1) == "darkness" else "brighten ", s)
    s = re.sub(r"\b(?:bring|push|move|pull)\s+([^,;.]+?)\s+forward in the mix\b", r"bring up \1", s)
    s = re.sub(r"\b(?:bring|push|move|pull) forward ([^,;.]+?) in the mix\b", r"bring up \1", s)
    s = re.sub(r"\bpull out ([^,;.]+?) (?:sound )?(?:on its own|by itself|alone|on their own|by themselves)\b",
               r"keep only \1", s)
    s = re.sub(r"\s+than (?:the rest|everything else|the others|all the others|the other sounds|before|now)\b", "", s)
    s = re.sub(r"(^|,\s*|\band\s+|\bthen\s+|\bbut\s+)((?:the\s+)?(?:zzlabel\d+zz|[\w'-]+))\s+(?:gone|removed|muted|deleted)\b",
               r"\1remove \2", s)
    s = re.sub(r"\b(?:pull out|give me|get me|leave me with|leave|i want|i need|i'd like) (?:just|only)\b", "keep only", s)
    s = re.sub(r"^(?:just|only) (?:give me|leave me with|get me)\b", "keep only", s)
    # timing complaints: "the kick is late" / "dragging" wants it earlier, "early" / "rushing" later
    s = re.sub(r"(?<!\bit)(?:\s+is|\s+are|'s|\s+comes? in|\s+feels?|\s+(?:hits?|lands?|enters?|plays?|starts?)|(?<=zz)(?=\s+(?:by )?\d)(?=.*\b(?:fix|correct)\b))\s+(?:(?:a (?:little |tiny )?bit|slightly|a touch|a tad|way|"
               r"too|kind of|a little|really|very|quite|a hair|a smidge|just|somewhat|always)\s+)*((?:by )?\d+(?:\.\d+)?\s*(?:ms|milliseconds?|s|secs?|seconds?)\s+)?(?:too\s+)?"
               r"(late|dragging|early|rushing|rushed|ahead of the (?:beat|click|grid|others|band)|behind the (?:beat|click|grid))"
               r"\b(?! in the mix)",
               lambda m: (" earlier" if m.group(2).startswith(("late", "dragging", "behind")) else " later")
               + (f" by {m.group(1).removeprefix('by ').strip()}" if m.group(1) else ""), s)
    s = re.sub(r"^(?:just|only) (?=the |zzlabel|my |our )", "keep only ", s)
    s = re.sub(r"^(?:just|only) (?!keep|leave|a |an |make|turn|move|pan|put|add|remove|cut|give|bring)(?=\w+(?: please)?$)",
               "keep only ", s)
    s = re.sub(r"\b(get|take|cut|filter|strip|leave)\s+(.+?)\s+(out|away)(?: of (?:the mix|there|here|it))?\b",
               lambda m: f"{'remove' if m.group(1) != 'leave' else 'remove'} {m.group(2)}", s)
    s = re.sub(r"\b(turn|switch)\s+([^,;.]+?)\s+off\b(?! to\b)", r"remove \2", s)
    s = re.sub(r"\b(turn|bring|dial|knock|pump|crank|bump|tone|beef|warm|(?<!too )quiet|mix|layer|drop|throw|sprinkle|add|take)\s+"
               r"(?!up\b|down\b|in\b|back\b)((?:zzlabel\d+zz|[\w']+)(?:\s+(?:zzlabel\d+zz|[\w']+)){0,4}?)\s+(up|down|in\b(?!\s+(?:the|a|an|my|our|front|\d)))\b",
               r"\1 \3 \2", s)
    s = re.sub(r"\b(push|pull|bring|sit|set)\s+(?!up\b|down\b)([^,;.]+?)\s+(back|forward|further back|further away|into the background|"
               r"in the background|down|up)\b", r"\1 \3 \2", s)
    s = re.sub(r"\bmake (.+?) (?:sound |feel |be |seem )?(?:like (?:it's|it is|they're|they are|its) )?", r"make \1 ", s)
    s = re.sub(r"\b(?:should |to |must |needs to )?(?:come|comes|coming|sound|sounds) (?:like it's |like it is )?from\b"
               r"(?! (?:another|the next|next|a different|the other|an adjacent) room| next door| outside| behind)",
               "go to", s)
    s = _complaints_as_fixes(s)
    s = re.sub(r"\b(is|are|'s|sounds?|seems?) ((?:a bit |a little |a tad |way |very |really |quite |pretty |kind of |"
               r"slightly |much |super |so |extremely |incredibly |insanely |crazy |hella )?)(loud|quiet|soft|low|hot)\b",
               r"\1 \2too \3", s)
    s = re.sub(r"(?:the )?(zzlabel\d+zz) (?:can|should|has to|needs to|must|gotta) go(?: away| entirely| completely| altogether)?\b"
               r"(?!\s+(?:over|to|left|right|back|up|down|in|into|on|under|somewhere|further|farther|a bit|a little|slightly))",
               r"remove \1", s)  # "the guests murmuring can go entirely"
    s = re.sub(r"\bdrop\b(?=[^,;.]*\bdown\b)", "turn", s)  # "drop it way down": a level, not a removal
    s = re.sub(r"\b(?:drop|cut)\b(?=[^,;.]*\bby -?\d)", "turn down", s)  # "drop the theme by 3": a level
    s = re.sub(r"\b(?:cut|drop)\b(?=[^,;.]*\b(?:by )?(?:a lot|a bit|a little|a touch|a tad|a hair|quite a bit|a bunch|half|a few|some)\b)",
               "turn down", s)  # "cut it by a lot": a level, not a removal
    s = re.sub(r"(\d+(?:\.\d+)? ?db|\b(?:up|down|louder|quieter)) with (?=(?:a |an |some |a bit of |a touch of )?"
               r"(?:\w+ )?(?:reverb|verb|echo)\b)", r"\1, and give it ", s)  # "down 3 with some reverb": two edits
    s = re.sub(r"\b((?:left|right|cent(?:er|re)|middle)(?: front)?) with (?=(?:a |an |some )?(?:\w+ )?(?:reverb|verb|echo)\b)",
               r"\1, and give it ", s)
    s = re.sub(r"\btoo too\b", "too", s)
    s = re.sub(r"(^|,\s*|\band\s+(?:also\s+)?|\balso\s+)((?:the\s+)?(?:zzlabel\d+zz|[a-z][\w'-]*(?: [a-z][\w'-]*)?))"
               r" (?:also |too |as well )?(?:the )?same(?: please)?$",
               r"\1do the same for \2", s)
    s = re.sub(r"\bdouble (?:the )?(?:volume|level|loudness) (?:of |on )?", "louder by 6 db ", s)
    s = re.sub(r"\b(?:halve|half) (?:the )?(?:volume|level|loudness) (?:of |on )?", "quieter by 6 db ", s)
    s = re.sub(r"\btwice as loud\b", "louder by 6 db", s)
    s = re.sub(r"\bhalf as loud\b", "quieter by 6 db", s)
    return " ".join(s.split())
