"""The wide designer's vocabulary: how people say each atomic edit, in templates with ``X`` for the sound.

Templates mark the sound ``X``, a number ``{n}``, an amount word ``{amt}``, a place ``{loc}``, a tone
``{q}``. Each entry is ``(template, complaint)``: a complaint describes the problem instead of asking
for the fix ("X is too loud"); the reader keeps a complaint's edit only when no fix is asked for.
"""

from __future__ import annotations

from smartdj.engine.planning.rules_words import BURY_VERBS, STRONG_VERBS  # noqa: F401  (one list for rules and designer)

UP = [
    "turn up X", "turn X up", "X up", "bring X up", "bring up X", "boost X", "raise X", "crank X", "crank up X", "crank X right up", "slam X up",
    "push X", "push X up", "lift X", "make X louder", "X louder", "more X", "X needs to be louder", "ride X up",
    "pump up X", "bump X", "bump up X", "give X a boost", "increase X", "bring out X", "X could be louder",
    "X a bit hotter", "X hotter", "louder X", "i want more X", "can we get more X", "let X come through more",
    "X should stand out more", "bring X forward in the mix", "dial X up", "nudge X up", "up X", "X needs a lift",
    "beef up X", "juice X", "louden X", "more of X", "give X more level", "X wants to be louder",
    "turn the volume of X up", "X more present", "make X more audible", "X needs more volume",
    "X needs to cut through", "X needs to be clearly heard over X", "X should lead", "give X {n} db",
    "X should be heard over X", "X should sit on top", "let X cut through", "X needs to poke out more",
]
UP_COMPLAINT = [
    "X is too quiet", "X is too soft", "i can't hear X", "cant hear X", "X is buried", "X is getting lost",
    "X is lost in the mix", "X is barely audible", "X is hard to hear", "X disappears", "X is way too low",
    "X feels weak", "X is too low", "X gets drowned out", "X is hiding", "where is X", "X is too far back",
    "X is a bit quiet", "X is kinda quiet", "X is quiet", "X sounds far away", "X sounds too far away",
    "X is inaudible", "X is basically inaudible", "X is too distant", "X is lost under X",
]
DOWN = [
    "turn down X", "turn X down", "X down", "lower X", "pull X down", "pull X back", "pull back X", "reduce X",
    "make X quieter", "make X softer", "X quieter", "X softer", "tuck X under", "tuck X in", "sink X",
    "bury X", "slam X down", "yank X down", "duck X", "dim X", "back X off", "back off X", "ease X off", "ease off X", "less X",
    "X could come down", "take X down", "knock X down", "knock down X", "attenuate X", "drop X down",
    "bring X down", "bring down X", "X lower", "quieter X", "turn the volume of X down", "dial X back",
    "dial back X", "nudge X down", "X needs to come down", "pull down X", "lower the level of X",
    "decrease X", "soften X", "X should be quieter", "sit X back", "X back a bit",
    "push X back in the mix", "X further back in the mix", "X more distant", "X further away", "X further off",
    "push X further away", "drop X {n}", "drop X by {n}", "X under X", "X way under X", "X sits under X",
    "X tucked under X", "X underneath X", "calm X down", "turn X right down",
    "cut X a lot", "cut X by half", "X should be barely there", "X way down", "knock X back",
    "X to make space for X", "pull X under X", "sit X under X", "get X out of the way of X",
]
DOWN_COMPLAINT = [
    "X is too loud", "X is way too loud", "X is drowning everything", "X is too much", "X is overpowering",
    "X is masking the rest", "X is covering everything", "X is too hot", "X is too prominent", "X is blasting",
    "X sticks out", "X is too in your face", "X is overbearing", "X dominates the mix", "X is deafening",
    "X is louder than X", "X is way louder than X",
    "X is sitting on top of X", "X is in your face", "X is too present", "X is stepping all over X",
]
REMOVE = [
    "remove X", "cut X", "kill X", "mute X", "lose X", "nix X", "ditch X", "axe X", "scrap X", "get rid of X",
    "take out X", "take X out", "X out", "X gone", "yank X", "delete X", "silence X", "strip X",
    "strip out X", "eliminate X", "erase X", "i don't want X", "X has to go", "scrub X", "zap X", "drop X",
    "lose X entirely", "kill X completely", "remove X completely", "get X out of there", "without X",
    "i dont want to hear X", "bin X", "chuck X", "toss X", "can X", "wipe X", "X needs to go", "X must go",
    "take away X", "rid of X", "cut out X", "filter out X", "mute X entirely", "X off",
    "nuke X", "X off please", "get rid of that X", "X bye", "lose X please", "no more X", "X can go",
]
REMOVE_COMPLAINT = [
    "X is distracting", "X is annoying", "X is driving me nuts", "X is ruining the take", "X shouldn't be there",
    "X is unwanted", "X is killing me", "i hate X",
    "X is obnoxious", "X is so annoying",
]
EXTRACT = [
    "keep only X", "solo X", "isolate X", "just X", "only X", "X only", "extract X", "leave just X",
    "leave only X", "keep just X", "nothing but X", "i only want X", "i just want X", "give me only X",
    "pull out X on its own", "X by itself", "X alone", "just give me X", "strip everything but X",
    "keep X and nothing else", "only keep X", "X and nothing else", "X isolated", "i need X isolated",
    "X on its own", "X solo'd", "give me X alone",
    "pull out just X for me", "can i get a version with only X", "just X please", "only X pls",
    "keep only X please", "just X on its own", "only the X", "just the X",
]
PAN = [
    "pan X {loc}", "X {loc}", "put X {loc}", "move X {loc}", "shove X {loc}", "place X {loc}", "send X {loc}",
    "X should sit {loc}", "swing X {loc}", "X over {loc}", "push X {loc}", "slide X {loc}", "pan X over {loc}",
    "i want X {loc}", "X needs to be {loc}", "put X over {loc}", "can you pan X {loc}", "have X come from {loc}",
    "X coming from {loc}", "position X {loc}", "X belongs {loc}", "throw X {loc}", "park X {loc}",
    "X farther {loc}", "X further {loc}", "X more {loc}", "X more to {loc}", "X over to {loc}",
]
LOCS = {  # how each place is said after a pan verb
    "left": ["left", "to the left", "on the left", "hard left", "far left", "all the way left", "fully left",
             "to the left side", "in the left speaker", "off to the left", "l", "hard l", "100 left", "lft", "to the left channel"],
    "right": ["right", "to the right", "on the right", "hard right", "far right", "all the way right",
              "fully right", "to the right side", "in the right speaker", "off to the right", "r", "hard r",
              "100 right", "rght"],
    "left front": ["slightly left", "a bit left", "a little to the left", "left a bit", "a touch left",
                   "just left of center", "half left", "left of center", "a little left", "somewhat left", "left front", "front left", "to the left front", "front-left",
                   "a little off to the left", "left of centre"],
    "right front": ["slightly right", "a bit right", "a little to the right", "right a bit", "a touch right",
                    "just right of center", "half right", "right of center", "a little right", "somewhat right", "right front", "front right", "to the right front",
                    "front-right", "a little off to the right", "right of centre"],
    "front": ["center", "front", "to the front", "to the center", "in the middle", "dead center", "to the middle", "centre", "middle",
              "front and center", "in the centre", "back to center", "mono center", "up the middle"],
}
LATER = [
    "delay X by {n} ms", "shift X {n} ms later", "shift X by {n} seconds", "X {n} ms later", "nudge X later by {n} ms",
    "slide X {n} s later", "move X {n} ms later", "offset X by {n} ms", "delay X {n} seconds", "push X later by {n} ms",
    "make X come in {n} ms later", "X should start {n} s later", "let X come in {n} seconds late",
    "delay X", "X later", "shift X later", "make X later", "X a touch later", "X a little late", "X slightly late",
    "X late by {n} ms", "X {n} ms late", "X a hair late", "lay X back by {n} ms", "drag X {n} ms",
    "drag X behind the beat", "put X behind the beat by {n} ms", "lay X behind the beat", "drag X {n} ms behind",
]
LATER_COMPLAINT = [
    "X comes in {n} ms too early", "X is {n} ms early", "X lands {n} ms early", "X is {n} seconds too soon",
    "X is ahead of the beat by {n} ms", "X rushes by {n} ms", "X is early",
    "X is rushing", "X hits {n} ms early", "X is a bit early",
]
EARLIER = [  # a negative shift
    "X earlier", "move X {n} ms earlier", "shift X earlier", "pull X forward by {n} ms", "advance X by {n} ms",
    "X {n} seconds sooner", "make X come in sooner", "X {n} ms earlier", "shift X {n} ms earlier",
    "make X come in {n} seconds earlier", "X should start {n} s earlier", "nudge X earlier by {n} ms",
    "move X {n} seconds earlier", "X a touch earlier", "slide X {n} ms earlier",
]
EARLIER_COMPLAINT = [
    "X is {n} ms late", "X lags by {n} ms", "X drags", "X comes in too late", "X is behind the beat",
    "X is dragging", "X is lagging", "X hits {n} ms late", "X is a bit late",
    "X lands {n} ms late", "X is {n} seconds too late", "X is late by {n} ms", "X comes in {n} ms too late",
]
REVERB = [
    "reverb on X", "add reverb to X", "X wetter", "give X some room", "give X some space", "some verb on X",
    "put X in a room", "more reverb on X", "X needs reverb", "drench X in reverb", "X more spacious",
    "X more ambient", "echo on X", "X with some echo", "add some room to X", "make X wetter", "verb X",
    "X in a hall", "throw some verb on X", "put some reverb on X", "wash X in reverb", "X roomier",
    "X needs some air around it", "X sounds too dry", "X is too dry", "a bit of reverb on X", "X feels dry",
    "X is dry", "X feels too dry",
    "X with a wash of reverb", "X in some space", "X needs a hall", "X needs some room", "X could use some reverb",
    "a plate on X", "put a plate on X", "spring reverb on X", "a medium plate on X", "a nice room on X",
    "X could use a room", "X needs that hall sound",
    "X with a reverb", "a medium amount of reverb on X", "give X a roomy feel", "X in a medium room",
]
REVERB_SIZE = {
    "small": ["a touch of reverb on X", "a little verb on X", "light reverb on X", "a hint of room on X",
              "a splash of reverb on X", "subtle reverb on X", "a small room on X", "X in a small room"],
    "big": ["X in a cathedral", "huge reverb on X", "a big hall on X", "X in a cave", "massive verb on X",
            "drown X in reverb", "tons of reverb on X", "X in a church", "a big washy reverb on X",
            "X in a stadium", "loads of verb on X", "X drenched in reverb", "X soaked in reverb",
            "X swimming in reverb", "bathe X in reverb", "X washed out in reverb", "X needs a huge hall",
            "X needs that huge hall", "a massive plate on X", "a long hall on X",
            "X with a heavy reverb", "heavy reverb on X", "X should sound massive", "a heavy hall on X"],
}
NO_REVERB = [  # reverb can only be added
    "less reverb on X", "dry up X", "X is too wet", "take the verb off X", "too much reverb on X",
    "remove the reverb from X", "X drier", "kill the reverb on X", "less echo on X", "make X dry",
]
TIMBRE = {
    "bright": ["brighter X", "make X brighter", "brighten X", "X brighter", "more air on X", "X crisper",
               "add sparkle to X", "X needs more top end", "open up X", "X less dull", "X less muffled",
               "X more shimmery", "add some shine to X", "X more brilliant", "X sounds dull", "X is muffled",
               "give X more air", "X more bright", "X is a bit dull", "X sounds too dark", "X is too dark"],
    "dark": ["darker X", "make X darker", "darken X", "X darker", "X less bright", "X less harsh",
             "tame the highs on X", "X mellower", "take the edge off X", "tame the harshness of X", "X less shrill", "X less tinny", "X too bright",
             "X sounds harsh", "X is piercing", "roll the top off X", "X less brittle", "X more dark", "X too sharp",
             "X is a bit harsh", "X is too bright"],
    "warm": ["warmer X", "make X warmer", "warm up X", "X warmer", "X more body", "X cozier", "X less cold",
             "fatten X up", "X richer", "X sounds cold", "X is too thin", "X more analog", "give X warmth",
             "X more warm", "X is a bit cold", "X is a touch cold", "X is too cold"],
    "cold": ["colder X", "make X colder", "X colder", "X icier", "X more sterile", "X more clinical",
             "X less warm", "X chillier", "X more glassy", "cool X down", "X is too warm", "X more cold"],
    "muffled": ["muffle X", "make X muffled", "X more muffled", "X behind a wall", "X through a door",
                "X smothered", "X like it's in the next room", "dull X", "X under a blanket", "X muted and muffled",
                "X like it's heard through a closed window", "X like inside the car", "X like it's coming from the next room",
                "X from outside", "X through a wall"],
    "telephone": ["X like a telephone", "X like on the phone", "telephone filter on X", "X like a phone call",
                  "make X sound like a telephone", "phone effect on X", "X through a phone"],
    "radio": ["X like an old radio", "make X sound like a radio", "X like am radio", "radio effect on X",
              "X through a transistor radio", "X like a radio broadcast", "X like it's coming from an old radio",
              "X over the radio", "X like it's coming over the radio", "X on an old radio"],
    "walkie-talkie": ["X like a walkie talkie", "walkie talkie effect on X", "X through a walkie",
                      "X like a two way radio", "make X sound like a walkie-talkie", "X like a cb radio"],
    "underwater": ["X underwater", "make X sound underwater", "X like it's under water", "X submerged",
                   "underwater effect on X", "X like from under the sea"],
    "megaphone": ["X through a megaphone", "megaphone on X", "X like a bullhorn", "X like a megaphone",
                  "make X sound like a megaphone", "bullhorn effect on X", "X on the intercom", "X like a pa system"],
    "small speaker": ["X like a small speaker", "X through a tiny speaker", "X like a laptop speaker",
                      "X like a cheap speaker", "X from a little speaker", "small speaker effect on X"],
}
ADD = [
    "add {s} {loc}", "add some {s} {loc}", "throw in {s} {loc}", "bring in {s} {loc}", "layer some {s} {loc}",
    "put {s} {loc}", "i want {s} {loc}", "can we get some {s} {loc}", "drop in {s} {loc}", "mix in {s} {loc}",
    "add a {s} {loc}", "stick some {s} {loc}", "give me some {s} {loc}", "sprinkle in {s} {loc}",
    "add {s}", "add some {s}", "throw in some {s}", "we need {s}", "insert {s} {loc}",
]
ADD_LEVEL = {
    "quiet": ["faint", "quiet", "distant", "soft", "far-off", "far off", "subtle", "low", "barely there"],
    "loud": ["loud", "big", "booming", "prominent"],
    "quiet_tail": ["in the background", "in the distance", "way off in the distance", "far away", "quietly",
                   "very low in the mix", "faintly"],
}
NEW_SOUNDS = [
    "rain", "thunder", "birds", "birdsong", "wind", "traffic", "church bells", "crowd noise", "applause",
    "a dog barking", "crickets", "ocean waves", "a train horn", "sirens", "footsteps", "a clock ticking",
    "vinyl crackle", "tape hiss", "a crackling fire", "seagulls", "owls", "a helicopter", "a thunderstorm",
    "chimes", "a car passing", "distant chatter", "a baby crying", "a door creak", "a cat meowing", "cicadas",
    "a shaker", "a tambourine", "hand claps", "a cowbell", "a choir", "strings", "a pad", "a kick drum",
]
SAME = [
    "same for X", "do the same to X", "X too", "X as well", "same with X", "and X as well", "same again for X",
    "likewise X", "X the same way", "ditto for X", "same treatment for X", "X also",
]
NONE = [
    "X is fine", "leave X alone", "don't touch X", "X sounds great", "X is perfect", "keep X as is",
    "X is fighting with the rest", "thanks", "cheers", "please", "X is good", "X stays", "that's it",
    "they're both distracting", "it sounds muddy overall", "i love X", "nice", "X is ok", "no changes to X",
    "it's a bit messy", "this is for a podcast", "X sounds too modern", "X leave alone", "keep X", "keep X as it is",
    "keep the rest", "keep X and the rest", "X stays as is", "leave X be", "X untouched",
    "X can stay", "X is staying", "X is wrecking the take",
    "X is ruining everything", "it's supposed to be a quiet scene", "X is crowding X", "X is fighting X", "we're mixing a demo", "X is the main thing", "hmm",
    "X", "the X",
]
UNSUPPORTED = [
    "pitch X up", "pitch X down a semitone", "speed up X", "slow X down", "time-stretch X", "eq X at 200 hz",
    "compress X", "fade X out", "fade in X", "reverse X", "loop X", "autotune X", "X an octave higher",
    "sidechain X", "make X faster", "X between {n} and {m} seconds", "X in the chorus", "X for the first two bars",
    "X from 0:30 to 0:45", "make X wider", "X in mono", "normalize X", "gate X", "quantize X",
    "cut 200 hz on X", "de-ess X", "add distortion to X", "put a flanger on X", "X only in the intro",
    "make X slowly get louder", "X gradually louder over the clip", "swell X in", "automate X", "ride X over time",
    "add swing to X", "make X groove more", "tune X", "double X", "make X sound like a guitar", "harmonize X",
    "add chorus to X", "make X punchier", "widen X", "X should build up", "X louder and louder",
]
AMOUNTS = {
    "tiny": ["a hair", "a tad", "a smidge", "a touch", "a tiny bit", "just a touch", "barely", "a whisker",
             "a teensy bit", "ever so slightly"],
    "small": ["a little", "a bit", "slightly", "somewhat", "a notch", "a little bit", "a few db", "some", "gently"],
    "big": ["quite a bit", "a fair bit", "a good bit", "a lot", "way", "a bunch", "a whole lot", "lots", "loads", "heaps", "massively", "a ton", "a good deal", "much", "way more", "tons",
            "hugely", "seriously", "drastically", "like crazy"],
}
FILLERS_BEFORE = ["", "", "", "", "please ", "can you ", "could you ", "hey ", "ok ", "so ", "maybe ", "just ",
                  "i think we should ", "let's ", "could we ", "can we ", "yo ", "um ", "alright ", "go ahead and "]
