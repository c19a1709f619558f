"""The rule planner: turns everyday editing requests into SmartDJ atomic steps without any model.

It is the planner that always works (no weights, no network, milliseconds), the fallback for
the neural ones, and the baseline they are measured against. It splits a request into clauses,
reads each clause's operation from the wording a musician or editor uses ("lose the hum",
"pan the vox hard right", "give the snare some room"), pulls out amounts, times and places,
and grounds each sound it names to the given labels (engine/grounding.py). Anything it does not
understand is a :class:`PlanningError` naming the part, never a guessed plan.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from smartdj.bridge.language import EditError, Step, split_targets
from smartdj.engine.planning import grounding
from smartdj.engine.planning.base import PlanningError, PlanResult

DEFAULT_DB = 3.0
SMALL_DB = 2.0
BIG_DB = 6.0
DEFAULT_SECONDS = 0.5
DEFAULT_REVERB = 5.0
SMALL_REVERB = 3.0
BIG_REVERB = 8.0
QUIET_ADD_DB = -3.0
LOUD_ADD_DB = 3.0

_OPPOSITE = {"cold": "warm", "warm": "cold", "bright": "dark", "dark": "bright", "muffled": "bright", "dull": "bright",
             "thin": "warm", "harsh": "warm"}
_NO_OP = re.compile(r"^(?:the |my |our )?[\w' ]{1,40}? (?:is|are|sounds?|'s|seems?) (?:fine|good|ok|okay|great|perfect|alright|all right|"
                    r"nice|right|fine as it is)\b|^(?:leave|keep) (?!only|just)")
HELP = "say what to add, remove, keep, move, make louder/quieter, shift, reverb or change in tone"

_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                 "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
                 "twenty": "20", "a couple of": "2", "a couple": "2", "a few": "3"}
_UNIT = r"(?:db|decibels?|dbs|seconds?|secs?|s|ms|milliseconds?)\b"
_NUM = r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)"

# -- places -------------------------------------------------------------------------------------
_SIDE_MOD_SMALL = r"(?:slightly|a (?:little )?bit|a little|a touch|a tad|half|partly|somewhat|just|gently)"
_SIDE_MOD_BIG = r"(?:hard|far|all the way|fully|completely|way|totally)"
_ART = r"(?:(?:the|my|your|our)\s+)?"
_SUFFIX = r"(?:[- ]hand side|\s+side|\s+channel|\s+ear|\s+speaker)?"
_NOT_RIGHT = r"(?!\s+(?:now|away|after|before|here|there|on|then|out))"
_LOCATIONS: list[tuple[str, str]] = [
    (rf"(?:(?:{_SIDE_MOD_SMALL}\s+)?(?:to\s+)?{_ART}(?:front[- ]?left|left[- ]?front|left of cent(?:er|re)|half[- ]left)|"
     rf"{_SIDE_MOD_SMALL}\s+(?:to\s+)?{_ART}left){_SUFFIX}", "left front"),
    (rf"(?:(?:{_SIDE_MOD_SMALL}\s+)?(?:to\s+)?{_ART}(?:front[- ]?right|right[- ]?front|right of cent(?:er|re)|half[- ]right)|"
     rf"{_SIDE_MOD_SMALL}\s+(?:to\s+)?{_ART}right{_NOT_RIGHT}){_SUFFIX}", "right front"),
    (rf"(?:{_SIDE_MOD_BIG}\s+(?:to\s+)?{_ART})?left{_SUFFIX}", "left"),
    (rf"(?:{_SIDE_MOD_BIG}\s+(?:to\s+)?{_ART})?right{_NOT_RIGHT}{_SUFFIX}", "right"),
    (r"(?:dead\s+)?(?:cent(?:er|re)d?|middle)|in front(?: of (?:me|you|us|the listener))?|front|straight ahead|up front", "front"),
]
_PREP = r"(?:(?P<prep>from|on|onto|to|towards?|over to|over on|out to|at|in|into)\s+)?"
_LOC_RES = [(re.compile(rf"\b{_PREP}{_ART}(?:{body})\b", re.I), loc) for body, loc in _LOCATIONS]

# -- cue words per operation ------------------------------------------------------------------
_BIG = r"\b(?:a lot|lots|loads|way|much|heaps|a ton|significantly|massively|hugely|really|substantially|considerably|seriously|drastically|very)\b"
_SMALL = r"\b(?:a (?:little )?bit|a little|slightly|a touch|a tad|a hair|a smidge|a notch|somewhat|subtly|gently|a hint)\b"

_EXTRACT_WORDS = r"keep only|only keep|keep just|just keep|isolate|solo|leave only|leave just|only leave|extract|nothing but|i only want|i just want|only want|just want"
_EXTRACT = rf"\b(?:{_EXTRACT_WORDS})\b"
_REMOVE = (r"\b(?:remove|cut out|cut|get rid of|mute|lose|kill|drop|take out|take away|delete|silence|eliminate|erase|"
           r"ditch|strip out|strip|filter out|scrap|nuke|bin|axe|switch off|turn off|no more|without|"
           r"don't want|do not want|no)\b")
_ADD = (r"\b(?:add in|add|include|bring in|layer in|layer|put in|insert|throw in|mix in|drop in|sprinkle in|sprinkle|"
        r"introduce|overlay|lay in|get some|i want some|give me some|i'd like some|we need some)\b")
_UP = (r"\b(?:louder|loud|turn up|boost|bring up|bring forward|raise|more of|pump up|crank up|crank|push up|lift|increase|"
       r"amplify|bump up|bump|dial up|stronger|more prominent|closer|nearer|too quiet|too soft|too low|"
       r"barely hear|can't hear|cannot hear|hard to hear|stand out|more present|beef up|louden|emphasi[sz]e|"
       r"a boost|more volume|up front in the mix|more)\b")
_DOWN = (r"\b(?:quieter|quiet down|quieten|quiet|turn down|lower|softer|reduce|decrease|further away|further back|"
         r"farther away|more distant|push back|back off|pull back|pull down|push down|bring down|dial back|dial down|tame|"
         r"duck|soften|attenuate|knock down|take down|tone down|too loud|too much|too prominent|too hot|less of|"
         r"less|into the background|in the background|back in the mix|weaker|not so loud|turn the volume down)\b")
_SHIFT = (r"\b(?:shift|delay|nudge|slide|offset|later|earlier|sooner|ahead|late|early|come in later|"
          r"come in earlier|start later|start earlier|advance|push back|pull forward|move back|move forward)\b")
_EARLIER = r"\b(?:earlier|sooner|ahead|early|advance|forward|before)\b"
_REVERB_HUGE = (r"\b(?:(?:cathedral|church|cave|stadium|arena|hall|canyon|tunnel|warehouse|plate|huge|massive|giant|"
                r"epic|infinite|endless|long|big|large)[- ](?:reverb|verb|echo)|(?:in|inside) (?:a |an |the )?(?:huge |big |massive |giant |large )?(?:cathedral|church|cave|stadium|arena|"
                r"concert hall|hall|canyon|tunnel|warehouse|gym)|drench(?:ed)?(?: it)?(?: in reverb)?|drown(?:ed)?(?: it)? in reverb|"
                r"(?:huge|massive|big|lots of|tons of|loads of|heaps of|a lot of|way more|really) (?:reverb|verb|echo|room|space))\b")
_REVERB_SMALL = (r"\b(?:(?:a touch|a bit|a little|a hint|a tad|a dash|a splash|a smidge|slight|subtle|light|some light|a little bit)"
                 r"(?: of)? (?:reverb|verb|echo|room|space|ambience)|(?:in|inside) (?:a )?(?:small room|bathroom|small space))\b")
_REVERB = (r"\b(?:reverb|reverberation|verb|echo(?:ey|y)?|echoes|roomier|roomy|(?:some|more|a|big|larger|bigger) room|"
           r"room sound|in a room|wetter|wet|ambience|(?:more|some) space|spacious|washy|more distant reverb)\b")
_NO_REVERB = r"\b(?:less|drier|dry|dry up|no|remove|cut|kill|get rid of|lose|take out|without)\b.{0,20}\b(?:reverb|verb|echo|room|ambience)\b|\bdrier\b|\bdry\b"
_TIMBRE = [
    (r"\b(?:muffled|muffle|duller|dull|underwater|under water|through (?:a|the) (?:wall|door|floor)|behind (?:a|the) (?:wall|door)|"
     r"in (?:the|another) room|in (?:the |a )?(?:next|other|different|adjacent) room|in another room|next door|"
     r"from (?:another|the next|next|a different|the other|an adjacent) room|from next door|from outside|outside|lo-?fi|like a telephone|on the phone|over the phone)\b", "muffled"),
    (r"\b(?:brighter|brighten|bright|more sparkle|sparkly|sparkle|airy|airier|more air|crisper|crisp|shinier|more treble|"
     r"more highs|more top end|more presence)\b", "bright"),
    (r"\b(?:darker|darken|dark|less bright|less treble|less top end|fewer highs|moodier|gloomier|murkier|murky)\b", "dark"),
    (r"\b(?:warmer|warm up|warm it up|warmth|warm|mellower|mellow|rounder|cosier|cozier)\b", "warm"),
    (r"\b(?:colder|cold|cooler|cool|icier|icy|clinical|sterile|glassy)\b", "cold"),
]
_QUIET_ADD = (r"\b(?:quiet|quietly|soft|softly|faint|faintly|subtle|gentle|distant|low|in the background|into the background|"
              r"in the back|a touch of|a hint of|a little|a bit of|in the distance|far off|far away|way off|off in the distance|"
              r"far in the distance|from afar|way in the distance|barely audible)\b")
_DIRECTION = r"\b(?:pan|move|put|place|sit|position|send|swing|relocate|reposition|locate|sits|goes|go|come from|comes from|coming from)\b"

_STRONG_VERB = [  # a clause that starts with one of these has that operation
    ("extract", re.compile(rf"^(?:{_EXTRACT_WORDS})\b")),
    ("remove", re.compile(r"^(?:remove|cut out|cut|get rid of|mute|lose|kill|drop|take out|take away|delete|silence|eliminate|"
                          r"erase|ditch|strip out|strip|filter out|scrap|nuke|bin|axe|switch off|turn off)\b")),
    ("shift", re.compile(r"^(?:shift|delay|nudge|slide|offset)\b")),
    ("volume+", re.compile(r"^(?:boost|bring up|raise|turn up|pump up|crank up|crank|push up|lift|increase|amplify|bump up|bump|dial up|beef up|louden)\b")),
    ("volume-", re.compile(r"^(?:lower|reduce|decrease|turn down|tame|duck|soften|attenuate|back off|pull back|pull down|bring down|dial back|dial down|knock down|take down|tone down|quieten|quiet down)\b")),
    ("timbre", re.compile(r"^(?:brighten|darken|warm up|muffle)\b")),
    ("direction", re.compile(r"^(?:pan|position|center|centre|relocate|reposition)\b")),
]
_GENERIC_VERB = re.compile(
    r"^(?:make|get|have|let|give|put|move|bring|send|sit|place|set|apply|want|need|turn|push|pull|take|mix|layer|drop|"
    r"throw|slap|stick|chuck|whack|pop|"
    r"i want|i need|i'd like|want|can|could|leave|keep)\b\s*")
_PRONOUNS = {"it", "them", "that", "this", "those", "these", "this one", "that one", "they", "the same", "that sound",
             "this sound", "it all", "its", "their", "him", "her", "the one"}
_WHOLE_MIX = {"everything", "the mix", "mix", "whole mix", "the whole mix", "the whole thing", "whole thing", "the track",
              "track", "the song", "song", "all", "all of it", "the audio", "audio", "the recording", "recording",
              "the whole track", "the lot", "everything here", "the overall mix", "overall"}
_THE_REST = {"everything else", "the rest", "all the rest", "the others", "all the others", "all else", "the other sounds",
             "all the other sounds", "the rest of it", "the rest of the mix", "everything other"}
_VAGUE_ADD = {"magic", "vibe", "vibes", "energy", "life", "punch", "excitement", "feeling", "mood", "depth", "something",
              "stuff", "more", "sauce", "oomph", "character", "interest", "texture", "flavour", "flavor", "color", "colour",
              "polish", "sparkle", "warmth", "space", "air", "width", "body", "presence", "emotion", "drama", "groove"}
_LEAD = {"the", "a", "an", "another", "extra", "some", "any", "my", "our", "your", "his", "her", "their", "of", "sound", "sounds", "volume",
         "level", "more", "less", "bit", "little", "also", "just", "only", "all", "to", "please", "now", "up", "down",
         "in", "on", "at", "with", "for", "and", "then", "so", "over", "out", "off", "by", "noise", "is", "are", "be",
         "that", "this", "bring", "again", "too", "it's", "its", "there", "really", "lot", "way", "much", "even",
         "kind", "sort", "like", "feel", "same", "from", "into", "back", "around", "you", "i", "we", "me", "can",
         "could", "would", "should", "ok", "okay", "hey", "tone", "make", "slightly", "gently", "type",
         "thing", "those", "these"}
_TRAIL = {"please", "now", "too", "up", "down", "a", "an", "bit", "little", "more", "less", "some", "in", "out", "off",
          "the", "sound", "sounds", "is", "are", "be", "should", "lot", "again", "there", "here", "as", "well", "then",
          "much", "so", "it", "over", "thanks", "for", "me", "by", "with", "to", "at", "of", "that", "needs", "need",
          "could", "use", "has", "have", "got", "getting", "gets", "way", "been", "feels", "feel", "seems", "sounding",
          "and", "really", "very", "slightly", "overall", "around", "back", "on", "from", "into", "mix", "track",
          "louder", "just", "can", "you", "we", "make", "bring", "away", "while", "instead", "thank",
          "one", "ones", "stuff", "right", "pretty", "quite", "its", "it's", "gently", "tone",
          "volume", "level", "whole", "time", "place", "i", "please?", "yeah", "ok", "okay"}


# Cue words a typo is matched against, only after the words as typed could not be planned.
_CUE_WORDS = ("solo", "isolate", "extract", "remove", "delete", "mute", "reverb", "louder", "quieter", "softer", "lower",
              "boost", "brighter", "darker", "warmer", "colder", "muffled", "muffle", "shift", "delay", "earlier",
              "later", "quieten", "reduce", "increase", "eliminate", "separately")


_KNOWN_WORDS = set(re.findall(r"[a-z]+", " ".join([_ADD, _REMOVE, _UP, _DOWN, _SHIFT, _EARLIER, _REVERB, _REVERB_HUGE,
                                                     _REVERB_SMALL, _EXTRACT, _DIRECTION, _BIG, _SMALL,
                                                     *(p for p, _ in _TIMBRE)])))


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
    target_text: str = ""


def _normalise(text: str) -> str:
    s = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ").replace("\u2014", ",")
    s = re.sub(r"\bw/\s*", "with ", s)
    s = re.sub(r"[!?\"()]", " ", s)
    s = re.sub(r"\bcentre\b", "center", s)
    s = re.sub(r"\bin front,? (?:just )?(?:a (?:little )?bit|slightly|a little|a touch) to the (left|right)\b", r"\1 front", s)
    s = re.sub(r"\b(?:cozy|cosy) and warm\b|\bwarm and (?:cozy|cosy)\b", "warm", s)
    s = re.sub(r"\bnice and (loud|quiet|soft|low)\b", lambda m: "loudly" if m.group(1) == "loud" else "quietly", s)
    for word, digit in sorted(_NUMBER_WORDS.items(), key=lambda kv: -len(kv[0])):
        s = re.sub(rf"\b{word}\s+(?=(?:more |extra )?{_UNIT})", digit + " ", s)
    s = re.sub(r"\b(\d+) and a half\b", lambda m: str(int(m.group(1)) + 0.5), s)
    s = re.sub(r"\b(\d+(?:\.\d+)?)-?(db|s|ms|secs?|seconds?)\b", r"\1 \2", s)
    return " ".join(s.split())


def _split(text: str) -> list[str]:
    parts = re.split(r"\s*(?:;|\.(?!\d)|,|\band then\b|\bthen\b|\bbut\b|\balso\b|\bplus\b|\bafter that\b|\band\b|"
                     r"\bas well as\b|\bwhile\b|\bafterwards\b)\s*", text)
    parts = [re.sub(_SEQUENCE, "", re.sub(_PURPOSE, "", p)) for p in parts if p]
    return [p.strip() for p in parts if p and p.strip()]


_FILLER = re.compile(r"(?:please|thanks|thank you|thx|ok|okay|cheers|if you can|if possible|for me|yeah)+")
_MODIFIER = re.compile(r"(?:(?:a (?:little )?bit|a little|a touch|slightly|much|way|a lot) )?(?:louder|quieter|softer)|"
                       r"(?:loudly|quietly|softly|faintly)")
_SEQUENCE = re.compile(r"^(?:next|finally|lastly|first(?:ly)?|second(?:ly)?|third(?:ly)?|after that|afterwards|"
                       r"to finish|to start)\b\s*")
# "... so i can use it separately", "... because it's annoying": why, not what
_PURPOSE = re.compile(r"\s+(?:so (?:that )?(?:i|we|you|they) (?:can|could|may)|so that|because|cause|cuz|since|"
                      r"in order to)\b.*$")


_CLAUSE_START = re.compile(
    r"^(?:please |now |ok |okay |so |maybe |can you |could you |would you |will you |can we |could we |let's |lets |"
    r"i want to |i'd like to |i want you to |i need you to |try to |go ahead and |just |also |and |then )*"
    r"(?:add|include|bring|layer|put|insert|throw|mix|drop|sprinkle|introduce|overlay|remove|cut|get|mute|lose|kill|take|delete|"
    r"silence|eliminate|erase|ditch|strip|filter|scrap|nuke|bin|axe|switch|keep|isolate|solo|leave|extract|only|"
    r"turn|boost|raise|lower|reduce|decrease|increase|make|push|pull|pan|move|place|sit|position|center|shift|delay|"
    r"nudge|slide|offset|give|drown|drench|send|swing|tame|back|soften|duck|crank|pump|lift|dial|knock|warm|brighten|"
    r"darken|muffle|reverb|more|less|no|without|i|let|have|apply|set|amplify|attenuate|double|halve|bump|relocate|"
    r"reposition|want|need|tone|quieten|beef|louden|can|could|would|please|fix|clean|enhance|improve|master|"
    r"normalize|normalise|compress|eq|mix)\b")


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


def _same_edit(a: Step, b: Step) -> bool:
    """The same change to the same sound (a complaint and its fix), whatever the amount."""
    if a.op != b.op or a.target != b.target or a.op in ("add", "remove", "extract"):
        return False
    if a.op == "volume":
        return (a.db > 0) == (b.db > 0)
    if a.op == "shift":
        return (a.seconds > 0) == (b.seconds > 0)
    return a.op == "reverb" or a.quality == b.quality or a.to == b.to


def _take(pattern: str | re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    m = re.search(pattern, text)
    if not m:
        return None, text
    return m, (text[: m.start()] + " " + text[m.end():]).strip()


class RulePlanner:
    """Plans from wording alone. ``embeddings=False`` keeps grounding lexical (no model load)."""

    name = "rules"

    def __init__(self, embeddings: bool = True, **_ignored: object):
        self.embeddings = embeddings

    # -- public ---------------------------------------------------------------------------------
    def plan(self, instruction: str, labels: list[str] | None = None, audio: object = None) -> PlanResult:
        if not isinstance(instruction, str) or not instruction.strip():
            raise PlanningError(f"empty instruction: {HELP}")
        labels = [lb for lb in (labels or []) if lb and lb.strip()] or None
        text = _normalise(instruction)
        text, placeholders = self._protect(text, labels)
        tags = ["grounded"] if labels else []
        try:
            try:
                steps = self._plan(self._rewrite(text), placeholders, labels)
            except PlanningError as first:
                fixed, fixes = _respell(text)  # only when the words as typed made no sense
                if not fixes or not str(first).startswith("could not understand"):
                    raise
                steps = self._plan(self._rewrite(fixed), placeholders, labels)
                tags.append("respelled: " + ", ".join(f"{a}->{b}" for a, b in fixes))
        except PlanningError as e:
            msg = str(e)
            if len(_split(text)) == 1 and msg.startswith("could not understand"):
                msg = re.sub(r'"[^"]*"', lambda m: f'"{instruction.strip()}"', msg, count=1)
            for token, label in placeholders.items():
                msg = msg.replace(token, label)
            raise PlanningError(msg) from None
        steps = [dataclasses.replace(s, target=_as_written(s.target, instruction)) if s.op == "add" else s
                 for s in steps]
        ordered = [s for s in steps if s.op != "add"] + [s for s in steps if s.op == "add"]
        return PlanResult(steps=ordered, planner=self.name, tags=tags)

    def _clauses(self, text: str) -> list[str]:
        clauses: list[str] = []
        for frag in _split(text):
            if _FILLER.fullmatch(frag):
                continue
            if clauses and _MODIFIER.fullmatch(frag) and re.search(_ADD, clauses[-1]):
                clauses[-1] = f"{clauses[-1]} {frag}"  # "add rain on the left, a little louder": the add's level
            elif not clauses or _is_clause(frag):
                clauses.append(frag)
            elif (_has_place_or_amount(frag) and _strip_places(frag)
                  and (_has_place_or_amount(clauses[-1]) or re.search(r"\b(?:up|down)$", frag))):
                # "pan the bass left and the acoustic right": the second part reuses the verb
                verb = re.sub(_PREFIX, "", clauses[-1]).split(" ", 1)[0]
                clauses.append(self._rewrite(f"{verb} {frag}"))
            else:
                clauses[-1] = f"{clauses[-1]} and {frag}"
        return clauses

    def _plan(self, text: str, placeholders: dict[str, str], labels: list[str] | None) -> list[Step]:
        clauses = self._clauses(text)
        if not clauses:
            raise PlanningError(f"empty instruction: {HELP}")
        steps: list[Step | None] = []
        previous: list[str] = []
        mentioned: list[str] = []
        pending_rest: list[tuple[_Clause, str]] = []
        for raw in clauses:
            if _NO_OP.match(re.sub(_PREFIX, "", raw)):  # "keep the birds", "the kit is fine": names, no edit
                c = _Clause(text=raw, target_text=re.sub(r"^(?:leave|keep)\b|\b(?:is|are|sounds?|'s|seems?) .*$", "", raw))
                try:
                    previous = [self._ground(n, c, raw, labels) for n in self._targets(c, raw, placeholders, [], labels)]
                except PlanningError:
                    continue
                mentioned.extend(previous)
                continue
            clause = self._read(raw, placeholders)
            names = self._targets(clause, raw, placeholders, previous, labels)
            if names == ["<rest>"]:
                pending_rest.append((clause, raw))
                steps.append(None)  # filled in once every named sound is known
                continue
            try:
                grounded = [self._ground(n, clause, raw, labels) for n in names]
            except PlanningError:
                # "put some thunder on the left": a sound that is not there yet, placed = added
                placed = re.match(r"(?:some|a|an|another)\b", clause.target_text.strip()) or re.match(
                    r"(?:(?:please|now|also|and|then|so|just) )*(?:put|place|include|set|plant|position)\b(?! the\b)", raw)
                if clause.op != "direction" or not placed:
                    raise
                clause.op, grounded = "add", names
            if clause.op != "add":
                mentioned.extend(grounded)
            for step in self._steps(clause, grounded, raw):
                last = steps[-1] if steps else None
                if last is not None and _same_edit(last, step):
                    steps[-1] = step  # "the kit is too loud, pull it down 6dB": one edit, said twice
                elif step.op in ("remove", "extract") and any(
                        s is not None and s.op == step.op and s.target == step.target for s in steps):
                    continue  # "I don't want to hear the dog anymore, remove it"
                else:
                    steps.append(step)
            previous = grounded
        for clause, raw in pending_rest:
            rest = [lb for lb in (labels or []) if lb not in mentioned]
            if not rest:
                raise PlanningError(f'"{raw.strip()}": there is nothing else to edit besides {", ".join(mentioned)}')
            idx = steps.index(None)
            steps[idx:idx + 1] = self._steps(clause, rest, raw)
        if not steps:
            raise PlanningError(f'nothing to change in "{text}": {HELP}')
        return [s for s in steps if s is not None]

    # -- text ---------------------------------------------------------------------------------
    @staticmethod
    def _protect(text: str, labels: list[str] | None) -> tuple[str, dict[str, str]]:
        """Replace labels written out in full by tokens, so their words are not read as cues."""
        placeholders: dict[str, str] = {}
        if not labels:
            return text, placeholders
        forms = []
        for i, label in enumerate(labels):
            for form in {_normalise(label), _normalise(grounding.clean_label(label))}:
                if len(form) >= 3:
                    forms.append((form, f"zzlabel{i}zz", label))
        for form, token, label in sorted(forms, key=lambda f: -len(f[0])):
            pattern = rf"(?<![\w']){re.escape(form)}(?![\w'])"
            if re.search(pattern, text):
                text = re.sub(pattern, token, text)
                placeholders[token] = label
        return text, placeholders

    @staticmethod
    def _rewrite(text: str) -> str:
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
        s = re.sub(r"(?<!\bit)(?:\s+is|\s+are|'s|\s+comes? in|\s+feels?)\s+(?:(?:a (?:little )?bit|slightly|a touch|a tad|way|"
                   r"too|kind of|a little|really|very|quite)\s+)*(late|dragging|early|rushing|rushed)\b(?! in the mix)",
                   lambda m: " earlier" if m.group(1) in ("late", "dragging") else " later", s)
        s = re.sub(r"^(?:just|only) (?=the |zzlabel|my |our )", "keep only ", s)
        s = re.sub(r"^(?:just|only) (?!keep|leave|a |an |make|turn|move|pan|put|add|remove|cut|give|bring)(?=\w+(?: please)?$)",
                   "keep only ", s)
        s = re.sub(r"\b(get|take|cut|filter|strip|leave)\s+(.+?)\s+(out|away)(?: of (?:the mix|there|here|it))?\b",
                   lambda m: f"{'remove' if m.group(1) != 'leave' else 'remove'} {m.group(2)}", s)
        s = re.sub(r"\b(turn|switch)\s+(.+?)\s+off\b", r"remove \2", s)
        s = re.sub(r"\b(turn|bring|dial|knock|pump|crank|bump|tone|beef|warm|quiet|mix|layer|drop|throw|sprinkle|add)\s+"
                   r"(?!up\b|down\b|in\b|back\b)((?:zzlabel\d+zz|[\w']+)(?:\s+(?:zzlabel\d+zz|[\w']+)){0,4}?)\s+(up|down|in\b(?!\s+(?:the|a|an|my|our|front|\d)))\b",
                   r"\1 \3 \2", s)
        s = re.sub(r"\b(push|pull|bring|sit|set)\s+(?!up\b|down\b)([^,;.]+?)\s+(back|forward|further back|further away|into the background|"
                   r"in the background|down|up)\b", r"\1 \3 \2", s)
        s = re.sub(r"\bmake (.+?) (?:sound |feel |be |seem )?(?:like (?:it's|it is|they're|they are|its) )?", r"make \1 ", s)
        s = re.sub(r"\b(?:should |to |must |needs to )?(?:come|comes|coming|sound|sounds) (?:like it's |like it is )?from\b"
                   r"(?! (?:another|the next|next|a different|the other|an adjacent) room| next door| outside| behind)",
                   "go to", s)
        s = re.sub(r"\b(?:is|are|sounds?|'s|feels?) too (cold|warm|bright|dark|muffled|dull|thin|harsh)\b",
                   lambda m: "more " + _OPPOSITE[m.group(1)], s)
        s = re.sub(r"\b(is|are|'s|sounds?|seems?) ((?:a bit |a little |a tad |way |very |really |quite |pretty |kind of |"
                   r"slightly |much )?)(loud|quiet|soft|low|hot)\b", r"\1 \2too \3", s)
        s = re.sub(r"\btoo too\b", "too", s)
        s = re.sub(r"\bdouble (?:the )?(?:volume|level|loudness) (?:of |on )?", "louder by 6 db ", s)
        s = re.sub(r"\b(?:halve|half) (?:the )?(?:volume|level|loudness) (?:of |on )?", "quieter by 6 db ", s)
        s = re.sub(r"\btwice as loud\b", "louder by 6 db", s)
        s = re.sub(r"\bhalf as loud\b", "quieter by 6 db", s)
        return " ".join(s.split())

    def _read(self, raw: str, placeholders: dict[str, str]) -> _Clause:
        """Pull the operation, amounts and places out of one clause; what remains names the sound."""
        c = _Clause(text=raw)
        s = f" {raw} "
        if re.search(_NO_REVERB, s) and not re.search(_REVERB_HUGE, s):
            raise PlanningError(f'"{raw.strip()}": taking reverb away is not an edit SmartDJ can make '
                                "(it can add reverb, not remove it)")
        # amounts
        m, s = _take(rf"(?:\b(?:by|to|at|with|of)\s+)?(?<![\w.])({_NUM})\s*(?:db|decibels?|dbs)\b", s)
        if m:
            c.db = float(m.group(1))
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
        # places (before cues: "slightly left" is a place, not a small amount)
        for rx, loc in _LOC_RES:
            while True:
                m = rx.search(s)
                if not m:
                    break
                c.locs.append((m.start(), loc, m.group("prep")))  # type: ignore[arg-type]
                s = s[: m.start()] + " " + s[m.end():]
        c.locs = [(loc, prep) for _, loc, prep in sorted(c.locs)]  # type: ignore[misc]
        s = " ".join(s.split())
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
            c.op, c.sign = "volume", (-1 if c.db < 0 or has(r"\bdown\b") else 1)
        elif has(r"^(?:some|a|an)\b"):
            c.op = "add"
        else:
            raise PlanningError(f'could not understand "{raw.strip()}": {HELP}')
        c.big = has(_BIG) or huge_rev
        c.small = has(_SMALL) or small_rev
        if c.op == "timbre":
            c.quality = timbre
            if c.quality is None:
                raise PlanningError(f'"{raw.strip()}": say how the tone should change (brighter, darker, warmer, '
                                    "colder or muffled)")
        if c.op == "shift":
            sign = -1 if has(_EARLIER) else 1
            c.seconds = sign * abs(c.seconds if c.seconds is not None else DEFAULT_SECONDS)
        # strip every cue so only the sound's name is left
        for cue in [_EXTRACT, _REVERB_HUGE, _REVERB_SMALL, _REVERB, *(p for p, _ in _TIMBRE), _SHIFT, _EARLIER,
                    _DOWN, _UP, _ADD, _REMOVE, _DIRECTION, _BIG, _SMALL,
                    r"\b(?:quietly|softly|faintly|subtle|faint|gentle|distant|loudly|prominent|prominently|"
                    r"(?:in|into) the (?:back|background|foreground)|(?:off |far |way )?in the distance|far off|far away|"
                    r"way off|from afar|barely audible)\b", r"\b(?:soft|faint|quiet)\b(?= \w)"]:
            s = re.sub(cue, " ", s)
        s = re.sub(r"\b(?:the )?(?:sound|volume|level|loudness|tone|timbre|reverb) (?:of|on)\b", " ", s)
        s = re.sub(r"\b(?:in|on|from|of) (?:the|this|my|our) (?:mix|track|song|recording|audio)\b", " ", s)
        head = _GENERIC_VERB.sub("", " ".join(s.split()))
        c.target_text = head
        return c

    def _targets(self, c: _Clause, raw: str, placeholders: dict[str, str], previous: list[str],
                 labels: list[str] | None) -> list[str]:
        words = c.target_text.replace("'s ", " ").split()
        while words and (words[0] in _LEAD or _GENERIC_VERB.match(words[0] + " ")):
            words.pop(0)
        while words and words[-1] in _TRAIL:
            words.pop()
        text = " ".join(words)
        if text in _THE_REST or re.fullmatch(r"(?:all )?(?:the )?(?:other|others|rest)(?: \w+)?", text or "-"):
            if not labels:
                raise PlanningError(f'"{raw.strip()}": "{text}" needs the list of sources (labels) to know what else there is')
            return ["<rest>"]
        if not text or text in _PRONOUNS:
            if previous:
                return list(previous)
            if labels and len(labels) == 1:
                return list(labels)
            what = f'"{text}"' if text else "this"
            raise PlanningError(f'could not tell which sound "{raw.strip()}" is about ({what} refers to nothing named '
                                'before): name the sound, e.g. "the dog"')
        if text in _WHOLE_MIX:
            raise PlanningError(f'"{raw.strip()}" is about the whole mix; SmartDJ edits one sound at a time: '
                                "name the sound to change")
        if c.op == "add" and text in _VAGUE_ADD:
            raise PlanningError(f'could not understand "{raw.strip()}": "{text}" is not a sound to add; {HELP}')
        names = []
        for part in split_targets(text):
            part = re.sub(r"^(?:the|a|an|some|my|our)\s+", "", part.strip())
            for token, label in placeholders.items():
                part = part.replace(token, label)
            if part:
                names.append(part)
        if not names:
            raise PlanningError(f'could not tell which sound "{raw.strip()}" is about: name the sound')
        return names

    def _ground(self, name: str, c: _Clause, raw: str, labels: list[str] | None) -> str:
        if c.op == "add" or not labels:
            return name
        if name in labels:
            return name
        if name in _PRONOUNS:
            return name
        found = grounding.ground(name, labels, embeddings=self.embeddings)
        if found is None:
            raise PlanningError(f'no source matches "{name}" (in "{raw.strip()}"); the sources are: '
                                + "; ".join(labels))
        return found

    # -- steps --------------------------------------------------------------------------------
    def _steps(self, c: _Clause, targets: list[str], raw: str) -> list[Step]:
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
                            db = QUIET_ADD_DB if quiet else LOUD_ADD_DB if loud else 0.0
                    out.append(Step(op="add", target=t, to=to, db=db))
                elif op == "remove":
                    out.append(Step(op="remove", target=t, at=c.locs[0][0] if c.locs else None))
                elif op == "volume":
                    mag = abs(c.db) if c.db is not None else BIG_DB if c.big else SMALL_DB if c.small else DEFAULT_DB
                    sign = c.sign
                    if c.db is not None and c.db < 0:
                        sign = -1
                    out.append(Step(op="volume", target=t, at=c.locs[0][0] if len(c.locs) == 1 else None, db=sign * mag))
                elif op == "direction":
                    if not dest:
                        raise PlanningError(f'"{raw.strip()}": say where to put {t} (left, left front, front, '
                                            "right front or right)")
                    src = next((loc for loc, prep in c.locs if prep in ("from", "at")), None)
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
