"""The one plan check: the constraints every planner's output and every designed example must meet.

The rule planner, the learned reader, the ALM and LLM planners and the data designer all pass their
plans through :func:`check_plan` so that a plan from any of them is held to the same rules; REAPER can
run it too (standard library only) on a plan the user edited.
"""

from __future__ import annotations

from collections.abc import Sequence

from smartdj.bridge import labels as lab
from smartdj.bridge.language import EditError, Step, split_targets

MAX_STEPS = 4
MAX_ADDS = 2


def check_plan(steps: Sequence[Step], labels: Sequence[str] | None, max_steps: int = MAX_STEPS) -> list[Step]:
    """``steps`` held to SmartDJ's planner constraints, in the user's order; raises ``EditError`` naming the fault.

    1 to ``max_steps`` steps, at most two adds, every other target one of ``labels`` (case and
    punctuation aside) or a sound added by an earlier step, and not every present sound removed.
    """
    if not steps:
        raise EditError("plan", "no steps")
    if len(steps) > max_steps:
        raise EditError("plan", f"{len(steps)} steps (at most {max_steps})")
    adds = [s for s in steps if s.op == "add"]
    if len(adds) > MAX_ADDS:
        raise EditError("plan", f"{len(adds)} add steps (at most {MAX_ADDS})")
    if labels:
        known = {lab.normalise(lb) for lb in labels}
        added: set[str] = set()
        gone: dict[str, int] = {}  # sounds a keep took out, and which step
        for i, s in enumerate(steps, 1):
            if s.op == "add":
                added.add(lab.normalise(s.target))
                continue
            names = split_targets(s.target) if s.op == "extract" else [s.target]
            taken = next((gone[lab.normalise(n)] for n in names if lab.normalise(n) in gone), None)
            if taken is not None:
                raise EditError(f"step {i}.target", f"{s.target!r} was taken out by the keep of step {taken}; "
                                "keep every sound wanted in one step")
            if s.op == "extract":
                kept = {lab.normalise(n) for n in names}
                gone.update({k: i for k in known | added if k not in kept and k not in gone})
            ok = known | added
            if lab.normalise(s.target) not in ok and any(lab.normalise(n) not in ok for n in names):
                raise EditError(f"step {i}.target", f"{s.target!r} is not one of the labels")
            if lab.normalise(s.target) not in ok and len({lab.normalise(n) for n in names}) < len(names):
                raise EditError(f"step {i}.target", f"{s.target!r} names the same sound twice")
        if all(s.op == "remove" for s in steps if s.op != "add"):
            removed = {lab.normalise(s.target) for s in steps if s.op == "remove"}
            if removed >= known:
                raise EditError("plan", "removes every present sound (keep at least one)")
    return list(steps)


def check_generated(steps: Sequence[Step], labels: Sequence[str] | None, max_steps: int = MAX_STEPS) -> list[Step]:
    """A model's plan checked (:func:`check_plan`); kept under its old name for the model planners."""
    return check_plan(steps, labels, max_steps)
