"""How the learned reader's clause readings become a plan: names to sources, back-references, amounts, complaints
and their fixes (engine/planning/reader.py reads the clauses; this composes them)."""

from __future__ import annotations

import re

from smartdj.bridge import labels as lab
from smartdj.bridge.language import EditError, Step, split_targets
from smartdj.engine.planning import reader_text as rt
from smartdj.engine.planning.base import PlanningError
from smartdj.engine.planning.reader_amounts import (
    _ADD_LEVEL,
    _NUMBER,
    _add_name,
    _amounts,
    _restates,
    _says_tone,
    _unnamed,
    _vaguer,
    _wanted_tone,
    add_db,
    add_level,
    said_place,
)
from smartdj.engine.planning.rules_refer import _PERSON
from smartdj.engine.planning.rules_words import (
    _QUIET_ADD,
    _TIMBRE,
    _VERY_QUIET_ADD,
    LOUD_ADD_DB,
    QUIET_ADD_DB,
    VERY_QUIET_ADD_DB,
    describes_tone,
)

REFUSALS = {
    "unreverb": "reverb can only be added, not taken away or reduced",
    "unsupported": "this is not an edit SmartDJ can make; it can add, remove, keep, move, make louder/quieter, "
                   "shift later, reverb or change the tone",
}
QUANTIFIER = re.compile(r"(?<=<x> )(?:both|each|all|too) |\b(?:both|each) (?=(?:up|down|louder|quieter|left|right))")
_ADD_VERB, _PLACE_WORD = rt.ADD_VERB, rt.PLACE_WORD
_UNIT_OF = {"up": r"\b(?:ms|milliseconds?|secs?|seconds?|level|hz)\b", "down": r"\b(?:ms|milliseconds?|secs?|seconds?|level|hz)\b",
            "later": r"\b(?:db|decibels?|level)\b", "earlier": r"\b(?:db|decibels?|level)\b", "reverb": r"\b(?:db|decibels?|ms|seconds?)\b"}


def _new_step(raw: str, op: str, target: str, **fields: object) -> Step:
    try:
        return Step(op, target, **fields)
    except EditError as e:  # "add chants at +30": out of the language's range
        raise PlanningError(f'"{raw}": {e}') from None


class Unread(PlanningError):
    """The reader could not tell what a clause asks for (its edit, tone or place), or its words contradict each
    other ("down +3", "up 20 ms"): new wording, where a rule reading is most often wrong."""


class UnknownWords(Unread):
    """Words the reader never saw, in a clause that asks for an edit ("make the strings sound more expensive")."""

    def __init__(self, words: list[str], raw: str):
        super().__init__(f'could not read "{" ".join(words)}" in "{raw}"; say it plainly')
        self.words = words


class LeftToRules(PlanningError):
    """A request the reader hands to the rules on purpose (negation, "except", edits in sequence), not one it
    could not read."""


