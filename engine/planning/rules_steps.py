"""How one clause's steps join the plan: a complaint and its fix are one edit, an amount somebody said is kept
over one nobody did, and "I can't hear X" is the reason for lowering another sound, not a second edit."""

from __future__ import annotations

import dataclasses
import re

from smartdj.bridge.language import Step
from smartdj.engine.planning.rules_text import _has_number
from smartdj.engine.planning.rules_words import DEFAULT_DB, DEFAULT_SECONDS


def _same_edit(a: Step, b: Step, fix: bool = False) -> bool:
    """The same change to the same sound (a complaint and its fix), whatever the amount; ``fix``: the second
    says how to fix the first by pronoun ("cello sounds cold, warm it up"), so any tone change is the same."""
    if a.op != b.op or a.target != b.target or a.op in ("add", "remove", "extract"):
        return False
    if a.op == "volume":
        return (a.db > 0) == (b.db > 0)
    if a.op == "shift":
        return (a.seconds > 0) == (b.seconds > 0)
    if a.op == "timbre":
        return fix or a.quality == b.quality
    return a.op in ("reverb", "direction")  # "X is in the middle, shove it right": where it is, then where it goes


_COMPLAINT = re.compile(r"^(?!make |let |have |get )[^,;.]*\b(?:is|are|'s|feels?|seems?|needs?)\b|\btoo\b|"
                        r"\bhard to hear\b|\bcan't hear\b|^(?!make |let |have |get )[^,;.]*\bsounds? (?!like\b)"
                        r"(?:a bit |kinda |kind of |really |very |so |quite |pretty )?(?:cold|warm|bright|dark|muffled|dull|"
                        r"harsh|thin|tinny|shrill|muddy|boomy|loud|quiet|soft|distant|far|wrong|bad|weird|late|early)\b")


def _append(steps: list[Step | None], complaints: dict[int, bool | str], new: list[Step], raw: str) -> dict[int, bool | str]:
    """Add one clause's steps; a complaint and its fix are one edit ("the kit is too loud, pull it down 6dB"),
    the last wording wins. Returns the complaint flags by step index."""
    fix = re.search(r"\b(?:it|them|her|him|that|this)\b", raw) is not None
    for step in new:
        same = next((i for i, s in enumerate(steps) if s is not None and (
            (complaints.get(i) and _same_edit(s, step)) or (i == len(steps) - 1 and fix and _same_edit(s, step, fix)))),
            None)
        if same is not None:
            if not _has_number(raw):
                step = _keep_said_amount(steps[same], step)
            del steps[same]
            complaints = {k - (k > same): v for k, v in complaints.items() if k != same}
            steps.append(step)
        elif step.op in ("remove", "extract") and any(
                s is not None and s.op == step.op and s.target == step.target for s in steps):
            continue  # "I don't want to hear the dog anymore, remove it"
        elif step.op == "remove" and (old := next((i for i, s in enumerate(steps) if s is not None and complaints.get(i)
                                                   and s.op == "volume" and s.target == step.target), None)) is not None:
            steps[old] = step  # "the wind is way too much, kill it": the removal is the fix
            continue
        else:
            steps.append(step)
        # "hear": "I can't hear X", a reason when another sound is lowered
        complaints[len(steps) - 1] = "hear" if _HEAR.search(raw) else _COMPLAINT.search(raw) is not None
    return complaints


def _keep_said_amount(old: Step, new: Step) -> Step:
    """The fix wins, but not with an amount nobody said over one somebody did ("25 ms late, nudge it earlier")."""
    if new.op == "shift" and abs(new.seconds) == DEFAULT_SECONDS and abs(old.seconds) != DEFAULT_SECONDS:
        return dataclasses.replace(new, seconds=old.seconds, text="")
    if new.op == "volume" and abs(new.db) == DEFAULT_DB and abs(old.db) != DEFAULT_DB:
        return dataclasses.replace(new, db=old.db, text="")
    return new


_HEAR = re.compile(r"\b(?:can't|cannot|can not|can barely|barely|hardly|can hardly) hear\b|\bhard to hear\b|"
                   r"\btoo (?:quiet|soft|low) (?:under|beneath|behind|against)\b|"
                   r"\b(?:buried|lost|drowned|masked|swamped|drowning) (?:under|by|beneath|behind|in)\b")


def _drop_reasons(steps: list[Step | None], complaints: dict[int, bool | str]) -> list[Step | None]:
    """'I can't hear the dialogue over the score, pull the music back': the first clause is why, not a second edit.
    (None marks a step still to come.)"""
    lowered = {s.target for s in steps if s is not None and s.op == "volume" and s.db < 0}
    drop = {i for i, why in complaints.items() if why == "hear" and steps[i] is not None and steps[i].op == "volume"
            and steps[i].db > 0 and lowered - {steps[i].target}}
    return [s for i, s in enumerate(steps) if i not in drop]
