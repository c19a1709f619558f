"""The offline "designer" of SmartDJ's data synthesis: a varied instruction and its atomic plan.

SmartDJ's designer is an LLM; this one is a seeded generator over phrase tables, so data
synthesis runs offline and re-runs exactly. It follows the released planner's constraints:
2-4 steps, at most two adds (placed last, as the released planner orders them), at least one
original source kept, remove/volume (and every other edit) targets spelled exactly as the
source labels, adds name a new label from the pool, and with only two sources left it extracts
the one to keep instead of removing the other. Phrasing varies in verbs and synonyms, implicit
amounts ("a little louder" = +2 dB, "push X further away" = -3 dB), locations ("on my left",
"slightly right of centre"), clause order (adds may be said first) and connectors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
from smartdj.bridge.language import LOCATIONS, SMARTDJ_QUALITIES, Step
from smartdj.bridge.language import fmt_number as num

THREE_LOCATIONS = ("left", "front", "right")

LOC_PHRASES = {
    "left": ["on the left", "to the left", "on my left", "over on the left", "hard left", "on the left side"],
    "right": ["on the right", "to the right", "on my right", "over on the right", "hard right", "on the right side"],
    "front": ["in front", "in the center", "in the middle", "straight ahead", "front and center", "dead center"],
    "left front": ["front left", "slightly to the left", "a little left of center", "just left of center",
                   "in front, a bit to the left"],
    "right front": ["front right", "slightly to the right", "a little right of center", "just right of center",
                    "in front, a bit to the right"],
}
FROM_PHRASES = {"left": "the left", "right": "the right", "front": "straight ahead",
                "left front": "the front left", "right front": "the front right"}

REMOVE = ["remove the {t}", "get rid of the {t}", "cut the {t}", "mute the {t}", "take out the {t}",
          "drop the {t}", "lose the {t}", "delete the {t}", "eliminate the {t}", "silence the {t}",
          "I don't want to hear the {t} anymore, remove it", "erase the {t}", "kill the {t}"]
EXTRACT = ["keep only the {t}", "isolate the {t}", "extract the {t}", "leave just the {t}",
           "I only want to hear the {t}", "remove everything except the {t}", "strip away everything but the {t}",
           "solo the {t}", "keep the {t} and nothing else", "pull out the {t} on its own"]
# (template, db magnitude or None for "the template names it")
LOUDER = [("make the {t} louder", 3), ("turn up the {t}", 3), ("make the {t} a little louder", 2),
          ("make the {t} much louder", 10), ("bring the {t} forward in the mix", 3), ("emphasize the {t}", 3),
          ("turn up the {t} by {n} dB", None), ("boost the {t} by {n} dB", None), ("raise the {t} {n} dB", None),
          ("make the {t} {n} dB louder", None), ("the {t} should be a bit louder", 2), ("bring up the {t}", 3)]
QUIETER = [("make the {t} quieter", -3), ("turn down the {t}", -3), ("push the {t} further away", -3),
           ("make the {t} a little quieter", -2), ("make the {t} much softer", -10), ("tone down the {t}", -3),
           ("turn down the {t} by {n} dB", None), ("lower the {t} by {n} dB", None), ("pull the {t} back {n} dB", None),
           ("make the {t} {n} dB quieter", None), ("duck the {t} a bit", -2), ("soften the {t}", -3),
           ("make the {t} less prominent", -3)]
MOVE = ["move the {t} {loc}", "pan the {t} {loc}", "sit the {t} {loc}", "place the {t} {loc}",
        "put the {t} {loc}", "make the {t} come from {from_}", "I want the {t} {loc}",
        "relocate the {t} {loc}", "have the {t} sound like it is {loc}"]
LATER = ["delay the {t} by {n} seconds", "make the {t} start {n} seconds later", "push the {t} {n} s later in time",
         "move the {t} {n} seconds later", "let the {t} come in {n} seconds later", "shift the {t} {n} s later"]
EARLIER = ["make the {t} come in {n} seconds earlier", "move the {t} {n} seconds earlier",
           "start the {t} {n} s sooner", "pull the {t} {n} seconds earlier", "shift the {t} {n} s earlier"]
# (template, level or None for "the template names it"). Implicit amounts follow the conventions the
# planners share (engine/planning/rules_words.py, as the blind evaluation sets read them): 2/3/10 dB,
# reverb 3/5/8, quiet/loud adds -12/+3 dB. ("push X back" is not used: it can mean earlier or later.)
REVERB = [("add a touch of reverb to the {t}", 3), ("give the {t} a bit of room", 3), ("add some reverb to the {t}", 5),
          ("make the {t} sound like it is in a big hall", 8), ("drench the {t} in reverb", 8),
          ("put the {t} in a large echoey space", 8), ("make the {t} a little more roomy", 3),
          ("add reverb level {n} to the {t}", None), ("reverb the {t} at level {n}", None),
          ("make the {t} sound like it's in a cathedral", 8), ("give the {t} a moderate amount of reverb", 5)]
TIMBRE = {
    "bright": ["make the {t} brighter", "give the {t} more sparkle", "add some air to the {t}",
               "make the {t} sound crisper", "brighten up the {t}"],
    "dark": ["make the {t} darker", "make the {t} sound darker", "take the edge off the {t}", "darken the {t}"],
    "warm": ["warm up the {t}", "make the {t} warmer", "give the {t} a warmer tone", "make the {t} sound cozy and warm"],
    "cold": ["make the {t} colder", "thin out the {t}", "make the {t} sound cold", "give the {t} a colder tone"],
    "muffled": ["muffle the {t}", "make the {t} sound muffled", "make the {t} sound like it's behind a wall",
                "make the {t} sound like it's coming from another room"],
}
# (template, db or None for "the template names it")
ADD = [("add {a}{new} {loc}", 0), ("bring in some {new} {loc}", 0), ("put {a}{new} {loc}", 0),
       ("I'd like to hear {a}{new} {loc}", 0), ("layer in {a}{new} {loc}", 0), ("throw in {a}{new} {loc}", 0),
       ("add {a}{new} {loc}, quietly", -12), ("add a soft {new} sound {loc}", -12), ("add {a}{new} {loc}, nice and loud", 3),
       ("add {a}{new} {loc} at {n} dB", None), ("mix in {a}{new} {loc} at {n} dB", None),
       ("include {a}{new} {loc}", 0), ("bring in {a}{new} {loc}, a little louder than the rest", 2)]
AT_PHRASES = {
    "left": ["on the left", "on the left side", "coming from the left", "to my left"],
    "right": ["on the right", "on the right side", "coming from the right", "to my right"],
    "front": ["in the middle", "in front", "in the center"],
    "left front": ["front left", "slightly left", "left of center"],
    "right front": ["front right", "slightly right", "right of center"],
}
TARGET_FORMS = ["{l}", "{l}", "{l}", "{l}", "sound of the {l}", "{l} sound"]
CONNECT = [", then ", " and ", ", and then ", ". Then ", ", ", "; after that, ", ". Also, ", " and also ",
           ", plus ", ". Next, "]
FRAMES = ["{c}.", "{c}.", "Please {c}.", "Could you {c}?", "Can you {c}?", "I want you to {c}.", "{c}, please.",
          "Let's {c}.", "I'd like you to {c}.", "First {c}."]

OP_WEIGHTS = {"remove": 2.0, "extract": 1.0, "volume": 2.0, "direction": 1.5, "shift": 0.8, "reverb": 0.8,
              "timbre": 0.8}


def _norm(sources: Iterable) -> list[tuple[str, str | None]]:
    out = []
    for s in sources:
        if isinstance(s, str):
            out.append((s, None))
        elif isinstance(s, tuple):
            out.append((s[0], s[1] if len(s) > 1 else None))
        elif hasattr(s, "label"):
            out.append((s.label, getattr(s, "at", None)))
        else:
            raise TypeError(f"scene sources must be labels, (label, at) pairs or Sources, got {s!r}")
    return out


def _pick(rng: np.random.Generator, seq: Sequence):
    return seq[int(rng.integers(len(seq)))]


def _spoken(rng: np.random.Generator, label: str) -> str:
    """How a person says a label: sometimes without its parenthetical detail."""
    short = re.sub(r"\s*\([^)]*\)", "", label).strip()
    return short if short and short != label and rng.random() < 0.5 else label


def _plan(rng: np.random.Generator, sources: list[tuple[str, str | None]], pool: list[str],
          locations: Sequence[str]) -> list[Step]:
    n_steps = int(rng.choice([2, 3, 4], p=[0.25, 0.45, 0.30]))
    max_adds = min(2, len(pool), n_steps)
    n_adds = int(rng.choice(np.arange(max_adds + 1), p=np.array([4, 3, 1][: max_adds + 1]) / sum([4, 3, 1][: max_adds + 1])))
    alive = list(sources)
    at_of = dict(sources)
    steps: list[Step] = []
    done: set[tuple[str, str]] = set()
    extracted = False
    for _ in range(n_steps - n_adds):
        ops = [op for op in OP_WEIGHTS
               if (op != "remove" or len(alive) >= 2) and (op != "extract" or (len(alive) >= 2 and not extracted))]
        w = np.array([OP_WEIGHTS[o] for o in ops])
        op = ops[int(rng.choice(len(ops), p=w / w.sum()))]
        if op in ("remove", "extract") and len(alive) == 2:
            op = "extract"  # SmartDJ: with two sources, extract the one to keep
            if extracted:
                op = "volume"
        if op == "remove":
            untouched = [lab for lab, _ in alive if not any(d[1] == lab for d in done)]
            label = _pick(rng, untouched or [lab for lab, _ in alive])
            steps.append(_with_at(rng, Step("remove", label), at_of))
            alive = [s for s in alive if s[0] != label]
            continue
        if op == "extract":
            k = 1 if len(alive) == 2 else int(rng.integers(1, len(alive)))
            keep_idx = sorted(rng.choice(len(alive), size=k, replace=False).tolist())
            keep = [alive[i] for i in keep_idx]
            if k > 1 and any("," in lab or " and " in lab for lab, _ in keep):
                keep = keep[:1]
            labels = [lab for lab, _ in keep]
            target = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
            step = Step("extract", target)
            steps.append(_with_at(rng, step, at_of) if len(labels) == 1 else step)
            alive, extracted = keep, True
            continue
        choices = [lab for lab, _ in alive if (op, lab) not in done] or [lab for lab, _ in alive]
        label = _pick(rng, choices)
        done.add((op, label))
        if op == "volume":
            db = float(_pick(rng, [2, 3, 4, 6])) * (1 if rng.random() < 0.5 else -1)
            step = Step("volume", label, db=db)
        elif op == "direction":
            options = [loc for loc in locations if loc != at_of.get(label)]
            step = Step("direction", label, to=_pick(rng, options))
        elif op == "shift":
            step = Step("shift", label, seconds=float(_pick(rng, [0.5, 1, 1.5, 2])) * (1 if rng.random() < 0.6 else -1))
        elif op == "reverb":
            step = Step("reverb", label, level=float(rng.integers(1, 11)))
        else:
            step = Step("timbre", label, quality=_pick(rng, SMARTDJ_QUALITIES))
        step = _with_at(rng, step, at_of)
        if op == "direction":
            at_of[label] = step.to
        steps.append(step)
    names = {lab.casefold() for lab, _ in sources}
    fresh = [p for p in pool if p.casefold() not in names]
    for _ in range(n_adds):
        label = _pick(rng, fresh)
        fresh = [p for p in fresh if p != label]
        steps.append(Step("add", label, to=_pick(rng, locations), db=float(rng.integers(-3, 4))))
    return steps


def _with_at(rng: np.random.Generator, step: Step, at_of: dict) -> Step:
    at = at_of.get(step.target)
    if at is None or rng.random() >= 0.3:
        return step
    return Step(**{**{k: v for k, v in step.to_json().items() if k != "text"}, "at": at})


def _target(rng: np.random.Generator, step: Step) -> str:
    if step.op == "extract" and step.target not in ("",):
        from smartdj.bridge.language import split_targets

        parts = split_targets(step.target) if " and " in step.target else [step.target]
        if len(parts) > 1:
            return ", the ".join(_spoken(rng, p) for p in parts[:-1]) + " and the " + _spoken(rng, parts[-1])
    t = _pick(rng, TARGET_FORMS).format(l=_spoken(rng, step.target))
    if step.at:
        t += " " + _pick(rng, AT_PHRASES[step.at])
    return t


def _clause(rng: np.random.Generator, step: Step) -> tuple[str, Step]:
    """A phrase for one step, and the step it means (implicit amounts decide the numbers)."""
    t = _target(rng, step)
    if step.op == "remove":
        return _pick(rng, REMOVE).format(t=t), step
    if step.op == "extract":
        return _pick(rng, EXTRACT).format(t=t), step
    if step.op == "volume":
        tmpl, db = _pick(rng, LOUDER if step.db > 0 else QUIETER)
        if db is not None:
            step = Step("volume", step.target, at=step.at, db=float(db) if step.db * db > 0 else -float(db))
        return tmpl.format(t=t, n=num(abs(step.db))), step
    if step.op == "direction":
        return _pick(rng, MOVE).format(t=t, loc=_pick(rng, LOC_PHRASES[step.to]), from_=FROM_PHRASES[step.to]), step
    if step.op == "shift":
        return _pick(rng, LATER if step.seconds > 0 else EARLIER).format(t=t, n=num(abs(step.seconds))), step
    if step.op == "reverb":
        tmpl, level = _pick(rng, REVERB)
        if level is not None:
            step = Step("reverb", step.target, at=step.at, level=float(level))
        return tmpl.format(t=t, n=num(step.level)), step
    if step.op == "timbre":
        return _pick(rng, TIMBRE[step.quality]).format(t=t), step
    tmpl, db = _pick(rng, ADD)
    if db is not None:
        step = Step("add", step.target, to=step.to, db=float(db))
    a = "" if "some" in tmpl or "soft" in tmpl else _pick(rng, ["", "", "some ", "the sound of "])
    return tmpl.format(a=a, new=_spoken(rng, step.target), loc=_pick(rng, LOC_PHRASES[step.to]), n=num(step.db)), step


def design(labels_in_scene: Iterable, pool_labels: Iterable[str], rng: np.random.Generator | int | None = None,
           locations: Sequence[str] = LOCATIONS) -> tuple[str, list[Step]]:
    """An instruction and its plan for a scene.

    ``labels_in_scene``: labels, (label, at) pairs or Sources (with locations, direction steps
    always move a sound somewhere new). ``pool_labels``: labels that adds may introduce.
    ``rng``: a Generator or a seed (same seed, same output). ``locations``: the positions
    directions and adds use (all five, or SmartDJ v1's ``THREE_LOCATIONS``).
    """
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    sources = _norm(labels_in_scene)
    if not sources:
        raise ValueError("design needs at least one source in the scene")
    if len({lab.casefold() for lab, _ in sources}) != len(sources):
        raise ValueError("scene labels must be distinct so every step names one source")
    pool = list(dict.fromkeys(str(p) for p in pool_labels))
    steps = _plan(rng, sources, pool, locations)
    clauses = []
    final = []
    for step in steps:
        text, step = _clause(rng, step)
        clauses.append(text)
        final.append(step)
    order = list(range(len(clauses)))
    n_adds = sum(s.op == "add" for s in final)
    if n_adds and n_adds < len(final) and rng.random() < 0.35:
        order = order[-n_adds:] + order[:-n_adds]  # adds commute with edits of other sounds: say them first
    said = [clauses[i] for i in order]
    if len(said) > 2 and rng.random() < 0.5:
        body = ", ".join(said[:-1]) + _pick(rng, [", and ", " and ", ", and finally ", ", then "]) + said[-1]
    else:
        body = said[0]
        for c in said[1:]:
            body += _pick(rng, CONNECT) + c
    frame = _pick(rng, FRAMES)
    if frame != "{c}." and ". " in body:  # one sentence inside a frame
        frame = "{c}."
    if re.match(r"(?:I |I'd |I'm |Let's |Could you |Can you )", body):  # a clause with its own subject: no frame
        frame = _pick(rng, ["{c}.", "{c}, please."])
    text = frame.format(c=body).replace(" sound sound ", " sound ")
    text = text[0].upper() + text[1:]
    return text, final


# Requests a planner must refuse: too vague to act on, or about a sound that is not in the mix.
VAGUE = ["make it better", "improve this", "make it sound nicer", "make it more interesting", "give it more vibe",
         "make it sound professional", "can you fix this", "it needs something", "make it epic", "spice it up",
         "make the whole thing better", "something feels wrong, sort it out", "just make it good",
         "i don't like it, change it", "make it more exciting", "give it some energy", "polish this up",
         "can you make this sound amazing", "make it slap", "do your thing"]
ABSENT = ["remove the {x}", "turn down the {x}", "make the {x} louder", "pan the {x} to the left", "mute the {x}",
          "keep only the {x}", "add reverb to the {x}", "make the {x} brighter", "shift the {x} 1 second later",
          "get rid of the {x}"]


def design_refusal(labels_in_scene: Iterable, pool_labels: Iterable[str],
                   rng: np.random.Generator | int | None = None) -> str:
    """An instruction with no valid plan for this scene: vague, or naming a sound that is not there."""
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    present = {lab.casefold() for lab, _ in _norm(labels_in_scene)}
    absent = [p for p in dict.fromkeys(str(p) for p in pool_labels) if p.casefold() not in present]
    if absent and rng.random() < 0.5:
        text = _pick(rng, ABSENT).format(x=_spoken(rng, _pick(rng, absent)))
    else:
        text = _pick(rng, VAGUE)
    frame = _pick(rng, ["{c}", "{c}", "please {c}", "can you {c}?", "{c}, thanks"])
    text = frame.format(c=text)
    return text[0].upper() + text[1:]


def check_plan(labels_in_scene: Iterable, pool_labels: Iterable[str], steps: Sequence[Step]) -> list[str]:
    """SmartDJ's planner constraints that ``steps`` break (empty when it keeps them all).

    The shared plan check (``smartdj.bridge.plan_check``, the one every planner's output passes) first,
    then the designer's own, stricter rules (2-4 steps, adds from the pool, one source always kept).
    """
    from smartdj.bridge.language import EditError, split_targets
    from smartdj.bridge.plan_check import check_plan as shared_check

    sources = [lab for lab, _ in _norm(labels_in_scene)]
    pool = set(pool_labels)
    problems = []
    try:
        shared_check(list(steps), sources)
    except EditError as e:
        problems.append(f"plan check: {e}")
    if not 2 <= len(steps) <= 4:
        problems.append(f"{len(steps)} steps (want 2-4)")
    if sum(s.op == "add" for s in steps) > 2:
        problems.append("more than two adds")
    alive = list(sources)
    for k, s in enumerate(steps, 1):
        if s.op == "add":
            if s.target in sources or s.target not in pool:
                problems.append(f"step {k}: add of {s.target!r} is not a new label from the pool")
            continue
        names = split_targets(s.target) if s.op == "extract" and s.target not in alive else [s.target]
        for name in names:
            if name not in alive:
                problems.append(f"step {k}: target {name!r} is not an existing source label")
        if s.op == "remove":
            if len(alive) == 2:
                problems.append(f"step {k}: removes one of two sources (extract the other)")
            alive = [a for a in alive if a != s.target]
        elif s.op == "extract":
            alive = [a for a in alive if a in names]
    if not alive:
        problems.append("no original source is kept")
    return problems
