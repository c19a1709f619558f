"""The default planner: the rules, cross-checked by the learned reader, and the reader where the rules cannot read."""

from __future__ import annotations

from smartdj.bridge.language import Step, split_targets
from smartdj.engine.planning.base import PlanningError, PlanResult
from smartdj.engine.planning.reader import THRESHOLD, ReaderPlanner
from smartdj.engine.planning.reader_compose import LeftToRules, UnknownWords, Unread
from smartdj.engine.planning.rules_words import _KNOWN_WORDS, CHAT_WORDS


def _gist(steps: list[Step]) -> list[tuple]:
    """What a plan does, amounts and an added sound's wording aside: the readings differ materially if this does."""
    out = []
    for s in steps:
        sign = None if s.db is None and s.seconds is None else (s.db or s.seconds or 0) > 0
        for target in ([s.target] if s.op == "add" else split_targets(s.target)):
            out.append((s.op, None if s.op == "add" else target, s.to, s.quality, sign))
    return sorted(out, key=str)


class HybridPlanner:
    """Rules first (exact, fast); the learned reader checks them and reads what they cannot.

    With ``cross_check`` (the default) the reader also reads what the rules planned; when it reads something
    else, or meets words it does not know, the plan comes back unsure with the readings, the rules' first.
    With ``confirm`` (the default) a plan only the reader could read comes back unsure too: nothing the
    learned reader planned alone runs before someone has seen it (REAPER's Plan dialog asks; the engine
    never runs an unsure plan unasked, job code ``plan_unsure``). ``confirm=False`` runs those plans.
    With ``agree`` (the default) a rule plan runs unasked only when the reader could tell what the request asks
    for: where it could not tell an edit, a tone or a place, or met words it does not know, the wording is new,
    and blind sets showed most wrong rule plans there. A reader failure of structure (a name it could not place,
    clauses it could not join) does not hold the rule plan. ``agree=False`` runs rule plans the reader could not
    read at all.
    """

    name = "hybrid"

    def __init__(self, folder: str | None = None, threshold: float = THRESHOLD, confirm: bool = True,
                 cross_check: bool = True, agree: bool = True):
        from smartdj.engine.planning.rules import RulePlanner

        self.rules = RulePlanner()
        self.reader = ReaderPlanner(folder, threshold)
        self.confirm, self.cross_check, self.agree = confirm, cross_check, agree

    def plan(self, instruction: str, labels: list[str] | None = None, audio=None) -> PlanResult:
        try:
            result = self.rules.plan(instruction, labels=labels, audio=audio)
        except PlanningError as rules_error:
            try:
                result = self.reader.plan(instruction, labels=labels, audio=audio)
            except PlanningError:
                raise rules_error from None
            result.tags.append(f"the rules could not read it ({rules_error}); this is the learned reader's reading")
            if self.confirm:
                result.unsure, result.alternatives = True, [list(result.steps)]
            return result
        if self.cross_check and not result.unsure and labels:
            try:
                other = self.reader.plan(instruction, labels=labels, audio=audio).steps
            except UnknownWords as e:  # the rules may have read past a word that changes the request
                unread = [w for w in e.words if w not in _KNOWN_WORDS and w not in CHAT_WORDS]
                if not unread:  # words the rules' own vocabulary reads ("a heavy cathedral reverb")
                    return result
                result.unsure, result.alternatives = True, [list(result.steps)]
                result.tags.append(f'"{" ".join(unread)}" was not understood')
                return result
            except LeftToRules:
                return result
            except PlanningError as reader_error:
                if self.agree and isinstance(reader_error, Unread):
                    result.unsure, result.alternatives = True, [list(result.steps)]
                    result.tags.append(f"only the rules could read it (the learned reader: {reader_error}); "
                                       "confirm the plan")
                return result
            if _gist(other) != _gist(result.steps):
                result.unsure, result.alternatives = True, [list(result.steps), list(other)]
                result.tags.append("the learned reader reads it differently: both readings are shown")
        return result
