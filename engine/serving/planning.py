"""Planning one work unit of a job: the client's own plan, or the configured planner with its fallback.

A single item's label names the whole item ("turn it down"), not every sound inside the mix: a
sound the label does not name ("remove the dog") is planned again with no labels, for an executor
that can reach inside a mix. A scene's labels are its sources, so there is no second try there.
"""

from __future__ import annotations

from collections.abc import Callable

from smartdj.engine.execution.executors import ExecError
from smartdj.engine.serving.units import SceneUnit, Unit


def _user_plan(spec: dict, unit: Unit) -> dict:
    from smartdj.bridge.language import EditError, plan_from_json

    plan = spec["plan"]
    if isinstance(plan, dict):
        plan = plan.get(unit.id)
        if plan is None:
            raise ExecError("invalid", f"the plan has no steps for item {unit.id!r}", item=unit.id)
    try:
        return {"steps": plan_from_json(plan), "planner": "user", "fallback": None, "tags": []}
    except EditError as e:
        raise ExecError("invalid", f"plan for item {unit.id}: {e}", item=unit.id) from None


def plan_unit(spec: dict, unit: Unit, planner_named: Callable[[str], object]) -> dict:
    """``{"steps", "planner", "fallback", "tags"}`` for one unit, or ExecError ``plan_failed``/``invalid``."""
    from smartdj.bridge.language import EditError
    from smartdj.engine.planning.base import PlanningError

    if spec["plan"] is not None:
        return _user_plan(spec, unit)
    if isinstance(unit, SceneUnit):
        labels, audio = unit.labels, None
    else:
        labels, audio = ([unit.label] if unit.label else None), (unit.audio, unit.sr)
    planner = planner_named(spec["options"]["planner"])
    what = repr(spec["instruction"][:80])
    try:
        result = planner.plan(spec["instruction"], labels=labels, audio=audio)
    except (PlanningError, EditError) as e:
        if isinstance(unit, SceneUnit) or labels is None:
            raise ExecError("plan_failed", f"could not plan {what}: {e}", item=unit.id) from None
        try:
            result = planner.plan(spec["instruction"], labels=None, audio=audio)
        except (PlanningError, EditError) as e2:
            raise ExecError("plan_failed", f"could not plan {what}: {e2}", item=unit.id) from None
    if getattr(result, "unsure", False) and result.planner == "reader" and labels and not isinstance(unit, SceneUnit):
        try:  # "turn the voice up" on an item named "dialogue": a sound inside it, read as the rules read it
            result = planner.plan(spec["instruction"], labels=None, audio=audio)
        except (PlanningError, EditError):
            pass  # the reader's reading stays, for confirmation
    if not result.steps:
        raise ExecError("plan_failed", "the planner found nothing to do in the instruction", item=unit.id)
    out = {"steps": list(result.steps), "planner": result.planner, "fallback": result.fallback,
           "tags": list(result.tags or [])}
    if getattr(result, "unsure", False):  # two readings: shown for confirmation, never executed unasked
        out["unsure"] = True
        out["alternatives"] = [[s.to_json() for s in alt] for alt in result.alternatives]
    return out
