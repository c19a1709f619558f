"""The learned reader planner (engine/planning/hybrid.py combines it with the rules).

The reader splits a request into clauses, finds the sources each names (engine/planning/reader_text.py),
and asks the learned clause reader (models/planner/reader.py, trained on engine/data/phrasing.py) what
each clause wants: operation, place, tone, amount word, complaint. Numbers, tempo maths, time ranges and
unsupported edits are read by the same exact code as the rule planner. Every doubt refuses: a reading
below the confidence bar, a name that fits no label or two, a signed amount that contradicts the words.
The plan passes the one plan check and the coverage check, like every planner's.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from smartdj.bridge.language import EditError
from smartdj.bridge.plan_check import check_plan
from smartdj.engine.planning import reader_text as rt
from smartdj.engine.planning.base import PlanningError, PlanResult
from smartdj.engine.planning.coverage import check_coverage
from smartdj.engine.planning.musical_time import musical_time
from smartdj.engine.planning.reader_compose import QUANTIFIER, REFUSALS, ClauseComposer, LeftToRules
from smartdj.engine.planning.rules import MAX_RULE_STEPS
from smartdj.engine.planning.rules_pre import refuse_unsupported
from smartdj.engine.planning.rules_words import (
    is_chat,
    place_letters,
    refuse_question,
    refuse_unknown_quality,
    takes_reverb_away,
)

THRESHOLD = 0.6  # the least probability a reading needs to be used


@functools.lru_cache(maxsize=2)
def load_reader(folder: str | None = None):
    """The bundled reader (or one from ``folder``), loaded once."""
    from smartdj.models.planner.reader import Reader

    return Reader.load(Path(folder) if folder else bundled_folder())


def bundled_folder() -> Path:
    from smartdj.models.planner import reader

    return Path(reader.__file__).with_name("reader_weights")


class ReaderPlanner:
    """The learned reader as a planner (``get_planner("reader")``)."""

    name = "reader"

    def __init__(self, folder: str | None = None, threshold: float = THRESHOLD):
        self.folder = folder
        self.threshold = threshold

    def plan(self, instruction: str, labels: list[str] | None = None, audio=None) -> PlanResult:
        if not labels:
            raise PlanningError("the reader plans over known sources: give the sources' labels")
        refuse_question(instruction)
        text = rt.normalise(place_letters(instruction, labels))
        text = musical_time(text)
        unnamed = text
        for label in sorted(labels, key=len, reverse=True):  # "guitar loop" names a sound, it asks for no loop
            unnamed = re.sub(rf"\b{re.escape(label.lower())}\b", " ", unnamed)
        refuse_unsupported(unnamed)
        refuse_unknown_quality(unnamed, set())
        left = rt.LEAVE_TO_RULES.search(text)
        if left:
            raise LeftToRules(f'"{left.group(0)}": the reader leaves negation, exceptions and corrections to the rules')
        clauses = [s for c in rt.split(text) if not is_chat(c, labels) for s in rt.segments(rt.read_clause(c, labels))]
        away = next((c for c in clauses if takes_reverb_away(f" {c.masked} ")), None)
        if away:  # never read as a level change: "way too much verb, pull it back"
            raise PlanningError(f'"{away.raw}": {REFUSALS["unreverb"]}')
        readings = load_reader(self.folder).read([QUANTIFIER.sub("", c.masked) for c in clauses])
        steps = ClauseComposer(labels, self.threshold).compose(clauses, readings)
        if not steps:
            raise PlanningError(f'nothing to change in "{instruction.strip()}"')
        try:
            check_plan(steps, labels, max_steps=MAX_RULE_STEPS)
        except EditError as e:
            raise PlanningError(str(e)) from None
        named = text
        for said in sorted({m.said for c in clauses for m in c.mentions}, key=len, reverse=True):
            named = re.sub(rf"\b{re.escape(said)}\b", " ", named)  # a label's words ("cafe ambience") ask for nothing
        check_coverage(named, steps)
        return PlanResult(steps, planner="reader")
