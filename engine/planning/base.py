"""The planner registry: one protocol for every planner backend, chosen by name.

Protocol (build new planners on this):

    class Planner(Protocol):
        name: str
        def plan(self, instruction: str, labels: list[str] | None = None,
                 audio: tuple[np.ndarray, int] | None = None) -> PlanResult: ...

- ``instruction``: what the user typed.
- ``labels``: the sources known to be present (exact strings, e.g. scene source labels). When
  given, every step's target except an ``add`` target must be one of them, spelled exactly.
- ``audio``: ``(array [channels, samples] float32, sample_rate)`` of the mix, for planners that
  listen (alm); others ignore it.
- Returns :class:`PlanResult`: the steps (``smartdj.bridge.language.Step``, in the user's
  order), ``unsure`` with ``alternatives`` when two readings are plausible, the planner that actually planned (``"rules"`` when a fallback happened),
  ``fallback`` (None, or why the requested planner was not used) and free-form ``tags``.
- Raises :class:`PlanningError` (a ValueError) with a message for the user when the
  instruction cannot be planned. A planner never returns a plan it is not sure of.

Backends: ``get_planner("rules")`` (engine/planning/rules.py); ``"reader"`` (engine/planning/reader.py, the
learned clause reader); ``"hybrid"`` (engine/planning/hybrid.py, the default: rules cross-checked by the reader,
the reader where the rules cannot read); ``"alm"`` ->
``smartdj.engine.planning.alm.make_planner(**options)``; ``"llm"`` ->
``smartdj.engine.planning.llm.make_planner(**options)``. When an alm/llm module is missing or its
``make_planner`` raises (no checkpoint, no endpoint), ``get_planner`` returns the rule planner
wrapped so each result says so in ``fallback``.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from smartdj.bridge.language import Step
from smartdj.bridge.plan_check import MAX_STEPS, check_generated, check_plan  # noqa: F401  (shared by every planner)
from smartdj.bridge.protocol import PLANNERS  # noqa: F401  (the one list of planner names)

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

_BACKENDS = {"alm": "smartdj.engine.planning.alm", "llm": "smartdj.engine.planning.llm"}


class PlanningError(ValueError):
    """An instruction that cannot be planned; the message says which part and what to say instead."""


@dataclass
class PlanResult:
    steps: list[Step]
    planner: str
    fallback: str | None = None
    tags: list[str] = field(default_factory=list)
    unsure: bool = False  # two readings are plausible: show them and ask, never execute unconfirmed
    alternatives: list[list[Step]] = field(default_factory=list)  # every plausible reading, ``steps`` first

    def to_json(self) -> dict:
        out = {"steps": [s.to_json() for s in self.steps], "planner": self.planner,
               "fallback": self.fallback, "tags": list(self.tags)}
        if self.unsure:
            out["unsure"] = True
            out["alternatives"] = [[s.to_json() for s in alt] for alt in self.alternatives]
        return out


@runtime_checkable
class Planner(Protocol):
    name: str

    def plan(self, instruction: str, labels: list[str] | None = None,
             audio: tuple[np.ndarray, int] | None = None) -> PlanResult: ...


class FallbackPlanner:
    """The rule planner standing in for a planner that could not be made; every result says why."""

    def __init__(self, wanted: str, reason: str):
        from smartdj.engine.planning.rules import RulePlanner

        self.name = wanted
        self.reason = reason
        self._rules = RulePlanner()

    def plan(self, instruction: str, labels: list[str] | None = None,
             audio: tuple[np.ndarray, int] | None = None) -> PlanResult:
        result = self._rules.plan(instruction, labels=labels, audio=audio)
        return replace(result, fallback=self.reason)


def get_planner(name: str, **options) -> Planner:
    """A planner by name (``rules``, ``alm``, ``llm``); options go to the backend's ``make_planner``."""
    key = (name or "rules").strip().lower()
    if key == "rules":
        from smartdj.engine.planning.rules import RulePlanner

        return RulePlanner(**options)
    if key in ("reader", "hybrid"):
        if key == "reader":
            from smartdj.engine.planning.reader import ReaderPlanner

            return ReaderPlanner(**options)
        from smartdj.engine.planning.hybrid import HybridPlanner

        return HybridPlanner(**options)
    if key not in _BACKENDS:
        raise ValueError(f"unknown planner {name!r}; use one of: {', '.join(PLANNERS)}")
    module_name = _BACKENDS[key]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            reason = f"{key} planner is not built in this version; used rules"
        else:
            reason = f"{key} planner needs {e.name}, which is not installed; used rules"
        log.warning(reason)
        return FallbackPlanner(key, reason)
    try:
        return module.make_planner(**options)
    except (FileNotFoundError, OSError, ImportError, ValueError, RuntimeError) as e:
        what = "checkpoint" if key == "alm" else "endpoint"
        reason = f"{key} planner has no usable {what} ({e}); used rules"
        log.warning(reason)
        return FallbackPlanner(key, reason)
