"""Planner evaluation: how often a planner's steps are the intended ones, and where they go wrong.

Examples come from the hand-written set (engine/data/handwritten_instructions.jsonl) or a
synthesized dataset folder (manifest.jsonl). Metrics:

- ``exact_plan_accuracy``: the same steps in the same order (op, target, at, to, db, seconds,
  level, quality), over examples that have a plan;
- ``step_precision`` / ``step_recall`` / ``step_f1``: steps matched one to one against the
  expected steps (same op, target, location, amount within its range), summed over examples;
- ``op_accuracy``: operations matched as multisets per example over the longer of the two plans;
- ``grounding_accuracy``: of predicted steps paired with an expected step of the same operation,
  the fraction with the expected target;
- ``refusal_recall`` (also ``refusal_accuracy``): of examples that should be refused, the fraction
  the planner refused or held as unsure (an unsure plan is shown for confirmation, never run); ``refusal_precision``: of its refusals, the fraction that should be refused;
  ``false_refusals``: plannable examples it refused; ``failures``: any example it got wrong or
  crashed on (``crashes`` counts exceptions other than PlanningError);
- ``harmful``: plans that would run (not refused, not marked unsure) and differ from every intended
  plan in op, target, sign, direction or amount, over all examples (``harmful_rate``);
- ``unsure``: plans returned for confirmation; ``unsure_with_right_reading``: those whose readings
  include an intended plan.

Expected plans may write an unstated amount as a range (``{2-4}``) and list ``alternatives``;
see :mod:`smartdj.engine.evaluation.gold`.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from smartdj.bridge.language import Step
from smartdj.engine.evaluation.gold import (
    GoldStep,
    gold_step,
    harmful,
    plan_matches,
    same_effect,
    step_matches,
)
from smartdj.engine.planning.base import PlanningError

HANDWRITTEN = "handwritten_instructions.jsonl"


@dataclass
class Example:
    instruction: str
    labels: list[str] | None
    steps: list[Step] | None  # None: the planner should refuse
    id: str = ""
    note: str = ""
    audio: str | None = None  # the input mix of a synthesized example, for planners that listen
    alternatives: list[list[GoldStep]] | None = None  # every right plan (ranges allowed); None: from steps

    @property
    def gold(self) -> list[list[GoldStep]] | None:
        if self.steps is None:
            return None
        return self.alternatives or [[GoldStep(s) for s in self.steps]]


@dataclass
class Outcome:
    example: Example
    steps: list[Step] | None = None
    error: str | None = None
    crashed: bool = False
    seconds: float = 0.0
    planner: str = ""  # who produced the plan ("alm", or "rules" after a fallback); "" when refused
    unsure: bool = False  # returned for confirmation, not to run
    readings: list[list[Step]] = field(default_factory=list)  # the readings of an unsure plan

    @property
    def exact(self) -> bool:
        gold = self.example.gold
        if gold is None:
            return self.steps is None and not self.crashed
        return self.steps is not None and not self.unsure and any(plan_matches(self.steps, g) for g in gold)

    @property
    def harmful(self) -> bool:
        return self.steps is not None and not self.unsure and harmful(self.steps, self.example.gold)

    @property
    def unsure_right(self) -> bool:
        gold = self.example.gold or []
        return self.unsure and any(plan_matches(r, g) for r in self.readings for g in gold)


def default_data() -> Path:
    return Path(str(resources.files("smartdj.engine.data") / HANDWRITTEN))


def _labels_of(rec: dict) -> list[str] | None:
    if isinstance(rec.get("labels"), list):
        return [str(x) for x in rec["labels"]]
    scene = rec.get("scene")
    if scene is None and isinstance(rec.get("scenes"), list) and rec["scenes"]:
        scene = rec["scenes"][0]  # the scene before the first step
    if isinstance(scene, dict) and isinstance(scene.get("sources"), list):
        out = []
        for src in scene["sources"]:
            if isinstance(src, dict) and src.get("label") and not (src.get("added") or src.get("origin") == "add"):
                out.append(str(src["label"]))
            elif isinstance(src, str):
                out.append(src)
        return out
    return None


def _input_audio(rec: dict, root: Path | None) -> str | None:
    audio = rec.get("audio")
    if root is None or not isinstance(audio, list) or not audio or not isinstance(audio[0], str):
        return None
    path = Path(audio[0]) if Path(audio[0]).is_absolute() else root / audio[0]
    return str(path) if path.is_file() else None


def _record_to_example(rec: dict, n: int, root: Path | None = None) -> Example:
    instruction = rec.get("instruction") or rec.get("text")
    if not isinstance(instruction, str):
        raise ValueError(f"record {n}: no 'instruction'")
    refuse = rec.get("error") or rec.get("expected") == "error" or rec.get("refuse")
    plan = rec.get("steps", rec.get("plan"))
    if refuse or plan is None:
        if not refuse:
            raise ValueError("neither a plan nor a refusal ('refuse': reason)")
        return Example(instruction=instruction, labels=_labels_of(rec), steps=None, id=str(rec.get("id", n)),
                       note=str(refuse if isinstance(refuse, str) else rec.get("note") or ""),
                       audio=_input_audio(rec, root))
    if isinstance(plan, dict):
        plan = plan.get("steps", [])
    alts = [plan] + [a for a in rec.get("alternatives") or [] if a != plan]
    gold = [[gold_step(x) for x in alt] for alt in alts]
    gold += [other for other in (same_effect(g, _labels_of(rec)) for g in gold) if other and other not in gold]
    exact = all(g.lo is None for g in gold[0])
    return Example(instruction=instruction, labels=_labels_of(rec), steps=[g.step for g in gold[0]],
                   id=str(rec.get("id", n)), note=str(rec.get("note") or ""), audio=_input_audio(rec, root),
                   alternatives=gold if len(gold) > 1 or not exact else None)


def load_examples(path: str | Path | None = None, split: str = "all", holdout: float = 0.2,
                  seed: int = 0) -> list[Example]:
    """Examples from a JSONL file or a dataset folder; ``split`` is all, train or heldout."""
    p = Path(path) if path else default_data()
    manifest = p / "manifest.jsonl" if p.is_dir() else p
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest}: no such file (give a JSONL file or a folder with manifest.jsonl)")
    examples = []
    with manifest.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip() and not line.lstrip().startswith("//"):
                try:
                    examples.append(_record_to_example(json.loads(line), n, p if p.is_dir() else None))
                except (ValueError, TypeError) as e:
                    raise ValueError(f"{manifest}:{n}: {e}") from None
    if split == "all":
        return examples
    if split not in ("train", "heldout"):
        raise ValueError(f"unknown split {split!r}; use all, train or heldout")
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    n_held = int(round(len(examples) * holdout))
    held = set(order[:n_held])
    return [ex for i, ex in enumerate(examples) if (i in held) == (split == "heldout")]


def step_tuple(step: Step) -> tuple:
    """(op, target, location, amount): location is where it goes (add, direction) or where it is."""
    location = step.to if step.op in ("add", "direction") else step.at
    amount = {"add": step.db, "volume": step.db, "shift": step.seconds, "reverb": step.level,
              "timbre": step.quality}.get(step.op)
    if step.op == "direction":
        location = (step.at, step.to)
    return (step.op, step.target, location, amount)


def _pair_by_op(pred: Sequence[Step], gold: Sequence[Step]) -> list[tuple[Step, Step]]:
    """Pair steps of the same operation, same target first, then in order."""
    free = list(gold)
    pairs = []
    rest = []
    for s in pred:
        hit = next((g for g in free if g.op == s.op and g.target == s.target), None)
        if hit is None:
            rest.append(s)
        else:
            free.remove(hit)
            pairs.append((s, hit))
    for s in rest:
        hit = next((g for g in free if g.op == s.op), None)
        if hit is not None:
            free.remove(hit)
            pairs.append((s, hit))
    return pairs


def _step_hits(pred: Sequence[Step], gold: Sequence[GoldStep]) -> int:
    """Predicted steps that match an expected step (amounts within its range), each expected step once."""
    free = list(gold)
    hits = 0
    for s in pred:
        g = next((g for g in free if step_matches(s, g)), None)
        if g is not None:
            free.remove(g)
            hits += 1
    return hits


@dataclass
class Metrics:
    examples: int = 0
    plannable: int = 0
    refusable: int = 0
    exact: int = 0
    tp: int = 0
    pred_steps: int = 0
    gold_steps: int = 0
    op_hits: int = 0
    op_total: int = 0
    ground_hits: int = 0
    ground_total: int = 0
    refused_ok: int = 0
    refused: int = 0
    harmful: int = 0
    unsure: int = 0
    unsure_right: int = 0
    false_refusals: int = 0
    crashes: int = 0
    failures: int = 0
    seconds: float = 0.0
    wrong: list[dict] = field(default_factory=list)
    planned_by: Counter = field(default_factory=Counter)  # planner name (or "refused") -> examples
    exact_by: Counter = field(default_factory=Counter)  # the same, exactly right

    def summary(self) -> dict:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        p, r = ratio(self.tp, self.pred_steps), ratio(self.tp, self.gold_steps)
        f1 = round(2 * p * r / (p + r), 4) if p and r else (0.0 if p is not None and r is not None else None)
        correct = self.exact + self.refused_ok
        return {"examples": self.examples, "plannable": self.plannable, "refusable": self.refusable,
                "exact_plan_accuracy": ratio(self.exact, self.plannable),
                "overall_accuracy": ratio(correct, self.examples),
                "step_precision": p, "step_recall": r, "step_f1": f1,
                "op_accuracy": ratio(self.op_hits, self.op_total),
                "grounding_accuracy": ratio(self.ground_hits, self.ground_total),
                "refusal_accuracy": ratio(self.refused_ok, self.refusable),
                "refusal_recall": ratio(self.refused_ok, self.refusable),
                "refusal_precision": ratio(self.refused_ok, self.refused),
                "harmful": self.harmful, "harmful_rate": ratio(self.harmful, self.examples),
                "unsure": self.unsure, "unsure_with_right_reading": self.unsure_right,
                "false_refusals": self.false_refusals, "crashes": self.crashes, "failures": self.failures,
                "ms_per_plan": round(1000 * self.seconds / self.examples, 2) if self.examples else None,
                "planned_by": dict(self.planned_by), "exact_by": dict(self.exact_by)}


def score(outcomes: Iterable[Outcome]) -> Metrics:
    m = Metrics()
    for o in outcomes:
        m.examples += 1
        m.seconds += o.seconds
        m.crashes += int(o.crashed)
        who = "crashed" if o.crashed else (o.planner or "rules") if o.steps is not None else "refused"
        m.planned_by[who] += 1
        m.exact_by[who] += int(o.exact)
        m.refused += int((o.steps is None or o.unsure) and not o.crashed)
        m.harmful += int(o.harmful)
        m.unsure += int(o.unsure)
        m.unsure_right += int(o.unsure_right)
        gold = o.example.steps
        if gold is None:
            m.refusable += 1
            if (o.steps is None or o.unsure) and not o.crashed:  # an unsure plan is held, not run
                m.refused_ok += 1
        else:
            m.plannable += 1
            pred = list(o.steps or [])
            if o.steps is None and not o.crashed:
                m.false_refusals += 1
            m.exact += int(o.exact)
            m.pred_steps += len(pred)
            m.gold_steps += len(gold)
            m.tp += _step_hits(pred, o.example.gold[0])
            m.op_hits += sum((Counter(s.op for s in pred) & Counter(s.op for s in gold)).values())
            m.op_total += max(len(pred), len(gold))
            pairs = _pair_by_op(pred, gold)
            m.ground_total += len(pairs)
            m.ground_hits += sum(s.target == g.target for s, g in pairs)
        if not o.exact:
            m.failures += 1
            m.wrong.append({"id": o.example.id, "instruction": o.example.instruction,
                            "expected": None if gold is None else [g.text for g in o.example.gold[0]],
                            "got": None if o.steps is None else [s.text for s in o.steps], "error": o.error,
                            "harmful": o.harmful, "unsure": o.unsure})
    return m


def run_planner(planner, examples: Iterable[Example], with_audio: bool = True) -> list[Outcome]:
    """Plan every example; synthesized examples also pass their input mix (the ALM planner listens)."""
    outcomes = []
    for ex in examples:
        t0 = time.perf_counter()
        try:
            audio = None
            if with_audio and ex.audio:
                from smartdj.engine.audio.io import read_audio

                audio = read_audio(ex.audio)
            result = planner.plan(ex.instruction, labels=ex.labels, audio=audio)
            outcome = Outcome(ex, steps=list(result.steps), planner=result.planner,
                              unsure=bool(getattr(result, "unsure", False)),
                              readings=[list(a) for a in getattr(result, "alternatives", None) or []])
        except PlanningError as e:
            outcome = Outcome(ex, error=str(e))
        except Exception as e:  # a crash is a failure to report, not to hide
            outcome = Outcome(ex, error=f"{type(e).__name__}: {e}", crashed=True)
        outcome.seconds = time.perf_counter() - t0
        outcomes.append(outcome)
    return outcomes


def evaluate(planner, examples: Sequence[Example], with_audio: bool = True) -> Metrics:
    return score(run_planner(planner, examples, with_audio))
