"""The rule planner's vocabulary: the words and patterns that name operations, amounts, places and sounds.

Kept apart from the reading logic (rules_read.py) so the vocabulary can grow without touching how a
clause is read; amounts a user did not state use the defaults here.
"""

from __future__ import annotations

import re

from smartdj.engine.planning.base import PlanningError

DEFAULT_DB = 3.0
SMALL_DB = 2.0
TINY_DB = 2.0  # 'a hair', 'a tad': blind sets read them 0.5-2 to 2-4 dB; 2 sits in each
STRONG_DB = 6.0  # 'crank it', 'sink them': a strong verb and no amount
STRONG_VERBS = ("crank", "sink", "slam", "knock", "yank", "hammer", "smash")
BURY_VERBS = ("bury", "floor", "gut")  # as much as "way down"
_STRONG = r"\b(?:" + "|".join(STRONG_VERBS) + r")(?:s|ed|ing)?\b"
BIG_DB = 8.0  # 'way down', 'a lot', 'quite a bit': users' readings ran from 4-8 to 8-20 dB; 8 sits in every one
DEFAULT_SECONDS = 0.5
DEFAULT_REVERB = 5.0
SMALL_REVERB = 3.0
BIG_REVERB = 8.0
VERY_QUIET_ADD_DB = -20.0  # 'very faint', 'barely audible': users read -30..-20 to -20..-10; -20 sits in each
QUIET_ADD_DB = -12.0  # 'faint', 'far off', 'in the background': -20 to -6 dB in the blind sets
LOUD_ADD_DB = 3.0

# tones whose complaint has one fix ("the keys feel cold": warmer); "harsh", "thin", "muddy" have several
ONE_FIX_TONES = ("cold", "shrill", "tinny", "piercing", "brittle", "sibilant", "murky", "muffled", "dull")
_OPPOSITE = {"cold": "warm", "warm": "cold", "bright": "dark", "dark": "bright", "muffled": "bright", "dull": "bright", "shrill": "dark", "tinny": "dark", "piercing": "dark",
             "brittle": "dark", "sibilant": "dark", "muddy": "bright", "boomy": "bright", "boxy": "bright", "murky": "bright",
             "thin": "warm", "harsh": "warm"}
_NO_OP = re.compile(r"^(?:the |my |our )?[\w' ]{1,40}? (?:is|are|sounds?|'s|seems?) (?:fine|good|ok|okay|great|perfect|alright|all right|"
                    r"nice|right|fine as it is)\b|^(?:leave|keep) (?!only|just)|"
                    r"^(?:the |my |our )?[\w' ]{1,40}? (?:stays?|can stay|should stay|remains?) (?:the )?(?:same|as is|as it is|unchanged|untouched|put)\b")
HELP = "say what to add, remove, keep, move, make louder/quieter, shift, reverb or change in tone"

_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                 "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
                 "twenty": "20", "thirty": "30", "forty": "40", "a couple of": "2", "a couple": "2", "a few": "3"}
_UNIT = r"(?:db|decibels?|dbs|seconds?|secs?|s|ms|milliseconds?)\b"
_NUM = r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)"

# -- places -------------------------------------------------------------------------------------
_SIDE_MOD_SMALL = (r"(?:slightly|a (?:tiny |wee |little )?(?:bit|hair|smidge|tad|touch|notch)(?: more)?|a little(?: more)?|"
                   r"half|partly|somewhat|just|gently)")
