"""Planner metrics on small hand-made cases, dataset loading (JSONL and synth folders) and the eval command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from smartdj.bridge.language import parse_step
from smartdj.engine.evaluation.planner import Example, Outcome, load_examples, score, step_tuple

ROOT = Path(__file__).resolve().parents[2]
SMARTDJ = str(Path(sys.executable).parent / "smartdj")  # the console script of the venv running the tests


def steps(*texts: str):
    return [parse_step(t) for t in texts]


GOLD = steps("remove the sound of dog", "turn up the volume of rain by 3 dB", "add the sound of bird at the left with 0 dB")


def test_exact_plan_and_f1_on_hand_made_cases():
    ex = Example("x", None, GOLD)
    perfect = Outcome(ex, steps=list(GOLD))
    swapped = Outcome(ex, steps=[GOLD[1], GOLD[0], GOLD[2]])  # steps on different sounds commute: exact
    wrong_amount = Outcome(ex, steps=steps("remove the sound of dog", "turn up the volume of rain by 6 dB"))
    s = score([perfect]).summary()
    assert s["exact_plan_accuracy"] == 1.0 and s["step_f1"] == 1.0 and s["failures"] == 0
    s = score([swapped]).summary()
    assert s["exact_plan_accuracy"] == 1.0 and s["step_f1"] == 1.0 and s["op_accuracy"] == 1.0
    same = Example("x", None, steps("add the sound of rain at the front with 0 dB",
                                    "change the timbre of the sound of rain to be more warm"))
    reordered = Outcome(same, steps=list(reversed(same.steps)))  # the same sound: order matters
    s = score([reordered]).summary()
    assert s["exact_plan_accuracy"] == 0.0 and s["step_f1"] == 1.0 and s["harmful"] == 1
    s = score([wrong_amount]).summary()
    # 1 of 2 predicted tuples right, 1 of 3 expected found
    assert s["step_precision"] == 0.5 and s["step_recall"] == round(1 / 3, 4)
    assert s["step_f1"] == round(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3), 4)
    assert s["op_accuracy"] == round(2 / 3, 4)  # remove and volume matched; add missing
    assert s["grounding_accuracy"] == 1.0


def test_keeping_some_sounds_is_removing_the_others(tmp_path):
    """A keep-only edit over known sources has two spellings; either is exact, whichever the set wrote."""
    labels = ["frogs", "crickets", "owl", "mosquito"]
    rows = [{"instruction": "keep only the frogs and crickets", "labels": labels,
             "plan": ["remove the sound of owl", "remove the sound of mosquito"]},
            {"instruction": "just the owl", "labels": labels, "plan": ["extract the sound of owl"]}]
    (tmp_path / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    keep, owl = load_examples(tmp_path / "set.jsonl")
    assert Outcome(keep, steps=steps("extract the sound of crickets and frogs")).exact
    assert not Outcome(keep, steps=steps("extract the sound of frogs")).exact
    assert Outcome(owl, steps=steps("remove the sound of frogs", "remove the sound of crickets",
                                    "remove the sound of mosquito")).exact
    assert not Outcome(owl, steps=steps("remove the sound of frogs", "remove the sound of crickets")).exact


def test_grounding_accuracy_counts_wrong_targets():
    ex = Example("x", None, steps("remove the sound of dog barking", "turn down the volume of rain by 3 dB"))
    got = Outcome(ex, steps=steps("remove the sound of cow mooing", "turn down the volume of rain by 3 dB"))
    s = score([got]).summary()
    assert s["grounding_accuracy"] == 0.5 and s["op_accuracy"] == 1.0 and s["exact_plan_accuracy"] == 0.0


def test_refusals_false_refusals_and_crashes():
    refuse = Example("make it pop", None, None)
    plan = Example("cut the dog", None, steps("remove the sound of dog"))
    s = score([Outcome(refuse, error="no"), Outcome(refuse, steps=steps("remove the sound of it")),
               Outcome(plan, error="could not"), Outcome(plan, error="boom", crashed=True)]).summary()
    assert s["refusal_accuracy"] == 0.5 and s["false_refusals"] == 1 and s["crashes"] == 1
    assert s["failures"] == 3 and s["exact_plan_accuracy"] == 0.0 and s["overall_accuracy"] == 0.25


def test_step_tuple_fields():
    assert step_tuple(parse_step("change the sound of dog at left to right")) == ("direction", "dog", ("left", "right"), None)
    assert step_tuple(parse_step("shift the sound of dog by -1 seconds")) == ("shift", "dog", None, -1.0)
    assert step_tuple(parse_step("change the timbre of the sound of dog to be more warm"))[3] == "warm"


def _synth_folder(root: Path, n: int = 10) -> Path:
    root.mkdir()
    with (root / "manifest.jsonl").open("w") as fh:
        for i in range(n):
            rec = {"id": f"{i:06d}", "instruction": f"remove the dog {i}",
                   "plan": [parse_step(f"remove the sound of dog {i}").to_json()],
                   "scenes": [{"sources": [{"label": f"dog {i}"}, {"label": "rain"}]}, {"sources": [{"label": "rain"}]}]}
            fh.write(json.dumps(rec) + "\n")
    return root


def test_load_synth_folder_and_heldout_split(tmp_path):
    folder = _synth_folder(tmp_path / "ds")
    every = load_examples(folder)
    assert len(every) == 10 and every[3].labels == ["dog 3", "rain"]
    assert every[3].steps == steps("remove the sound of dog 3")
    held = load_examples(folder, split="heldout", holdout=0.2, seed=0)
    train = load_examples(folder, split="train", holdout=0.2, seed=0)
    assert len(held) == 2 and len(train) == 8
    assert {e.id for e in held}.isdisjoint({e.id for e in train})
    assert [e.id for e in held] == [e.id for e in load_examples(folder, split="heldout", holdout=0.2, seed=0)]
    with pytest.raises(FileNotFoundError):
        load_examples(tmp_path / "nothing")


def test_eval_command_two_planners_json(tmp_path):
    data = tmp_path / "small.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in [
        {"instruction": "cut the dog", "labels": ["dog barking", "rain"], "steps": [parse_step("remove the sound of dog barking").to_json()]},
        {"instruction": "make it pop", "labels": ["dog barking"], "error": "vague"},
        {"instruction": "a little quieter on the dog", "labels": ["dog barking", "rain"],
         "plan": ["turn down the volume of dog barking by {1-3} dB"]},
    ]) + "\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    p = subprocess.run([SMARTDJ, "eval", "planner", "--data", str(data), "--planner", "rules", "--planner", "llm", "--json"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)["planners"]
    assert out["rules"]["exact_plan_accuracy"] == 1.0 and out["rules"]["refusal_accuracy"] == 1.0
    assert set(out) == {"rules", "llm"}
    p = subprocess.run([SMARTDJ, "eval", "planner", "--data", str(data)], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0 and "exact_plan_accuracy" in p.stdout
    p = subprocess.run([SMARTDJ, "eval", "planner", "--data", str(tmp_path / "nope.jsonl")], capture_output=True,
                       text=True, env=env, timeout=120)
    assert p.returncode == 2


def test_summary_says_which_planner_planned_each_example():
    from smartdj.engine.evaluation.planner import evaluate
    from smartdj.engine.planning.base import PlanningError, PlanResult

    class Picky:  # plans one example itself, hands one to "rules", refuses the third
        def plan(self, instruction, labels=None, audio=None):
            if instruction == "refuse":
                raise PlanningError("no")
            step = parse_step("remove the sound of dog barking")
            return PlanResult(steps=[step], planner="alm" if instruction == "a" else "rules")

    exs = [Example(instruction=t, labels=["dog barking"], steps=[parse_step("remove the sound of dog barking")], id=t)
           for t in ("a", "b")] + [Example(instruction="refuse", labels=None, steps=None, id="r")]
    summary = evaluate(Picky(), exs).summary()
    assert summary["planned_by"] == {"alm": 1, "rules": 1, "refused": 1}
    assert summary["exact_by"] == {"alm": 1, "rules": 1, "refused": 1}
