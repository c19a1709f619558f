"""The engine-facing audio-language planner: decode, validate, repair, or fall back to rules.

``make_planner(checkpoint=None, tag_labels=None, **options)`` (called by
``engine.planning.base.get_planner("alm")``) loads a ``planner`` checkpoint (the given folder, else
the newest one installed under ``models_dir()``). Zero-shot tags (real CLAP weights only) are chosen
among the scene's labels, then the labels of ``tag_labels`` (a file the user names: a CSV with a
``label`` column or one label a line) or else of the bundled clips' manifest, then common events.
The model hears the mix at its encoder's rate: this adapter downmixes and resamples it.

Planning: the LM decodes freely (greedy or beam); every line must parse with
``smartdj.bridge.language.parse_step`` and, when labels are known, name them exactly. A bad output is re-decoded
under a grammar of the templates (a logits processor that only lets through tokens keeping the
text a prefix of a valid plan, targets restricted to the labels); if that is still invalid the
rule planner plans and ``PlanResult.fallback`` says why. Invalid steps never leave this module.

Without audio the planner sees no audio prefix (training drops it at random, so the model
knows this case) and plans from the instruction and the labels.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import regex
from smartdj.bridge.language import LOCATIONS, QUALITIES, EditError, Step, parse_step
from smartdj.engine.planning.base import MAX_STEPS, check_generated

log = logging.getLogger(__name__)


# ---- the plan grammar ----
def _alt(items: list[str]) -> str:
    return "(?:" + "|".join(regex.escape(x) for x in sorted(set(items), key=len, reverse=True)) + ")"


def plan_grammar(labels: list[str] | None, max_steps: int = MAX_STEPS) -> regex.Pattern:
    """A regex of whole plans (``step\\n`` repeated); non-add targets are the labels when given."""
    loc = _alt(list(LOCATIONS))
    frac = r"(?:\.\d{1,3})?"
    add_db, vol_db = rf"(?:-(?:[1-3]?\d|40)|1?\d|20){frac}", rf"(?:[1-3]?\d|40){frac}"
    seconds, level = rf"-?(?:[1-5]?\d|60){frac}", rf"(?:\d|10){frac}"
    free = r"[A-Za-z0-9][ -~]{0,79}?"  # printable ASCII: no line breaks of any kind
    t = _alt(labels) if labels else free
    many = rf"{t}(?:(?:, and |, | and ){t})*"
    at_the, at = rf"(?: at the {loc})?", rf"(?: at {loc})?"
    step = "(?:" + "|".join([
        rf"add the sound of {free} at the {loc} with {add_db} dB",
        rf"remove the sound of {t}{at_the}",
        rf"extract the sound of {many}{at_the}",
        rf"turn (?:up|down) the volume of {t}{at} by {vol_db} dB",
        rf"change the sound of {t}{at} to {loc}",
        rf"shift the sound of {t}{at_the} by {seconds} seconds",
        rf"reverb the sound of {t}{at_the} with reverb level {level}",
        rf"change the timbre of the sound of {t}{at_the} to be more {_alt(list(QUALITIES))}",
    ]) + ")"
    from smartdj.models.planner.model import REFUSAL

    return regex.compile(rf"(?:(?:{step}\n){{0,{max_steps - 1}}}{step}|{regex.escape(REFUSAL)})\n?")


# ---- validation ----
REFUSED = "refused: the request names no edit the planner can make in this mix"


def validate_plan(text: str, labels: list[str] | None, max_steps: int = MAX_STEPS) -> tuple[list[Step], str | None]:
    """``(steps, None)`` for a valid plan text, else ``([], reason)``. Adds are moved last."""
    from smartdj.models.planner.model import REFUSAL

    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return [], "empty output"
    if [ln.strip() for ln in lines] == [REFUSAL]:
        return [], REFUSED
    if len(lines) > max_steps:
        return [], f"{len(lines)} steps (at most {max_steps})"
    steps = []
    for i, line in enumerate(lines, 1):
        try:
            steps.append(parse_step(line))
        except EditError as e:
            return [], f"line {i} does not parse ({e.message[:120]})"
    try:
        return check_generated(steps, labels, max_steps), None
    except EditError as e:
        return [], f"{e.part}: {e.message}"


def _mono_at(audio: tuple[np.ndarray, int], rate: int) -> np.ndarray:
    """The mix downmixed to ``[1, n]`` and resampled to the encoder's ``rate``."""
    from smartdj.engine.audio.io import resample, to_mono

    x, sr = audio
    a = np.asarray(x, dtype=np.float32)
    return resample(to_mono(a[None] if a.ndim == 1 else a), int(sr), int(rate))


def _rules() -> Any:
    from smartdj.engine.planning.rules import RulePlanner

    return RulePlanner()


