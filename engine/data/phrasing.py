"""The wide designer: requests phrased the many ways people type them, with their exact plans, for the reader.

Each example is a whole request (several clauses joined the ways people join them, with fillers,
typos, pronouns, complaints, amounts in words and shorthand) over a random set of labels, and its
canonical plan, checked by the one plan check. Each clause also carries the reader's targets: its
operation, place, tone, amount word and whether it is a complaint. ``smartdj train reader`` learns
from these; the wording lists are in engine/data/phrasing_words.py.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from smartdj.bridge.language import EditError, Step
from smartdj.bridge.plan_check import check_plan
from smartdj.engine.data import phrasing_words as W
from smartdj.engine.planning.rules_words import (
    BIG_DB,
    DEFAULT_DB,
    DEFAULT_SECONDS,
    SMALL_DB,
    STRONG_DB,
    TINY_DB,
)

PLACEHOLDER = "<x>"  # where a source's name stands; the reader puts it where it finds a label
OPS = ("none", "up", "down", "remove", "extract", "pan", "later", "reverb", "timbre", "add", "same",
       "earlier", "unreverb", "unsupported")
REFUSING_OPS = ("unreverb", "unsupported")
PLACES = ("-", "left", "left front", "front", "right front", "right")
QUALITIES = ("-",) + tuple(W.TIMBRE)
AMOUNTS = ("-", "tiny", "small", "big", "strong", "quiet", "loud")

LABEL_POOL = [
    "lead vocal", "backing vocals", "piano", "electric guitar", "acoustic guitar", "bass guitar", "drum kit",
    "kick drum", "snare drum", "hi-hat", "synth pad", "lead synth", "organ", "violin", "cello", "trumpet",
    "saxophone", "flute", "harp", "choir", "dog barking", "traffic", "rain", "church bells", "birds", "wind",
    "footsteps", "door slam", "crowd", "applause", "host", "guest", "narrator", "interviewer", "music bed",
    "room tone", "air conditioner hum", "keyboard typing", "phone ringing", "siren", "thunder", "ocean waves",
    "fire crackling", "clock ticking", "car engine", "helicopter", "baby crying", "laughter", "shaker",
    "tambourine", "congas", "808 bass", "vocal chop", "strings", "brass section", "upright bass", "banjo",
    "mandolin", "accordion", "crickets", "seagulls", "train", "ambience", "sound effects", "dialogue", "score",
]


@dataclass
class Clause:
    text: str
    op: str
    place: str = "-"
    quality: str = "-"
    amount: str = "-"
    complaint: int = 0


def typo(word: str, rng: random.Random) -> str:
    """One slip of the fingers: a swap, a drop, a double or a neighbour key."""
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiourstnl") + word[i + 1:]


def _typos(text: str, rng: random.Random, rate: float) -> str:
    return " ".join(w if w == PLACEHOLDER or rng.random() > rate else typo(w, rng) for w in text.split(" "))


def _volume(rng: random.Random, up: bool) -> tuple[str, str, float]:
    """An amount phrase, its amount class and the dB it means."""
    n = rng.choice([1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12])
    form = rng.randrange(9)
    if form == 0:
        return f" by {n:g} db", "-", n
    if form == 1:
        return f" {n:g}db", "-", n
    if form == 2:
        return f" {'+' if up else '-'}{n:g}", "-", n
    if form == 3:
        return f" {n:g} decibels", "-", n
    if form in (4, 5):
        kind = rng.choice(["tiny", "small", "big"])
        return " " + rng.choice(W.AMOUNTS[kind]), kind, {"tiny": TINY_DB, "small": SMALL_DB, "big": BIG_DB}[kind]
    return "", "-", DEFAULT_DB


def _clause(rng: random.Random, op: str, target: str) -> tuple[Clause, dict]:
    """One clause about ``target`` (a label, a pronoun or the placeholder) and what it asks for."""
    if op in ("up", "down"):
        complaint = rng.random() < 0.25
        pool = (W.UP_COMPLAINT if op == "up" else W.DOWN_COMPLAINT) if complaint else (W.UP if op == "up" else W.DOWN)
        amount, kind, db = ("", "-", DEFAULT_DB) if complaint else _volume(rng, op == "up")
        text = rng.choice(pool)
        if "{n}" in text:
            n = rng.choice([2, 3, 4, 6, 8])
            text, amount, kind, db = text.replace("{n}", str(n)), "", "-", n
        if kind == "-" and not amount and any(v in text.split() for v in W.STRONG_VERBS):
            kind, db = "strong", STRONG_DB  # "crank it", "sink them": more than the default
        elif kind == "-" and not amount and any(v in text.split() for v in W.BURY_VERBS):
            kind, db = "big", BIG_DB
        return Clause(text + amount, op, amount=kind, complaint=int(complaint)), {"db": db}
    if op == "pan":
        place = rng.choice(PLACES[1:])
        return Clause(rng.choice(W.PAN).replace("{loc}", rng.choice(W.LOCS[place])), op, place=place), {}
    if op in ("later", "earlier"):
        complaint = rng.random() < 0.3
        pools = {("later", False): W.LATER, ("later", True): W.LATER_COMPLAINT, ("earlier", False): W.EARLIER,
                 ("earlier", True): W.EARLIER_COMPLAINT}
        text = rng.choice(pools[(op, complaint)])
        seconds = DEFAULT_SECONDS
        if "{n} ms" in text:
            n = rng.choice([10, 20, 30, 50, 80, 100, 150, 250, 500])
            text, seconds = text.replace("{n}", str(n)), n / 1000
        elif "{n}" in text:
            n = rng.choice([0.1, 0.25, 0.5, 1, 1.5, 2])
            text, seconds = text.replace("{n}", f"{n:g}"), n
        return Clause(text, op, complaint=int(complaint)), {"seconds": seconds}
    if op == "reverb":
        size = rng.choice(["-", "-", "small", "big"])
        pool = W.REVERB if size == "-" else W.REVERB_SIZE[size]
        return Clause(rng.choice(pool), op, amount={"-": "-", "small": "small", "big": "big"}[size]), {}
    if op == "timbre":
        quality = rng.choice(QUALITIES[1:])
        text = rng.choice(W.TIMBRE[quality])
        if rng.random() < 0.3:  # "slightly warmer", "a bit darker"
            text = re.sub(r"\b(\w{3,}er)\b", lambda m: rng.choice(W.MODIFIERS) + m.group(1), text, count=1)
        complaint = re.search(r"\b(?:is|sounds|too)\b", text) is not None  # "X sounds dull": the problem
        return Clause(text, op, quality=quality, complaint=int(complaint)), {}
    pools = {"remove": W.REMOVE, "extract": W.EXTRACT, "same": W.SAME, "none": W.NONE,
             "unreverb": W.NO_REVERB, "unsupported": W.UNSUPPORTED}
    complaint = (op == "remove" and rng.random() < 0.2) or (op == "none" and rng.random() < 0.4)
    text = rng.choice((W.REMOVE_COMPLAINT if op == "remove" else W.VAGUE_COMPLAINT) if complaint else pools[op])
    return Clause(text.replace("{n}", str(rng.choice([2, 3, 10, 20]))).replace("{m}", "5"), op,
                  complaint=int(complaint)), {}


def _add_clause(rng: random.Random) -> tuple[Clause, Step]:
    sound = rng.choice(W.NEW_SOUNDS)
    place = rng.choice(PLACES[1:]) if rng.random() < 0.7 else "-"
    level = rng.choice(["-", "-", "quiet", "quiet_tail", "loud"])
    said = sound
    if level in ("quiet", "loud"):
        said = f"{rng.choice(W.ADD_LEVEL[level])} {sound}"
    loc = rng.choice(W.LOCS[place]) if place != "-" else ""
    loc = ("on the " + place) if loc in ("l", "r", "hard l", "hard r") or (loc == place and rng.random() < 0.5) else loc
    text = rng.choice(W.ADD).replace("{s}", said).replace(" {loc}", f" {loc}" if loc else "")
    if level == "quiet_tail":
        text += " " + rng.choice(W.ADD_LEVEL["quiet_tail"])
    amount = {"quiet_tail": "quiet"}.get(level, level)
    db = {"quiet": -12.0, "loud": 3.0}.get(amount, 0.0)
    name = sound.removeprefix("a ").removeprefix("an ")
    return Clause(text, "add", place=place, amount=amount), Step("add", name, to=place if place != "-" else "front",
                                                                 db=db)


def _steps(clause: Clause, target: str, extra: dict) -> list[Step]:
    op = clause.op
    if op in ("up", "down"):
        return [Step("volume", target, db=extra["db"] if op == "up" else -extra["db"])]
    if op == "pan":
        return [Step("direction", target, to=clause.place)]
    if op == "timbre":
        return [Step("timbre", target, quality=clause.quality)]
    if op == "reverb":
        return [Step("reverb", target, level={"small": 3.0, "big": 8.0}.get(clause.amount, 5.0))]
    if op in ("later", "earlier"):
        return [Step("shift", target, seconds=extra["seconds"] if op == "later" else -extra["seconds"])]
    if op in ("remove", "extract"):
        return [Step(op, target)]
    return []


def example(rng: random.Random, typo_rate: float = 0.06) -> dict:
    """One request over 3 to 6 labels: its text, labels, plan (checked) and the reader's per-clause targets."""
    labels = rng.sample(LABEL_POOL, rng.randint(3, 6))
    n = rng.choice([1, 1, 1, 2, 2, 3])
    clauses, texts, plan = [], [], []
    last = None
    for _ in range(n):
        op = rng.choice(["up", "down", "up", "down", "remove", "pan", "pan", "timbre", "reverb", "extract",
                         "later", "add", "none", "same", "earlier", "unreverb", "unsupported"])
        if op == "add" and sum(s.op == "add" for s in plan) >= 2:
            op = "remove"
        if op == "add":
            clause, step = _add_clause(rng)
            clauses.append(clause)
            texts.append(clause.text)
            plan.append(step)
            continue
        if op == "same" and (last is None or not plan or plan[-1].op == "add"):
            op = "up"
        pronoun = op != "same" and last is not None and rng.random() < 0.35
        target = last if pronoun else rng.choice([x for x in labels if x != last or op != "same"])
        clause, extra = _clause(rng, op, target)
        said = rng.choice(W.PRONOUNS_ONE) if pronoun else target
        text = clause.text.replace("X", PLACEHOLDER)
        if op == "same":
            prev = plan[-1]
            plan.append(Step(prev.op, target, **{k: getattr(prev, k) for k in ("to", "db", "seconds", "level", "quality")
                                                 if getattr(prev, k) is not None}))
        else:
            plan.extend(_steps(clause, target, extra))
        text = rng.choice(W.CLAUSE_FILLERS) + text
        clause.text = text.replace(PLACEHOLDER, said) if pronoun else text
        clauses.append(clause)
        texts.append(text.replace(PLACEHOLDER, said))
        last = target if op not in ("none", "unsupported") else last
    text = rng.choice(W.FILLERS_BEFORE) + "".join(
        t if i == 0 else rng.choice(W.JOINERS) + t for i, t in enumerate(texts)) + rng.choice(W.FILLERS_AFTER)
    refuse = any(c.op in REFUSING_OPS for c in clauses) or not plan
    if not refuse:
        try:
            check_plan(plan, labels)
        except EditError:
            if not any(s.op == "extract" for s in plan[:-1]):
                raise
            refuse = True  # "keep only the rain, and the fire up 2": the fire is gone; the clauses still teach
    for c in clauses:
        c.text = _typos(c.text, rng, typo_rate)
    return {"instruction": _typos(text, rng, typo_rate), "labels": labels,
            "plan": None if refuse else [str(s) for s in plan], "clauses": [asdict(c) for c in clauses]}


def generate(count: int, seed: int = 0, typo_rate: float = 0.06) -> list[dict]:
    rng = random.Random(seed)
    return [example(rng, typo_rate) for _ in range(count)]


def write(path: Path, count: int, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for row in generate(count, seed):
            f.write(json.dumps(row) + "\n")
    return path