_SIDE_MOD_BIG = r"(?:hard|far|all the way|fully|completely|way|totally)"
_ART = r"(?:(?:the|my|your|our)\s+)?"
_SUFFIX = r"(?:[- ]hand side|\s+side|\s+channel|\s+ear|\s+speaker)?"
_NOT_RIGHT = r"(?!\s+(?:now|away|after|before|here|there|on|then|out|in|into|next|by|at|up|where|behind)\b)"
_AFTER_SMALL = r"(?:\s+side)?,?\s+(?:just\s+)?(?:a\s+)?(?:little\s+|tiny\s+|wee\s+)?(?:bit|touch|tad|hair|smidge|little)(?:\s+more)?"
_LOCATIONS: list[tuple[str, str]] = [
    (rf"(?:to\s+)?{_ART}left{_AFTER_SMALL}\b", "left front"),
    (rf"(?:to\s+)?{_ART}right{_AFTER_SMALL}\b", "right front"),
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
_BIG = r"\b(?:quite a bit|a fair bit|a good bit|quite a lot|a lot|lots|loads|way|(?<!too )much|heaps|a ton|a good deal|a great deal|tons|significantly|massively|hugely|really|substantially|considerably|seriously|drastically|very)\b"
# "that 80s hall": a decade, not 80 seconds
DECADE = re.compile(r"\b(?:(?:19|20)?[0-9]0s|(?:19|20)?[0-9]0's)\b")


def common_forms(text: str) -> str:
    """Forms the rules and the reader read the same way: a decimal comma ("0,5 second"), a decade ("80s
    hall"), and an added sound's level against the mix ("as loud as the mix", "6 dB under the mix")."""
    s = re.sub(r"(?<=\d),(?=\d)", ".", text)
    s = DECADE.sub("retro", s)
    s = _ASIDES.sub("", s)
    s = re.sub(r"\blil\b", "little", s, flags=re.I)
    s = re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r")(?= ?(?:db|dbs|decibels?)\b)", lambda m: _NUMBER_WORDS[m.group(1).lower()], s,
               flags=re.I)
    s = re.sub(r"\bmore like\b", "like", s, flags=re.I)  # "more like inside the car": a picture, not more of it
    s = re.sub(r"\b(?:a )?half (?:a )?second\b", "0.5 seconds", s, flags=re.I)
    s = re.sub(r"\b(minus|plus) (" + "|".join(_NUMBER_WORDS) + r"|\d)", lambda m: ("-" if m.group(1).lower() == "minus" else "+")
               + _NUMBER_WORDS.get(m.group(2).lower(), m.group(2)), s, flags=re.I)
    s = re.sub(r"\bwalk(?:y|ie)[- ]?talk(?:y|ie)s?\b", "walkie-talkie", s, flags=re.I)
    s = re.sub(r"(?<=\d) ?(?:milliseconds?|millisecs?|msecs?)\b", " ms", s, flags=re.I)
    s = re.sub(r"\b(?:i need |i want |give me |make |can i get |can you make )?(?:a |an )?(?:karaoke|instrumental) "
               r"(?:version|mix|track|cut)\b|\bmake (?:it |this )?(?:a )?karaoke\b", "remove the vocals", s, flags=re.I)
    s = re.sub(r"\b(?:i need |i want |give me |make |can i get )?(?:an? )?(?:a ?cappella|acapella)(?: version| mix| cut)?\b",
               "keep only the vocals", s, flags=re.I)  # the voices alone
    s = re.sub(r"[?!]+(?=\s+\S)", ".", s)
    s = re.sub(r"\b(up|down) a couple\b(?! of \w)", r"\1 2 db", s, flags=re.I)  # "river down a couple"
    s = re.sub(r"\b(?:tele)?phone-?y\b", "like a telephone", s, flags=re.I)  # "telephone-y", "phoney"
    s = re.sub(r"\b(radio|megaphone|walkie-talkie|underwater)-?y\b", r"like a \1", s, flags=re.I)
    s = re.sub(r"\babit\b", "a bit", re.sub(r"\balot\b", "a lot", re.sub(r"\bthru\b", "through", s, flags=re.I), flags=re.I),
               flags=re.I)
    s = re.sub(r"\breplace (?:the )?([^,;.]+?) with (an? |some )?(?=[^,;.]+)", r"remove the \1, add \2", s, flags=re.I)
    s = re.sub(r"\b(?:stays?|remains?|should stay|can stay) (?:in the )?(cent(?:er|re)|middle)\b", r"to the \1", s, flags=re.I)
    s = re.sub(r"\b(?:further|farther)(?: over)?(?: to(?: the)?)? (left|right)\b", r"\1", s, flags=re.I)  # as far as it goes  # "..., drop the theme by 3? cheers": the sentence ends there
    s = re.sub(r"(?<![\w.])(\d*\.\d+) (later|earlier|sooner)\b", r"\1 seconds \2", s, flags=re.I)  # "whoosh 0.25 later"
    s = re.sub(r"\bat least\b(?!\s*\d)", "", s, flags=re.I)
    s = re.sub(r"(?<=[a-z] )(?:maybe|perhaps|about|around|roughly|approximately|approx|something like) (?=[+-]?\d)", "", s, flags=re.I)
    s = re.sub(r"\b(\d+) ?(?:or|to|-|\u2013) ?(\d+) ?(db|dbs|decibels?)\b|(?:(?<=\blike )|(?<=\babout )|(?<=\bmaybe ))(\d+) or (\d+)\b(?! ?(?:ms|s|sec))",
               lambda m: f"{(int(m.group(1) or m.group(4)) + int(m.group(2) or m.group(5))) / 2:g}" + (f" {m.group(3)}" if m.group(3) else ""),
               s, flags=re.I)  # "like 4 or 5 dB": between the two
    s = re.sub(r"(?<=[a-zA-Z])\s*\+\s*(?=[a-zA-Z])", " and ", s)  # "arp + pad": two names, not a level
    s = re.sub(r"\s*(?:->|=>|\u2192)\s*", ": ", s)  # "pad -> dark": the sound, then what it gets
    s = re.sub(r"\bby (?=(?:a ton|a lot|a bunch|lots|loads|heaps|miles|a bit|a little|a touch|a tad|a hair|quite a bit|"
               r"a fair bit|a good bit)\b)", "", s, flags=re.I)
    s = re.sub(r"\b(so|s)o+\b", "so", re.sub(r"\b[ivxIVX]+\b|([a-zA-Z])\1{2,}",  # "toooo loud"; "Violins III" stays
                                            lambda m: m.group(1) * 2 if m.group(1) else m.group(0), s))
    s = re.sub(r",? (?:at )?(?:about |roughly )?(?:the )?same (?:level|volume|loudness) as (?:the (?:mix|rest|track|others)|"
               r"everything(?: else)?)\b", lambda m: "" if re.search(r"\d ?db\b", s[: m.start()], re.I) else " at 0 db", s,
               flags=re.I)  # "add a ding, same level as the rest"
    s = re.sub(r",? (?:just |about |roughly )?as loud as (?:the (?:mix|rest|track)|everything(?: else)?)\b",
               " at 0 db", s, flags=re.I)
    s = re.sub(r",? (?:just|slightly|a (?:little|touch|bit|hair)) (?:under|below|beneath) (?:the )?(?:mix|rest|track|"
               r"everything(?: else)?)\b", " at -3 db", s, flags=re.I)  # "just under the mix": read as a few dB under
    return re.sub(r"(?:about |around |roughly )?(\d+(?:\.\d+)?) ?db (?:under|below|beneath|quieter than) (?:the )?"
                  r"(?:mix|rest|track|everything(?: else)?)\b", r"at -\1 db", s, flags=re.I)