class AlmPlanner:
    """Plans with a trained :class:`~smartdj.models.planner.model.PlannerModel`; see the module doc."""

    name = "alm"

    def __init__(self, model: Any, *, num_beams: int = 1, max_new_tokens: int = 200, repair: bool = True,
                 max_steps: int = MAX_STEPS, tag_top_k: int = 5, checkpoint: str | None = None,
                 tag_labels: list[str] | None = None):
        self.model = model.eval()
        self.tag_labels = list(tag_labels or [])  # labels zero-shot tags may name, besides the scene's
        self.num_beams, self.max_new_tokens = int(num_beams), int(max_new_tokens)
        self.repair, self.max_steps, self.tag_top_k = repair, int(max_steps), int(tag_top_k)
        self.checkpoint = checkpoint
        self._rule_planner = None

    def _fallback(self, instruction: str, labels: list[str] | None, audio: Any, reason: str, tags: list[str]):
        if self._rule_planner is None:
            self._rule_planner = _rules()
        log.info("alm planner fell back to rules: %s", reason)
        result = self._rule_planner.plan(instruction, labels=labels, audio=audio)
        return replace(result, planner="rules", fallback=reason, tags=[*tags, *result.tags])

    def decode(self, instruction: str, labels: list[str] | None = None,
               audio: tuple[np.ndarray, int] | None = None) -> dict:
        """Everything the planner decided, for inspection: raw/repaired text, steps, reason, tags."""
        from smartdj.models.components.clap import label_vocabulary
        from smartdj.models.planner.constrained import GrammarProcessor
        from smartdj.models.planner.model import format_prompt

        model, rate = self.model, self.model.clap.sampling_rate
        emb = model.clap.embed(_mono_at(audio, rate), rate) if audio is not None else None
        tags: list[str] = []
        if emb is not None and model.clap.pretrained:
            vocabulary = label_vocabulary(labels, self.tag_labels)
            tags = model.clap.tag(embeddings=emb, vocabulary=vocabulary, top_k=self.tag_top_k)
        shown = list(labels) if labels else tags
        prompt = format_prompt(instruction, shown)
        raw = model.generate(emb, prompt, max_new_tokens=self.max_new_tokens, num_beams=self.num_beams)
        steps, reason = validate_plan(raw, labels, self.max_steps)
        out = {"raw": raw, "steps": steps, "reason": reason, "tags": tags, "repaired": None}
        if reason and reason != REFUSED and self.repair:
            grammar = plan_grammar(labels or None, self.max_steps)
            proc = GrammarProcessor(model.tokenizer, grammar, keep=max(2, self.num_beams + 1))
            fixed = model.generate(emb, prompt, max_new_tokens=self.max_new_tokens, num_beams=self.num_beams,
                                   logits_processor=[proc])
            steps2, reason2 = validate_plan(fixed, labels, self.max_steps)
            out["repaired"] = fixed
            if reason2 is None:
                out.update(steps=steps2, reason=None)
            else:
                out["reason"] = f"{reason}; constrained re-decoding: {reason2}"
        return out

    def plan(self, instruction: str, labels: list[str] | None = None,
             audio: tuple[np.ndarray, int] | None = None):
        from smartdj.engine.planning.base import PlanningError, PlanResult

        if not isinstance(instruction, str) or not instruction.strip():
            raise PlanningError("empty instruction: say what to change, e.g. 'make the dog quieter'")
        d = self.decode(instruction, labels, audio)
        if d["reason"] == REFUSED:  # the rule planner plans what is explicit, or refuses with specifics
            return self._fallback(instruction, labels, audio, f"alm {REFUSED}; asked rules", d["tags"])
        if d["reason"] is not None:
            return self._fallback(instruction, labels, audio, f"alm output invalid ({d['reason']}); used rules",
                                  d["tags"])
        tags = list(d["tags"]) + (["alm:constrained-repair"] if d["repaired"] is not None else [])
        return PlanResult(steps=d["steps"], planner="alm", fallback=None, tags=tags)


# ---- construction ----
def installed_checkpoint() -> Path | None:
    """The newest ``planner`` checkpoint under the models folder (engine/config.py's ``models_dir``), if any."""
    from smartdj.engine.config import models_dir
    from smartdj.models.checkpoint import CheckpointError, read_config

    root = Path(models_dir())
    if not root.is_dir():
        return None
    found = []
    for sub in root.iterdir():
        if sub.is_dir() and not sub.name.startswith("."):
            try:
                read_config(sub, "planner")
            except CheckpointError:
                continue
            found.append(sub)
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def tag_vocabulary(tag_labels: str | os.PathLike | None = None) -> list[str]:
    """Labels zero-shot tags may name: those of the user's file, else of the bundled clips' manifest."""
    from smartdj.engine.config import bundled_library
    from smartdj.models.components.clap import read_labels

    if tag_labels:
        return read_labels(tag_labels)
    bundled = bundled_library() / "manifest.csv"
    return read_labels(bundled) if bundled.is_file() else []


def make_planner(checkpoint: str | os.PathLike | None = None, *, device: str | None = None, num_beams: int = 1,
                 max_new_tokens: int = 200, repair: bool = True, tag_labels: str | os.PathLike | None = None,
                 **options: Any):
    """The alm planner; without a checkpoint, the rule planner with a visible fallback reason."""
    from smartdj.engine.planning.base import FallbackPlanner
    from smartdj.models.planner.model import load_planner

    if options:
        log.warning("alm planner ignores options %s", sorted(options))
    folder = Path(checkpoint) if checkpoint else installed_checkpoint()
    if folder is None:
        return FallbackPlanner("alm", "no alm planner checkpoint installed (train one with `smartdj train "
                                      "planner` or pass --checkpoint); used rules")
    if device is None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    model, _ = load_planner(folder, device=device)
    return AlmPlanner(model, num_beams=num_beams, max_new_tokens=max_new_tokens, repair=repair,
                      checkpoint=str(folder), tag_labels=tag_vocabulary(tag_labels))