FILLERS_AFTER = ["", "", "", "", " please", " thanks", " for me", " if you can", " pls", " lol", " ok?", " i think"]
VAGUE_COMPLAINT = [  # a problem without its fix: the fix is asked for in another clause
    "X is too splashy", "X is boomy", "X sounds muddy", "X is too harsh", "X is a mess", "X sounds weird",
    "X is fighting with X", "X sounds off", "X is clashing with X", "X is kind of annoying me", "X is not right",
    "X and X are fighting", "X is stepping on X", "X feels wrong", "X is too busy", "X is sibilant",
]
_SMALL_SIDE = ["slightly", "a bit", "a little", "a touch", "a tad", "a lil", "somewhat", "just a bit", "a little bit",
               "a hair", "a smidge", "partly"]
for _side in ("left", "right"):
    LOCS[f"{_side} front"] += [f"{m} {w}" for m in _SMALL_SIDE for w in (_side, f"to the {_side}", f"towards the {_side}")]
    LOCS[f"{_side} front"] += [f"{_side} {m}" for m in ("a bit", "a little", "slightly", "a touch")]
JOINERS = [", ", " and ", ", then ", " then ", "; ", ". ", " and then ", ", also ", " also ", " plus ", " / ",
           ", and ", " & ", "\n", " - "]
PRONOUNS_ONE = ["it", "it", "it", "that", "this one", "that one"]
PRONOUNS_MANY = ["them", "both", "both of them", "those", "these", "them both", "all of them"]
CLAUSE_FILLERS = ["", "", "", "", "", "can you ", "could you ", "please ", "just ", "and ", "maybe ", "now "]
MODIFIERS = ["slightly ", "a bit ", "a touch ", "a little ", "much ", "way ", "a lot "]