# "... so i can use it separately", "... so the dialogue is clear", "... because it's annoying": why, not what
# "to make space for the vocal, pull the pads down", "so the vocal cuts through, ...": why, said before what
PURPOSE_FIRST = re.compile(r"(?:(?:in order )?to (?:make|leave|give|free up|clear|create|open up) (?:some |more |a bit of )?"
                           r"(?:space|room|headroom) for|so (?:that )?(?:the |my |our )?[\w' -]+ (?:cuts? through|can be heard|"
                           r"comes? through|reads?|pops?|sits? better|stands? out))\b[^,;.]*")
PURPOSE = re.compile(r"\s+(?:so (?:that )?\w+ (?:reads?|cuts? through|comes? through|can be heard|sits?|pops?)\b|"
                     r"so (?:that )?(?:i|we|you|they|it|he|she|the|my|our|your|its|it's|they're|there|"
                     r"everything|nothing|people|listeners?)\b|so that|because|cause|cuz|since|in order to|"
                     r"for that|like it should|(?:it's|its|it is) supposed to|just to (?:glue|help|give|make|get|add|even|"
                     r"balance|fill|open|tighten|smooth|warm|sit)|to help (?:it|them))\b.*$")


# Words of talk around a request ("hi there", "ok so I love the take", "while you're at it"). A clause made only
# of these asks for nothing and is passed over; one more word (a sound, a verb, a number, "not") and it is read.
CHAT_WORDS = frozenset("""
hi hey hello yo there folks guys team everyone all morning evening ok okay so well um uh hmm alright cool great
awesome nice amazing lovely perfect thanks thank you cheers please i we i'm we're i've you're i'd love like liked loving
think guess feel really just actually anyway anyways the a an this that these those it it's its my our your is was
are be been for of in on with about overall mostly pretty take takes mix track song recording edit podcast episode
session version clip scene project demo sounds sounding good fine at while here here's now quick question
things stuff couple few changes tweaks notes bits what want wanted would could can do doing thx yeah yep if possible me
one small request favor favour chat ty
""".split())
_ASIDES = re.compile(r"\b(?:honestly|tbh|lol|lmao|haha+|imo|imho|basically|literally|frankly|"
                     r"thanks?(?: you)? (?:so|very) much|thanks a (?:lot|bunch|ton)|much appreciated|many thanks|"
                     r"thanks? (?:you )?for (?:earlier|before|yesterday|last time|the last (?:one|round|pass|mix))|af|idk|"
                     r"i (?:don't|dont) know|i think|i guess|i feel like|(?:i )?love the mix(?: so far)?)\b", re.I)


