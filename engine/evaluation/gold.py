"""Expected plans as the evaluation sets write them: canonical steps whose unstated amounts are ranges.

A blind set writes ``"turn down the volume of piano by {2-4} dB"`` when the user said "a little",
and ``"add the sound of rain at the front with {-20--6} dB"`` when they gave no level; any value
in the range is right. An add's target is the user's own noun phrase: close wording (the same
content words, one set inside the other) is accepted. Steps on different sounds commute, so a
plan is exact when it has the expected steps and keeps their order wherever two steps edit the
same sound.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from smartdj.bridge import labels as lab
from smartdj.bridge.language import Step, parse_step, split_targets, step_from_json

_RANGE = re.compile(r"\{\s*([-+]?\d+(?:\.\d+)?)\s*-\s*([-+]?\d+(?:\.\d+)?)\s*\}")


@dataclass(frozen=True)
class GoldStep:
    """One expected step; ``lo``/``hi`` bound its amount (db, seconds or level) when it was a range."""

    step: Step
    lo: float | None = None
    hi: float | None = None

    @property
    def text(self) -> str:
        if self.lo is None:
            return self.step.text
        return re.sub(r"[-\d.]+(?= ?(?:dB|seconds)$)|(?<=level )[-\d.]+$", f"{{{self.lo:g}..{self.hi:g}}}",
                      self.step.text)


def gold_step(item: object) -> GoldStep:
    """A GoldStep from a step object, a canonical text, or a canonical text with one ``{lo-hi}`` range."""
    if not isinstance(item, str):
        return GoldStep(step_from_json(item))
    m = _RANGE.search(item)
    if not m:
        return GoldStep(parse_step(item))
    a, b = float(m.group(1)), float(m.group(2))
    lo, hi = min(a, b), max(a, b)
    mid = (lo + hi) / 2 or hi or lo
    step = parse_step(item[: m.start()] + f"{abs(mid) if 'turn ' in item else mid:g}" + item[m.end():])
    if step.op == "volume":  # "turn down ... by {2-4}": the range is a magnitude, the words give the sign
        lo, hi = (lo, hi) if step.db > 0 else (-hi, -lo)
    return GoldStep(step, lo, hi)


def _amount(step: Step) -> float | None:
    return {"add": step.db, "volume": step.db, "shift": step.seconds, "reverb": step.level}.get(step.op)


def same_add_target(got: str, want: str) -> bool:
    """A new sound named in close wording: one's content words contain the other's."""
    a, b = lab.content_words(got), lab.content_words(want)
    return lab.same(got, want) or (bool(a) and bool(b) and (a <= b or b <= a))


def step_matches(got: Step, want: GoldStep) -> bool:
    w = want.step
    if got.op != w.op or got.at != w.at or got.to != w.to or got.quality != w.quality:
        return False
    if got.op == "add":
        if not same_add_target(got.target, w.target):
            return False
    elif got.op == "extract":  # "keep only the frogs and crickets": the sounds kept, in any order
        if sorted(map(lab.normalise, split_targets(got.target))) != sorted(map(lab.normalise, split_targets(w.target))):
            return False
    elif not lab.same(got.target, w.target):
        return False
    have, exp = _amount(got), _amount(w)
    if want.lo is not None:
        return have is not None and want.lo - 1e-6 <= have <= want.hi + 1e-6
    return have == exp


def same_effect(plan: Sequence[GoldStep], labels: Sequence[str] | None) -> list[GoldStep] | None:
    """The other way to say a keep-only edit over known sources: keeping some sounds is removing all the others."""
    if not labels or not plan or any(g.step.at for g in plan):
        return None
    if len(plan) == 1 and plan[0].step.op == "extract":
        kept = split_targets(plan[0].step.target)
        rest = [x for x in labels if not any(lab.same(x, k) for k in kept)]
        return [GoldStep(Step("remove", x)) for x in rest] if rest and len(rest) + len(kept) == len(labels) else None
    if all(g.step.op == "remove" for g in plan):
        kept = [x for x in labels if not any(lab.same(x, g.step.target) for g in plan)]
        if kept and len(kept) + len(plan) == len(labels):
            return [GoldStep(Step("extract", ", ".join(kept[:-1]) + " and " + kept[-1] if len(kept) > 1 else kept[0]))]
    return None


def plan_matches(got: Sequence[Step], want: Sequence[GoldStep]) -> bool:
    """The expected steps, each once; steps on the same sound in the expected order."""
    if len(got) != len(want):
        return False
    free = list(range(len(want)))
    pairing: list[int] = []
    for g in got:
        hit = next((i for i in free if step_matches(g, want[i])), None)
        if hit is None:
            return False
        free.remove(hit)
        pairing.append(hit)
    for i in range(len(got)):
        for j in range(i + 1, len(got)):
            if lab.same(got[i].target, got[j].target) and pairing[i] > pairing[j]:
                return False
    return True


def harmful(got: Sequence[Step], wants: Sequence[Sequence[GoldStep]] | None) -> bool:
    """A plan that would run and is not the intended edit (op, target, sign, direction or amount differ)."""
    if not got:
        return False
    if wants is None:
        return True
    return not any(plan_matches(got, w) for w in wants)
