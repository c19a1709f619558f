"""The rule planner: turns everyday editing requests into SmartDJ atomic steps without any model.

It is the planner that always works (no weights, no network, milliseconds), the fallback for
the neural ones, and the baseline they are measured against. It splits a request into clauses,
reads each clause's operation from the wording a musician or editor uses ("lose the hum",
"pan the vox hard right", "give the snare some room"), pulls out amounts, times and places,
and grounds each sound it names to the given labels (engine/planning/grounding.py). Anything it does not
understand is a :class:`PlanningError` naming the part, never a guessed plan.
"""

from __future__ import annotations

import dataclasses
import re

from smartdj.bridge import labels as lab
from smartdj.bridge.language import EditError, Step, parse_step, split_targets
from smartdj.bridge.plan_check import check_plan
from smartdj.engine.planning import grounding
from smartdj.engine.planning import rules_pre as pre
from smartdj.engine.planning.base import PlanningError, PlanResult
from smartdj.engine.planning.coverage import check_coverage
from smartdj.engine.planning.rules_clauses import clauses_of
from smartdj.engine.planning.rules_read import _Clause, _fold_placement, read, steps_of
from smartdj.engine.planning.rules_refer import _NOT_A_SOUND, _count_back, _person, names_of
from smartdj.engine.planning.rules_steps import _append, _drop_reasons
from smartdj.engine.planning.rules_text import (
    _PREFIX,
    _as_written,
    _normalise,
    _respell,
    _split,
    protect,
    rewrite,
)
from smartdj.engine.planning.rules_words import (
    _GENERIC_VERB,
    _KNOWN_WORDS,
    _LEAD,
    _LOC_RES,
    _NO_OP,
    _PRONOUNS,
    _THE_REST,
    _TRAIL,
    _VAGUE_ADD,
    _WHOLE_MIX,
    HELP,
    describes_tone,
    place_letters,
    refuse_question,
    refuse_unknown_quality,
)

MAX_RULE_STEPS = 8  # the rule planner reads long requests exactly; model planners keep plan_check.MAX_STEPS


class _Ambiguous(PlanningError):
    """A name that fits two or three labels equally ("the guitar": acoustic or electric)."""

    def __init__(self, name: str, labels: list[str], raw: str):
        super().__init__(f'"{name}" (in "{raw.strip()}") could be ' + " or ".join(labels) + "; say which one")
        self.name, self.labels = name, labels


def _complaint_subject(raw: str, error: str, n_clauses: int) -> str | None:
    """The sound a complaint names ("the hats are annoying"), when it is one clause among others; else None."""
    if n_clauses < 2 or not error.startswith("could not understand"):
        return None
    if re.match(r"(?:(?:please|can you|could you|just|and|then|also) )*(?:make|let|have|get|give|turn|put|bring|set)\b", raw):
        return None  # "make the vocal sound weird" asks for something: never dropped as a complaint
    m = re.match(r"^(.+?)\s+(?:is|are|'s|feels?|sounds?|seems?|keeps?|gets?|getting|needs?|was|were)\b", raw)
    if m is None:
        m = re.match(r"^(it|they|he|she|that|this)(?:'s|'re|s)\b", raw)  # "it's inaudible on my laptop"
    return m.group(1) if m else None


# a complaint about a tone these words name has no one fix ("harsh": darker, warmer or quieter?) unless one is said
_GUESSED_TONE = re.compile(r"\b(?:boomy|boxy|harsh|shrill|piercing|sibilant|brittle|tinny|nasal|honky|edgy|thin|presence|air|"
                           r"muddy|murky|mud)\b")
_NAMED_TONE = re.compile(r"\b(?:dark|darker|darken|warm|warmer|warmth|bright|brighter|brighten|cold|colder|cool|cooler|"
                         r"muffled?|duller|dull it|telephone|radio|megaphone|underwater|walkie|speaker)\b")