# "..., like it's down the hall", "..., like a juke joint": a picture of the edit before, not an edit
PICTURE = re.compile(r"like (?:it'?s|its|a|an|the|on|in|from|down|he'?s|she'?s|they'?re|we'?re|you'?re|some|my|our)\b"
                     r"(?! (?:lot|bit|little|tad|touch|hair|ton|few|couple|whole lot)\b)(?!.*\d)")
_DONE = re.compile(r"(?:and )?(?:nothing else|nothing more|just that|that's it|that is it|thats it|that's all|that is all)")


_QUESTION = re.compile(r"^\s*(?:is|are|does|do|did|was|were|has|have|should|shall|isn't|aren't|doesn't|how|why|what|which|"
                       r"where|when|who|am i|is it|would it)\b[^?]*\?\s*$", re.I)


def refuse_question(instruction: str) -> None:
    """'is the dog bark too loud?' asks, it does not tell: refused, never read as an edit."""
    if _QUESTION.match(instruction):
        raise PlanningError(f'"{instruction.strip()}" reads as a question, not an edit; say what to change, '
                            'e.g. "turn the X down 3 dB"')


_REASON = re.compile(r"(?:and |but |so |because |cause |as )?(?:we're|we are|we'll|we will|we've|i'm|i am|i'll|i will|i've|"
                     r"they're|it's going to|we're going to)\b")
_EDIT_WORD = re.compile(r"\b(?:louder|quieter|softer|up|down|left|right|cent(?:er|re)|front|middle|reverb|verb|echo|remove|mute|"
                        r"cut|add|pan|bright|brighter|dark|darker|warm|warmer|cold|colder|muffled|later|earlier|shift|delay|"
                        r"solo|isolate|keep|lose|kill|drop|boost|lower|raise|turn|make|move|put|bring|more|less|too|no|not|"
                        r"don't|never|only|just|instead|rather|except|but)\b")


_WHY = re.compile(r"(?:and |cause |because |since |as )?(?:it|they|that|this|those|these)(?:'s|'re| is| are| keeps?)? "
                  r"(?:\w+ ){0,2}?(?:distracting|annoying|bugging|bothering|driving (?:me|us)|waking|wakes|bugs|annoys|"
                  r"distracts|bothers)\b")


def is_chat(fragment: str, labels: list[str] | tuple[str, ...] = ()) -> bool:
    """A fragment of talk that asks for no edit; never one that names a sound or holds a number."""
    low = fragment.lower()
    if _DONE.fullmatch(low.strip(" .!")):
        return True
    if _WHY.match(low) and not re.search(r"\d", low):
        return True  # "..., they're distracting from the reader", "..., it wakes me up": why, not what
    if any(re.search(rf"\b{re.escape(x.lower())}\b", low) for x in labels):
        return False
    if _REASON.match(low) and not re.search(r"\d", low) and not _EDIT_WORD.search(low):
        return True  # "we're re-recording it tomorrow anyway": why, not what
    words = re.findall(r"[\w']+", low)
    if not words:
        return False
    return all(w in CHAT_WORDS for w in words)


# "X sounds like it's in another room" describes the sound as it is; "make X sound like ..." asks for it
_DESCRIBED = re.compile(r"\b(?:sounds|'s sounding|is sounding|are sounding)\s+(?:like|as if|as though)\b|"
                        r"\b(?:is|are|'s|was|were) (?:on|over|through) (?:a |an |the )?(?:\w+ )?(?:phone|telephone|radio|speaker)\b")
_WANTED = re.compile(r"\b(?:make|makes|making|should|needs? to|want|wanna|let|have|get|like it to|could)\b[^,;.]*\bsounds?\b")