class ClauseComposer:
    def __init__(self, labels: list[str], threshold: float):
        self.labels, self.threshold = labels, threshold
        self.steps: list[tuple[Step, bool]] = []  # (step, said as a complaint)
        self.last: list[str] = []
        self.last_steps: list[Step] = []
        self.history: list[str] = []  # targets in the order last edited
        self.pending_back: list[str] = []  # names said alone just before a clause
        self.skipped: list[PlanningError] = []  # complaints that could not be read
        self.complained: list[str] = []  # the sounds those complaints name
        self.seen: list[str] = []  # every source named so far, also those named only to place another

    def _sure(self, reading: tuple[str, float], what: str, raw: str) -> str:
        if reading[1] < self.threshold:
            raise Unread(f'could not tell the {what} in "{raw}"; say it plainly, e.g. "pan the X left"')
        return reading[0]

    def compose(self, clauses: list[rt.ClauseText], readings: list[dict]) -> list[Step]:
        pending: list[str] = []
        spared: set[str] = set()
        for c in clauses:
            if c.raw.startswith("spare "):
                spared |= {m.label for m in c.mentions if m.label}
        for c, r in zip(clauses, readings, strict=True):
            if c.raw.startswith("spare "):
                continue
            targets = []
            for m in c.mentions:
                compound = re.search(rf"{re.escape(m.said)} (noises?)\b", c.raw)
                if compound and m.label and lab.words(m.said)[-1:] and lab.words(m.said)[-1] in lab.NOISE_KINDS \
                        and "noise" not in lab.words(m.label):  # "background noise" is not the background music
                    raise PlanningError(f'no source matches "{m.said} {compound.group(1)}"; the sources are: '
                                        + "; ".join(self.labels))
                if m.label is None and m.fits and rt.all_of_them(m, c.raw):
                    targets += [] if m.reference else m.fits  # "both guitars down 2"
                elif m.label is None:
                    raise PlanningError(f'"{m.said}" could be ' + " or ".join(m.fits) + "; say which one" if m.fits
                                        else f'no source matches "{m.said}"; the sources are: ' + "; ".join(self.labels))
                elif not m.reference:
                    targets.append(m.label)
            self.seen.extend(m.label for m in c.mentions if m.label)
            if "the rest" in c.raw:
                targets = [x for x in self.labels if x not in spared and x not in targets]
            if targets and not re.sub(r"<x>|\b(?:" + "|".join(map(re.escape, rt.BARE)) + r")\b|[^\w<>]", "", c.masked).strip():
                pending.extend(targets)  # only names: "the kick and snare up 2", "lose the hum and the hiss"
                continue
            own = [m for m in c.mentions if not m.reference]
            if pending and self.last_steps and not re.match(r"(?:the |my )?<x>", c.masked) and (own or not c.pronoun):
                self._copy(pending, "-", self.steps[-1][1])  # the names belonged to the edit before
                pending = []
            self.pending_back = pending
            try:
                self._clause(c, r, pending + targets)
            except PlanningError as e:
                if r["complaint"][0] != "1" or r["complaint"][1] < self.threshold:
                    raise
                self.skipped.append(e)  # a complaint we cannot read: fine if a fix for it is asked for
                self.complained.extend(pending + targets)
                self.last = (pending + targets)[:1] or self.last
            pending = []
        if pending:
            if not self.last_steps:
                raise PlanningError("say what to do with " + " and ".join(pending))
            self._copy(pending, "-", self.steps[-1][1])
        said = [s for s, complaint in self.steps if not complaint]
        if self.skipped and not said:
            raise self.skipped[0]
        fixed = {t for s in said for t in ([s.target] if s.op == "add" else split_targets(s.target))}
        if any(t not in fixed for t in self.complained):  # "discord is way too loud, and make my commentary louder"
            raise self.skipped[0]
        unfixed = [s.target for s, complaint in self.steps if complaint and said and s.target not in fixed]
        if unfixed:  # "the vocal is too quiet, pan the guitar left": a complaint with no fix of its own is not dropped unread
            raise PlanningError(f'say what to do with {" and ".join(dict.fromkeys(unfixed))} (the request says how it '
                                "sounds, and asks for other edits)")
        kept = list(dict.fromkeys(said if said else [s for s, _ in self.steps]))
        keeps = [s for s in kept if s.op == "extract"]
        if len(keeps) > 1:  # one keep of every sound named to keep, where the first keep was said
            both = Step("extract", " and ".join(dict.fromkeys(t for s in keeps for t in split_targets(s.target))))
            kept = [both if s is keeps[0] else s for s in kept if s.op != "extract" or s is keeps[0]]
        return kept

    def _clause(self, c: rt.ClauseText, r: dict, targets: list[str]) -> None:
        op, p = self._signed_op(c, r, targets)
        if op in REFUSALS and p >= 0.5:
            raise PlanningError(f'"{c.raw}": {REFUSALS[op]}')
        if self._level_of_reverb(c):
            return
        if p < self.threshold and not c.mentions and re.match(r"(?:and |then |also |please |pls )*add\b", c.masked):
            op, p = "add", 1.0  # "add a horse neighing on the right at -12": said with the verb itself
        keep_only = bool(targets) and rt.KEEP_ONLY.fullmatch(c.masked) is not None
        if keep_only:
            op, p = "extract", 1.0  # "just the fireplace please", "only keep the birds", "just the dialogue stem"
        op = self._sure((op, p), "edit", c.raw)
        if op == "remove" and re.search(_NUMBER + r"\s*(?:db)?(?![\w.]|\s*(?:ms|s\b|secs?|seconds?))", c.masked):
            op = "down"  # "drop the kids 6": a level, not a removal
        if c.leftover and op != "add" and not keep_only and not rt.modifiers_only(c, p):
            raise UnknownWords(c.leftover, c.raw)
        unit = re.search(_UNIT_OF.get(op, r"$^"), c.masked)
        if unit:
            raise Unread(f'"{c.raw}": "{unit.group(0)}" does not fit a {op} edit; say it plainly')
        if op == "pan" and not _PLACE_WORD.search(c.masked):
            raise PlanningError(f'"{c.raw}": say where (left, slightly left, center, slightly right or right)')
        if op == "none" and c.leftover and (targets or not self.last_steps):
            raise UnknownWords(c.leftover, c.raw)  # "and the notification dings": never dropped unread
        if op == "none" and re.match(r"(?:(?:please|can you|could you|just|and|then|also) )*(?:make|let|have|get|give)\b",
                                     c.masked):
            raise Unread(f'could not tell what "{c.raw}" asks for; say it plainly, e.g. "make the X brighter"')
        if op == "none":
            if self.pending_back and self.last_steps:
                self._copy(self.pending_back, "-", self.steps[-1][1])
            elif targets and r["complaint"][0] == "1":
                self.last = targets[:1]  # "the music's fighting the narrator. duck it"
            return
        if op == "add":
            if not _ADD_VERB.search(c.raw) or re.search(r"(?<![\w.])[+-]?\d", _ADD_LEVEL.sub("", c.masked)):
                raise PlanningError(f'"{c.raw}": could not tell whether a new sound is to be added; say "add ..."')
            self._add(c, r)
            return
        if not targets and self._level_of_added(c):
            return
        if not targets:
            if c.leftover and not c.pronoun:
                raise PlanningError(f'no source matches "{" ".join(c.leftover)}" (in "{c.raw}"); the sources are: '
                                    + "; ".join(self.labels))
            if not self.last and len(self.labels) != 1:
                raise PlanningError(f'"{c.raw}": say which sound, e.g. "the {self.labels[0]}"')
            targets = self.last or list(self.labels)  # one sound only: "it" is that sound
            if re.search(r"\b(?:him|her|he|she|his)\b", c.raw) and not all(_PERSON.search(t) for t in targets):
                people = list(dict.fromkeys(t for t in reversed(self.seen) if _PERSON.search(t)))
                if not people and len(targets) == 1:
                    people = targets  # "the vlogger sounds muffled - make her brighter": the one sound just named
                if len(people) != 1:
                    raise PlanningError(f'"{c.raw}": could not tell who "him"/"her" is; name the sound')
                targets = people[:1]
            if re.search(r"\b(?:both|all of them|them all)\b", c.raw) and len(targets) == 1:
                targets = self.history[-2:]
            many = re.search(r"\ball (three|four|five|3|4|5)\b|\bthe (three|four|five) of them\b", c.raw)
            if many:
                n = {"three": 3, "four": 4, "five": 5}.get(many.group(1) or many.group(2)) or int(many.group(1))
                if len(set(self.history)) < n:
                    raise PlanningError(f'"{c.raw}": could not tell which {n} sounds; name them')
                targets = list(dict.fromkeys(reversed(self.history)))[:n][::-1]
        complaint = r["complaint"][0] == "1" or rt.DESCRIBES.match(c.masked) is not None or (
            bool(c.mentions) and c.mentions[0].said.endswith("'s") and c.masked.startswith(rt.PLACEHOLDER))
        if op == "same":
            self._copy(targets, r["place"][0], complaint)
            return
        try:
            made = [self._step(op, t, c, r) for t in targets]
        except EditError as e:
            raise PlanningError(f'"{c.raw}": {e}') from None
        self._keep(made, complaint)
        own = [m.label for m in c.mentions if not m.reference]
        self.last = targets if not complaint or len(own) < 2 else targets[: len(targets) - len(own) + 1]
        self.last_steps = made

    def _signed_op(self, c: rt.ClauseText, r: dict, targets: list[str]) -> tuple[str, float]:
        """The operation, where a signed amount says it ("kick +2") or must agree with the words ("down +3")."""
        op, p = r["op"]
        signed = re.search(r"(?<![\w.])([+-])\d", _ADD_LEVEL.sub("", c.masked))  # "at -6 db" is an add's level
        if signed and re.fullmatch(r"(?:(?:like|about|around|maybe|say) )?[+-]\d+(?:\.\d+)? ?(?:db)?", c.masked):
            op, p = ("up" if signed.group(1) == "+" else "down"), 1.0  # "..., like -10": a level for the sound before
        if signed and (targets or c.pronoun or self.last) and (op in ("none", "same") or p < self.threshold):
            op, p = ("up" if signed.group(1) == "+" else "down"), 1.0
        if signed and op not in ("up", "down", "none", "same", "later", "earlier", "add"):
            raise Unread(f'"{c.raw}": "{signed.group(0)}" is a level change, but the words ask for a {op} edit; '
                                "say them as two edits")
        if signed and op in ("up", "down") and (signed.group(1) == "+") != (op == "up"):
            raise Unread(f'"{c.raw}": the sign of "{signed.group(0)}" says the opposite of the words; '
                                "say up or down")
        return op, p

    def _level_of_reverb(self, c: rt.ClauseText) -> bool:
        """"..., level 7" / "..., 7/10" after a reverb: the level of that reverb."""
        amount_only = re.fullmatch(r"(?:(?:reverb|verb) )?level (?:of )?(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?) ?(?:/|out of) ?10",
                                   c.masked)
        if not (amount_only and self.last_steps and all(s.op == "reverb" for s in self.last_steps)):
            return False
        level = float(amount_only.group(1) or amount_only.group(2))
        self._keep([Step("reverb", s.target, level=level) for s in self.last_steps], False)
        return True

    def _level_of_added(self, c: rt.ClauseText) -> bool:
        """"add rain on the right, soft" / "..., like -25": a clause of level words sets the level of the sound added."""
        level = add_level(c.masked) if self.last_steps and all(s.op == "add" for s in self.last_steps) else None
        if level is None:
            return False
        added = [_new_step(c.raw, "add", s.target, to=s.to, db=level) for s in self.last_steps]
        self.steps = [(s, k) for s, k in self.steps if s not in self.last_steps]
        self.last_steps = added
        self.steps += [(s, False) for s in self.last_steps]
        return True

    def _step(self, op: str, target: str, c: rt.ClauseText, r: dict) -> Step:
        if op == "pan":
            return Step("direction", target, to=said_place(_unnamed(c)) or self._sure(r["place"], "place", c.raw).replace("-", "front"))
        if op == "timbre":
            if describes_tone(c.raw):
                raise Unread(f'"{c.raw}" says how it sounds now; say how it should sound, e.g. "make it brighter"')
            wanted = _wanted_tone(c.masked)
            quality = wanted or self._sure(r["quality"], "tone", c.raw)  # tone words are read in the rules' words
            if quality == "-" or not (quality == wanted or _says_tone(c.masked, quality)):
                raise Unread(f'could not tell the tone in "{c.raw}"')
            named = next((q for p, q in _TIMBRE if re.search(p, f" {c.masked} ")), None)
            if named and named != quality and quality != wanted and not re.search(r"\btoo\b|\b(?:is|are|sounds?|'s|feels?)\b", c.masked):
                raise Unread(f'"{c.raw}": could not tell whether it should be more {named} or more {quality}; '
                                    "say it plainly")
            return Step("timbre", target, quality=quality)
        if op in ("remove", "extract"):
            return Step(op, target)
        kind = {"up": "volume", "down": "volume", "later": "shift", "earlier": "shift", "reverb": "reverb"}[op]
        return Step(kind, target, **_amounts(c.masked, op, r["amount"][0]))

    def _copy(self, targets: list[str], place: str, complaint: bool) -> None:
        if not self.last_steps:
            raise PlanningError("\"the same\" refers to nothing said before; say the edit")
        made = []
        before = [s for s, _ in self.steps if s.target in self.last] or self.last_steps[:1]
        for t in targets:
            for s in before:  # "brighten them and drop them 2 dB. do the same to the guitar": both edits
                fields = {k: getattr(s, k) for k in ("to", "db", "seconds", "level", "quality") if getattr(s, k) is not None}
                if s.op == "direction" and place != "-":
                    mirrored = place in ("left", "right") and s.to in ("left front", "right front")
                    fields["to"] = f"{place} front" if mirrored else place  # "left a bit; same for X but right"
                made.append(Step(s.op, t, **fields))
        self._keep(made, complaint)
        self.last, self.last_steps = targets, made

    def _keep(self, made: list[Step], complaint: bool) -> None:
        """New steps; one restating an earlier edit of the same sound replaces it (the later wording wins)."""
        for step in made:
            if step.op == "volume" and any(s.op == "volume" and s.target == step.target and (s.db > 0) != (step.db > 0)
                                           and not c for s, c in self.steps) and not complaint:
                raise LeftToRules(f"the request turns {step.target} both up and down; say which")
            clash = next((s for s, _ in self.steps if s.target == step.target and s.op == step.op and
                          s.op in ("direction", "timbre") and s != step), None)
            if clash is not None:
                raise LeftToRules(f"the request asks for two different {step.op} changes to {step.target}; say one")
            if any(_restates(s, step) and _vaguer(step, s) for s, _ in self.steps):
                continue  # "way too loud, ... it's covering the judge": the vaguer restatement adds nothing
            self.steps = [(s, c) for s, c in self.steps if not _restates(s, step)]
            self.steps.append((step, complaint))
            if step.target in self.history:
                self.history.remove(step.target)
            self.history.append(step.target)

    def _add(self, c: rt.ClauseText, r: dict) -> None:
        if c.mentions:
            raise PlanningError(f'"{c.raw}": {c.mentions[0].label or c.mentions[0].said} is already in the mix; '
                                'say "turn it up" to make it louder')
        if re.search(r"\b(?:more|louder|up)\b", c.raw):
            raise PlanningError(f'"{c.raw}": "more" says it is already in the mix, but it is not one of the sources; '
                                'name one of them, or say "add" for a new sound')
        name = _add_name(c.raw)
        if not name:
            raise PlanningError(f'"{c.raw}": say what sound to add')
        place = said_place(_ADD_LEVEL.sub(" ", c.masked), to_add=True) or (
            r["place"][0] if r["place"][1] >= self.threshold and r["place"][0] != "-" else None)
        if place is None and _PLACE_WORD.search(c.masked):
            raise PlanningError(f'"{c.raw}": could not tell where to put it; say left, center or right')
        amount = "quiet" if re.search(_QUIET_ADD, c.raw) else r["amount"][0]
        said = _ADD_LEVEL.search(c.masked)
        db = add_db(said) if said else {"quiet": QUIET_ADD_DB, "loud": LOUD_ADD_DB}.get(amount, 0.0)
        if not said and re.search(_VERY_QUIET_ADD, c.raw):
            db = VERY_QUIET_ADD_DB
        place = place or "front"
        step = _new_step(c.raw, "add", name, to=place, db=db)
        self.steps.append((step, False))
        self.last, self.last_steps = [], [step]