def _cut_description(text: str) -> str:
    """'narrator sound like he's' -> 'narrator', 'chef is over the fan' -> 'chef': the name ends where the
    description of it starts (labels named in full are placeholders by now, so their words are safe)."""
    inner = re.match(r"^(?:it|this|that)\s+like (?:the |a |an )?(.+?)\s+(?:is|are|was|were)\b", text.strip())
    if inner:  # "make it feel like the dog is outside": the dog
        return inner.group(1)
    cut = re.sub(r"\s+(?:sounds?|should|needs?|is|are|was|were|feels?|seems?|already|which|who|its (?!own)|lol|lmao|"
                 r"like|because|so that)\b.*$|(?<!\bthe)(?<!\bits)\s+(?:hits|notes)\b.*$", "", f" {text}").strip()
    shorter = re.sub(r"(?<=\w)\s+(?:in|on|at|from|over|under|with|by|for|inside|near) (?:the|a|an|my|our|your|this|that)\b.*$",
                     "", cut)
    if any(w not in _LEAD and not _GENERIC_VERB.match(w + " ") for w in shorter.split()):
        cut = shorter  # "radio in the kitchen" -> "radio"; "put some reverb on the vocal" keeps its sound
    return cut or text


class RulePlanner:
    """Plans from wording alone. Grounding is lexical and strict (every word of a name must be in its label);
    ``embeddings=True`` adds the MiniLM model for names no label spells (it loads a model: seconds)."""

    name = "rules"

    def __init__(self, embeddings: bool = False, **_ignored: object):
        self.embeddings = embeddings

    def warm(self) -> None:
        """Compile the patterns and read the word list now (the engine calls this in the background)."""
        for text in ("turn the piano dwon 3 db", "kick +2, snare out", "add rain far off, then make it warmer"):
            try:
                self.plan(text, ["piano", "kick", "snare"])
            except PlanningError:
                pass

    # -- public ---------------------------------------------------------------------------------
    def plan(self, instruction: str, labels: list[str] | None = None, audio: object = None) -> PlanResult:
        if not isinstance(instruction, str) or not instruction.strip():
            raise PlanningError(f"empty instruction: {HELP}")
        labels = [lb for lb in (labels or []) if lb and lb.strip()] or None
        refuse_question(instruction)
        exact = _canonical(instruction, labels)
        if exact is not None:  # the edit language itself (a pasted or edited plan) is taken as written
            return PlanResult(steps=exact, planner=self.name, tags=["canonical"])
        tags = ["grounded"] if labels else []
        label_words = {w for lb in labels or [] for w in re.findall(r"[a-z]+", lb.lower())}
        text, fixes = pre.respell(_normalise(place_letters(instruction, labels)), keep=_KNOWN_WORDS | label_words, extra=label_words)
        if fixes:
            tags.append("respelled: " + ", ".join(f"{a}->{b}" for a, b in fixes))
        text = pre.clean_up(text)
        refuse_unknown_quality(_normalise(instruction), label_words)
        text, placeholders = protect(text, labels)
        try:
            steps = self._read_all(text, placeholders, labels, tags, {})
            check_coverage(", ".join(c for c in _split(text) if not describes_tone(c)), steps)
        except _Ambiguous as amb:  # "turn the guitar down" with two guitars: both readings, for the user to pick
            readings = []
            for label in amb.labels:
                try:
                    readings.append(self._finish(self._read_all(text, placeholders, labels, [], {amb.name: label}),
                                                 instruction, labels))
                except PlanningError:
                    continue
            if len(readings) < 2:
                raise PlanningError(str(amb)) from None
            tags.append(f'unsure: "{amb.name}" could be ' + " or ".join(amb.labels))
            return PlanResult(steps=readings[0], planner=self.name, tags=tags, unsure=True, alternatives=readings)
        except PlanningError as e:
            msg = str(e)
            if len(_split(text)) == 1 and msg.startswith("could not understand"):
                msg = re.sub(r'"[^"]*"', lambda m: f'"{instruction.strip()}"', msg, count=1)
            for token, label in placeholders.items():
                msg = msg.replace(token, label)
            raise PlanningError(msg) from None
        steps = self._finish(steps, instruction, labels)
        guess = _GUESSED_TONE.search(instruction.lower())
        if guess and any(s.op == "timbre" for s in steps) and not _NAMED_TONE.search(instruction.lower()):
            tags.append(f'unsure: "{guess.group(0)}" does not say which tone it should have')
            return PlanResult(steps=steps, planner=self.name, tags=tags, unsure=True, alternatives=[list(steps)])
        return PlanResult(steps=steps, planner=self.name, tags=tags)

    @staticmethod
    def _finish(steps: list[Step], instruction: str, labels: list[str] | None) -> list[Step]:
        steps = [dataclasses.replace(s, target=_as_written(s.target, instruction)) if s.op == "add" else s
                 for s in steps]
        steps = _fold_placement(steps)
        try:  # the user's order: a later step may edit a sound an earlier one added
            return check_plan(steps, labels, max_steps=MAX_RULE_STEPS)
        except EditError as e:
            raise PlanningError(f"{e}: {HELP}") from None

    def _read_all(self, text: str, placeholders: dict[str, str], labels: list[str] | None, tags: list[str],
                  forced: dict[str, str]) -> list[Step]:
        pre.refuse_unsupported(text)
        text = re.sub(r"(\blike (?:a |an )?(?:[a-z]+ ){0,3})(zzlabel\d+zz)", lambda m: m.group(1) + placeholders[m.group(2)],
                      text)  # "the radio should sound like a real old radio": the second one is a tone
        text = re.sub(r"(zzlabel\d+zz) solo\b(?! (?:the|it|them|that|this|zzlabel))|\bsolo(?= (?:needs|is|should|sounds|could|has|was)\b)"
                      r"|(?<=\bthe )([a-z]+) solo\b", lambda m: m.group(1) or m.group(2) or "", text)  # "sax solo": the sax
        text = pre.slang(pre.negations(pre.musical_time(text)))
        text = pre.shorthand(pre.header(pre.everything_but(text, bool(labels))))
        try:
            return self._plan(rewrite(text), placeholders, labels, forced)
        except PlanningError as first:
            fixed, fixes = _respell(text)  # only when the words as typed made no sense
            if not fixes or not str(first).startswith("could not understand"):
                raise
            steps = self._plan(rewrite(fixed), placeholders, labels, forced)
            tags.append("respelled: " + ", ".join(f"{a}->{b}" for a, b in fixes))
            return steps


    def _plan(self, text: str, placeholders: dict[str, str], labels: list[str] | None,
              forced: dict[str, str]) -> list[Step]:
        clauses = clauses_of(text)
        if not clauses:
            raise PlanningError(f"empty instruction: {HELP}")
        steps: list[Step | None] = []
        previous: list[str] = []
        mentioned: list[str] = []
        added: list[str] = []  # sounds added by an earlier clause: later clauses may edit them
        complaints: dict[int, bool | str] = {}  # step index -> it came from a complaint ("the kit is too loud")
        pending_rest: list[tuple[_Clause, str]] = []
        for raw in clauses:
            spared = raw.startswith("spare ")  # "everything except the vocal": the vocal must exist
            if spared or _NO_OP.match(re.sub(_PREFIX, "", raw)):  # "keep the birds", "the kit is fine": names, no edit
                c = _Clause(text=raw, target_text=re.sub(r"^(?:leave|keep|spare)\b|\b(?:is|are|sounds?|'s|seems?|stays?|can stay|should stay|remains?) .*$",
                                                         "", raw))
                try:
                    previous = [self._ground(n, c, raw, labels, forced) for n in self._targets(c, raw, placeholders, [], labels)]
                except PlanningError as e:
                    if spared:
                        raise PlanningError(f"the sound to leave out is not in the mix: {e}") from None
                    if re.search(r"zzlabel\d+zz", raw):  # "keep the vocal chop and radio": never dropped half-read
                        raise PlanningError(f'could not understand "{raw}": {HELP}') from None
                    continue
                mentioned.extend(previous)
                continue
            copied = self._same_for(raw, steps, previous, placeholders, labels, forced)
            if copied:  # "do the same for the horns"
                complaints = _append(steps, complaints, copied[0], raw)
                previous = copied[1]
                mentioned.extend(previous)
                continue
            try:
                clause = read(raw)
            except PlanningError as e:
                subject = _complaint_subject(raw, str(e), len(clauses))
                if subject is None:
                    raise
                c = _Clause(text=raw, target_text=subject)  # "the hats are annoying, mute em": names the hats
                try:
                    previous = [self._ground(n, c, raw, labels, forced)
                                for n in self._targets(c, raw, placeholders, [], labels)]
                    mentioned.extend(previous)
                except PlanningError:
                    pass
                continue
            back = _count_back(_person(previous, mentioned, clause.target_text), mentioned, clause.target_text)
            names = self._targets(clause, raw, placeholders, back, labels)
            if names == ["<rest>"]:
                pending_rest.append((clause, raw))
                steps.append(None)  # filled in once every named sound is known
                continue
            try:
                grounded = [n if n in added else self._ground(n, clause, raw, labels, forced) for n in names]
            except PlanningError:
                # "put some thunder on the left": a sound that is not there yet, placed = added
                placed = re.match(r"(?:some|a|an|another)\b", clause.target_text.strip()) or re.match(
                    r"(?:(?:please|now|also|and|then|so|just) )*(?:put|place|include|set|plant|position|i'd like|i want|i'd love)\b"
                    r"(?! the\b)", raw)
                if clause.op != "direction" or not placed or any(_NOT_A_SOUND.search(n) for n in names):
                    raise
                clause.op, grounded = "add", names
            if clause.op != "add":
                mentioned.extend(grounded)
            else:
                added.extend(grounded)
            complaints = _append(steps, complaints, steps_of(clause, grounded, raw), raw)
            previous = grounded
        steps = _drop_reasons(steps, complaints)
        for clause, raw in pending_rest:
            rest = [lb for lb in (labels or []) if lb not in mentioned]
            if not rest:
                raise PlanningError(f'"{raw.strip()}": there is nothing else to edit besides {", ".join(mentioned)}')
            idx = steps.index(None)
            steps[idx:idx + 1] = steps_of(clause, rest, raw)
        if not steps:
            raise PlanningError(f'nothing to change in "{text}": {HELP}')
        return [s for s in steps if s is not None]

    # -- text ---------------------------------------------------------------------------------

    def _targets(self, c: _Clause, raw: str, placeholders: dict[str, str], previous: list[str],
                 labels: list[str] | None) -> list[str]:
        words = _cut_description(re.sub(r"'s\b", "", c.target_text)).split()
        while words and (words[0] in _LEAD or _GENERIC_VERB.match(words[0] + " ")):
            words.pop(0)
        while words and words[-1] in _TRAIL:
            words.pop()
        text = " ".join(words)
        if text in _THE_REST or re.fullmatch(r"(?:all )?(?:the )?(?:other|others|rest)(?: \w+)?", text or "-"):
            if not labels:
                raise PlanningError(f'"{raw.strip()}": "{text}" needs the list of sources (labels) to know what else there is')
            return ["<rest>"]
        if not text or text in _PRONOUNS:
            if previous:
                return list(previous)
            if labels and len(labels) == 1:
                return list(labels)
            what = f'"{text}"' if text else "this"
            raise PlanningError(f'could not tell which sound "{raw.strip()}" is about ({what} refers to nothing named '
                                'before): name the sound, e.g. "the dog"')
        if text in _WHOLE_MIX:
            raise PlanningError(f'"{raw.strip()}" is about the whole mix; SmartDJ edits one sound at a time: '
                                "name the sound to change")
        if c.op == "add" and (text in _VAGUE_ADD or text in _PRONOUNS or any(w in _PRONOUNS | {"same"} for w in names_of(text))):
            raise PlanningError(f'could not understand "{raw.strip()}": "{text}" is not a sound to add; {HELP}')
        names = []
        for part in split_targets(text):
            part = re.sub(r"^(?:the|a|an|some|my|our)\s+", "", part.strip())
            for token, label in placeholders.items():
                part = part.replace(token, label)
            if part:
                names.extend(_each_of(part, labels, c.op))
        if not names:
            raise PlanningError(f'could not tell which sound "{raw.strip()}" is about: name the sound')
        return names

    def _same_for(self, raw: str, steps: list[Step | None], previous: list[str], placeholders: dict[str, str],
                  labels: list[str] | None, forced: dict[str, str]) -> tuple[list[Step], list[str]] | None:
        """'do the same for the horns': every edit of the sounds just edited, copied to the ones named."""
        m = re.fullmatch(r"(?:(?:please|and|then|also|now|so) )*(?:do )?(?:the )?same (?:thing )?(?:for|to|with|on) (.+)", raw)
        if not m or not previous:
            return None
        target, place = m.group(1), None
        for rx, loc in _LOC_RES:  # "same for the sax but slightly right": the copy goes somewhere else
            if rx.search(target):
                target, place = rx.sub(" ", target), loc
        c = _Clause(text=raw, target_text=" ".join(target.split()))
        grounded = [self._ground(n, c, raw, labels, forced) for n in self._targets(c, raw, placeholders, [], labels)]
        source = [s for s in steps if s is not None and s.target in previous]
        if not source or (place and not any(s.op == "direction" for s in source)):
            return None
        def moved(to: str | None) -> str | None:  # "horns left a bit; same for the flute but right": as far, other side
            if not place or to is None:
                return to
            hard = re.search(r"\b(?:hard|all the way|fully|far|completely)\b", m.group(1))
            return f"{place} front" if place in ("left", "right") and to.endswith(" front") and not hard else place

        return [dataclasses.replace(s, target=t, text="", to=moved(s.to) if s.op == "direction" else s.to)
                for t in grounded for s in source], grounded

    def _ground(self, name: str, c: _Clause, raw: str, labels: list[str] | None, forced: dict[str, str]) -> str:
        if c.op == "add" or not labels:
            return name
        if name in labels:
            return name
        if name in _PRONOUNS:
            return name
        if name in forced:
            return forced[name]
        found = grounding.ground(name, labels, embeddings=self.embeddings, strict=True)
        tied = lab.candidates(name, labels, grounding.ALIASES) if found is None else []
        if 2 <= len(tied) <= 3 and not forced:
            raise _Ambiguous(name, tied, raw)
        if found is None:
            raise PlanningError(f'no source matches "{name}" (in "{raw.strip()}"); the sources are: '
                                + "; ".join(labels))
        return found


def _each_of(name: str, labels: list[str] | None, op: str | None) -> list[str]:
    """A plural that fits several singular sources names each of them ("trumpets" for Tpt 1 and Tpt 2, "room mics"
    for Room L and Room R); any other name is one sound."""
    core = re.sub(r"^(?:both|all)(?: (?:of )?the)? |\s+(?:mics|tracks|stems|channels)$", "", name)  # "both room mics"
    if op == "add" or not labels or name in labels or not (core != name or re.search(r"(?<!s)s$", name.split()[-1])):
        return [name]
    fits = lab.candidates(core, labels, grounding.ALIASES)
    if len(fits) >= 2 and not any(re.search(r"(?<!s)s$", lab.normalise(f).split()[-1]) for f in fits):
        return [x for x in labels if x in fits]
    return [name]


def _canonical(instruction: str, labels: list[str] | None) -> list[Step] | None:
    """Steps when every line (or ';'-separated part) of the instruction is a canonical step text."""
    parts = [p.strip().rstrip(".") for p in re.split(r"[;\n]+", instruction) if p.strip()]
    try:
        return check_plan([parse_step(p) for p in parts], labels, max_steps=MAX_RULE_STEPS)
    except EditError:
        return None