def describes_tone(clause: str) -> bool:
    """The clause says how a sound sounds now ("Priya sounds like she's in another room"), not how it should."""
    return _DESCRIBED.search(clause) is not None and _WANTED.search(clause) is None


_SMALL = (r"\b(?:a (?:little )?bit|a little|slightly|a touch|a tad|a hair|a smidge|a notch|somewhat|subtly|gently|a hint|"
          r"not too much|not too heavy|not much|not a lot|nothing crazy|nothing heavy)\b")

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
_REVERB_HUGE = (r"\b(?:(?:long|big|huge|massive|giant|epic|deep),? (?:and )?lush[- ](?:reverb|verb|hall)|"
                r"(?:cathedral|church|cave|stadium|arena|hall|canyon|tunnel|warehouse|plate|huge|massive|giant|"
                r"epic|infinite|endless|long|big|large)[- ](?:reverb|verb|echo)|(?:in|inside) (?:a |an |the )?(?:huge |big |massive |giant |large )?(?:cathedral|church|cave|stadium|arena|"
                r"concert hall|hall|canyon|tunnel|warehouse|gym)|like (?:a |an |in a |in an )?(?:huge |big |massive |giant )?"
                r"(?:cathedral|church|cave|stadium|arena|canyon|tunnel|warehouse|concert hall)|drench(?:ed)?(?: it)?(?: in reverb)?|drown(?:ed)?(?: it)? in reverb|"
                r"(?:huge|massive|big|heavy|lots of|tons of|loads of|heaps of|a lot of|way more|really) "
                r"(?:(?:cathedral|church|hall|plate|chamber|cave|spring) )?(?:reverb|verb|echo|room|space))\b")
_REVERB_SMALL = (r"\b(?:(?:a touch|a bit|a little|a hint|a tad|a dash|a splash|a smidge|slight|subtle|light|some light|a little bit|little|tiny|small)"
                 r"(?: of)? (?:reverb|verb|echo|room|space|ambience)|(?:in|inside) (?:a )?(?:small room|bathroom|small space))\b")
_REVERB = (r"\b(?:reverb|reverberation|verb|echo(?:ey|y)?|echoes|roomier|roomy|(?:some|more|a|big|larger|bigger) room|"
           r"room sound|in a room|wetter|wet|ambience|(?:more|some) space|spacious|washy|more distant reverb)\b")
_NO_REVERB = (r"\b(?:less|drier|dry|dry up|no|remove|cut|kill|get rid of|lose|take out|without|too much|so much)\b.{0,20}"
              r"\b(?:reverb|verb|echo|echoey|echoy|reverby|room|ambience)\b|\bdrier\b|"  # "too dry", "sounds dry": a wish for reverb
              r"\b(?<!too )(?<!so )(?<!very )(?<!bit )(?<!is )(?<!are )(?<!sounds )(?<!sound )(?<!'s )(?<!pretty )(?<!really )"
              r"(?<!quite )(?<!feels )dry\b|\bless (?:echoey|echoy|reverby|roomy|wet)\b")
_TIMBRE = [
    (r"\b(?:(?:like|through|on|over|down|via) (?:a |an |the )?(?:old |cheap |bad |proper )?(?:telephone|phone)(?: call| line)?|"
     r"phone call|phone line|telephone filter|telephone line|phoney|phony)\b", "telephone"),
    (r"\b(?:walkie-?\s?talkie|two-way radio|cb radio)\b", "walkie-talkie"),
    (r"\b(?:megaphone|bullhorn|loudhailer|loud hailer)\b", "megaphone"),
    (r"\b(?:small speaker|tiny speaker|laptop speaker|cheap speaker|phone speaker|little speaker|baby monitor|"
     r"(?:tv|car|tiny tv) speakers?)\b", "small speaker"),
    (r"\b(?:underwater|under water)\b", "underwater"),
    (r"\blike (?:a |an )?(?:real |old |cheap |proper |vintage |tinny |little |old-school |am |fm )*radio\b|\bradio filter\b|"
     r"\bam radio\b|\bold radio\b", "radio"),
    (r"\b(?:muffled|muffle|duller|dull|through (?:a|the) (?:(?:closed|shut|thick) )?(?:wall|door|floor|window)|behind (?:a|the) (?:wall|door)|"
     r"in (?:the|another) room|in (?:the |a )?(?:next|other|different|adjacent) room|in another room|next door|"
     r"from (?:another|the next|next|a different|the other|an adjacent) room|from next door|from outside|outside)\b", "muffled"),
    (r"\b(?:brighter|brighten|bright|more sparkle|sparkly|sparkle|airy|airier|more air|crisper|crisp|shinier|more treble|"
     r"more highs|more top end|more presence|less muddy|less dull|less muffled|less boomy|less boxy|less dark|more brilliant|brilliant)\b", "bright"),
    (r"\b(?:darker|darken|dark|less bright|less treble|less top end|fewer highs|moodier|gloomier|murkier|murky|less shrill|less harsh|less tinny|less piercing|less brittle|less sibilant|less sharp|boomier|boomy|less crisp)\b", "dark"),
    (r"\b(?:warmer|warm up|warm it up|warmth|warm|mellower|mellow|rounder|cosier|cozier|fuller|fatter|thicker|less thin|less cold)\b", "warm"),
    (r"\b(?:colder|cold|cooler|cool|icier|icy|clinical|sterile|glassy|less warm)\b", "cold"),
]
_QUIET_ADD = (r"\b(?:quiet|quietly|soft|softly|faint|faintly|subtle|gentle|distant|low|in the background|into the background|"
              r"in the back|a touch of|a hint of|a little|a bit of|in the distance|far off|far-off|far away|way off|off in the distance|"
              r"far in the distance|from afar|way in the distance|barely audible)\b")
_VERY_QUIET_ADD = (r"\b(?:(?:very|really|super|extremely|so) (?:quiet|quietly|soft|softly|faint|faintly|subtle|distant|low)|"
                   r"barely audible|barely there|just audible|hardly audible|far far away)\b")
_DIRECTION = (r"\b(?:pan|move|put|place|sit|position|send|swing|relocate|reposition|locate|sits|goes|go|come from|comes from|"
              r"coming from|stick|shove|plonk|park|chuck|toss)\b")

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
    r"throw|slap|stick|chuck|whack|pop|start|starts|come in|comes in|"
    r"i want|i need|i'd like|want|can|could|leave|keep)\b\s*")
_PRONOUNS = {"it", "them", "em", "'em", "both", "both of them", "all of them", "the two", "the pair", "him", "her", "that", "this", "those", "these", "this one", "that one", "they", "the same", "that sound",
             "this sound", "it all", "its", "their", "the one"}
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
         "thing", "those", "these", "hear", "have", "see"}
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


_PLACE_LETTERS = {"l": "left", "r": "right", "c": "center", "lf": "left front", "rf": "right front", "fl": "left front",
                  "fr": "right front", "ll": "left", "rr": "right"}


def place_letters(text: str, labels: list[str] | None) -> str:
    """Console shorthand for places ("gtr 1 L, gtr 2 R", "mando LF", "keys hard L") in words; a letter that is part
    of a source's name ("Room L") stays."""
    spans = [m.span() for lb in labels or [] for m in re.finditer(rf"(?<!\w){re.escape(lb)}(?!\w)", text, re.I)]

    def spell(m: re.Match) -> str:
        inside = any(a <= m.start(1) < b for a, b in spans)
        return m.group(0) if inside else m.group(0)[: m.start(1) - m.start()] + _PLACE_LETTERS[m.group(1).lower()]

    return re.sub(r"(?<=\w )(l|r|c|lf|rf|fl|fr|ll|rr)(?=\s*(?:$|[,;.&]|\band\b|\+|-\s))", spell, text, flags=re.I)


def refuse_unknown_quality(text: str, label_words: set[str]) -> None:
    """"make the strings sound more expensive", "more lo-fi": a quality neither reader knows is refused, never read as
    "more" (louder)."""
    odd = re.search(r"\bmore ([a-z][a-z-]*[a-z]{2})\b", text)
    known = _KNOWN_WORDS | label_words | {"far", "farther", "further", "close", "closer", "near", "nearer", "left", "right",
                                          "front", "center", "centre", "middle", "side"}
    if odd and not all(part in known for part in odd.group(1).split("-")):  # "more front-right" is a place
        raise PlanningError(f'"more {odd.group(1)}": SmartDJ does not know that quality; {HELP}')


def takes_reverb_away(clause: str) -> bool:
    """"less reverb on X", "dry it up", "way too much verb": reverb can only be added (both readers refuse)."""
    return re.search(_NO_REVERB, clause) is not None and re.search(_REVERB_HUGE, clause) is None
