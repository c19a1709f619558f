"""Executor backends as the job runner sees them: one edit step on audio (or on a scene) at a time.

- ``SceneExecutor``: the known sources of one scene, edited exactly by the composer.
- ``MixtureExecutor``: one item whose sources are unknown, changed as a whole by DSP
  (``mixture_ops``); steps aimed at a sound inside the mix need separation -> ``needs_separation``.
- ``DiffusionExecutor``: the diffusion editor through :mod:`executor_diffusion` (torch only here).

- ``SeparationExecutor`` (:mod:`separation`): one item; a separator finds the step's target and
  the composer edits it exactly (``out = residual + op(target)``).

``choose`` resolves ``auto``: scene -> composer; one item -> separation when an installed separator
(not the diffusion editor's extract) serves every step aimed inside the mix, or when the user
chose a separator; else diffusion when a checkpoint is configured or installed; else separation
again when a step needs it (its check names what to install), or the mixture ops.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from smartdj.bridge.language import QUALITIES, SMARTDJ_QUALITIES, Step
from smartdj.engine.config import Settings, models_dir

Progress = Callable[[float], None]
Cancel = Callable[[], bool]


class ExecError(Exception):
    """A job that cannot go on: ``code`` for clients, a message saying what to do."""

    def __init__(self, code: str, message: str, item: str | None = None, step: int | None = None):
        super().__init__(message)
        self.code, self.message, self.item, self.step = code, message, item, step


RELEASED_NAME = "smartdj-released"

# The timbre qualities each executor renders (the composer's DSP renders them all; SmartDJ's
# diffusion editor was trained on its five). A step with another quality is refused, never substituted.
# (The separation executor edits the separated sound with the composer: every quality too.)
EXECUTOR_QUALITIES: dict[str, tuple[str, ...]] = {"composer": QUALITIES, "separation": QUALITIES,
                                                  "diffusion": SMARTDJ_QUALITIES}


def check_qualities(executor: str, steps: list[Step], item: str | None = None) -> None:
    """Refuse (``unsupported_quality``) the first timbre step ``executor`` cannot render."""
    can = EXECUTOR_QUALITIES[executor]
    for k, step in enumerate(steps, 1):
        if step.op == "timbre" and step.quality not in can:
            raise ExecError("unsupported_quality",
                            f"step {k} ({step.text}): the {executor} executor cannot render the timbre "
                            f"'{step.quality}' (it renders {', '.join(can)}); the composer renders every "
                            "quality: choose executor 'composer' (--executor composer) to change the "
                            "whole item, or send the sources as a scene", item=item, step=k)


def find_checkpoint(name: str | None) -> Path | None:
    """A diffusion checkpoint folder: a path, a name under ``models_dir()``, or (None) any installed one."""
    from smartdj.engine.execution.diffusion import is_editor_checkpoint

    if name:
        for p in (Path(name).expanduser(), models_dir() / name):
            if p.is_dir():
                return p
        raise ExecError("no_checkpoint", f"diffusion checkpoint {name!r} not found (as a folder or under "
                        f"{models_dir()}); install one with `smartdj models pull` or pass a folder")
    root = models_dir()
    if root.is_dir():
        # SmartDJ's released editor (what `smartdj models import smartdj` installs) wins when present.
        for p in sorted(root.iterdir(), key=lambda p: (p.name != RELEASED_NAME, p.name)):
            if p.is_dir() and is_editor_checkpoint(p):
                return p
    return None


def choose(executor: str, scene: bool, options: dict, settings: Settings, steps: list[Step] | None = None,
           item_label: str = "") -> tuple[str, Path | None]:
    """``(composer | mixture | separation | diffusion, checkpoint)`` for a job's executor option."""
    if scene:
        if executor in ("diffusion", "separation"):
            raise ExecError("invalid", "scene jobs are edited exactly by the composer; use executor auto or composer")
        return "composer", None
    if executor == "composer":
        return "mixture", None
    if executor == "separation":
        return "separation", None
    ckpt = find_checkpoint(options.get("checkpoint") or settings.checkpoint)
    if executor == "diffusion":
        if ckpt is None:
            raise ExecError("no_checkpoint", "the diffusion executor needs a checkpoint: none is configured or "
                            f"installed under {models_dir()}; pass options.checkpoint or install one")
        return "diffusion", ckpt
    from smartdj.engine.compose.mixture import supports
    from smartdj.engine.execution.separation import SeparationExecutor

    inner = [s for s in steps or [] if not supports(s, item_label)]
    if options.get("separator") or (inner and SeparationExecutor.serves(inner, options, settings)):
        return "separation", None
    if not inner:
        return "mixture", None  # whole-item steps: the composer is exact, whatever else is installed
    if ckpt is not None:
        return "diffusion", ckpt
    return "separation", None


class MixtureExecutor:
    name = "composer"

    def __init__(self, item_label: str, clips: object, seed: int | None):
        self.item_label = item_label
        self.clips = clips
        self.rng = np.random.default_rng(seed)

    def check(self, steps: list[Step], item: str) -> None:
        from smartdj.engine.compose.mixture import supports

        check_qualities(self.name, steps, item)
        for k, step in enumerate(steps, 1):
            if not supports(step, self.item_label):
                raise ExecError("needs_separation",
                                f"step {k} ({step.text}) edits one sound inside a mix whose sources are unknown: "
                                "the composer alone changes only the whole item; use executor 'auto' or "
                                "'separation' (a separator finds the sound; `smartdj models list` shows which "
                                "are installed and how to install others), or send the sources as a scene",
                                item=item, step=k)

    def step(self, audio: np.ndarray, sr: int, step: Step, progress: Progress, cancel: Cancel) -> np.ndarray:
        from smartdj.engine.compose.mixture import apply_to_mixture

        return apply_to_mixture(audio, sr, step, item_label=self.item_label, clips=self.clips, rng=self.rng)


class DiffusionExecutor:
    name = "diffusion"

    def __init__(self, checkpoint: Path, options: dict, device: str | None):
        self.checkpoint, self.options, self.device = checkpoint, options, device

    def check(self, steps: list[Step], item: str) -> None:
        check_qualities(self.name, steps, item)

    def step(self, audio: np.ndarray, sr: int, step: Step, progress: Progress, cancel: Cancel) -> np.ndarray:
        from smartdj.engine.execution import diffusion as executor_diffusion

        return executor_diffusion.edit(self.checkpoint, audio, sr, step.text, seed=self.options.get("seed"),
                                       steps=self.options.get("steps"), guidance=self.options.get("guidance"),
                                       device=self.device, progress=progress, cancel=cancel)


class SceneExecutor:
    """Holds the scene; each step returns the new scene's mix."""

    name = "composer"

    def __init__(self, scene, clips: object, seed: int | None):
        self.scene = scene
        self.clips = clips
        self.rng = np.random.default_rng(seed)

    def apply(self, step: Step) -> None:
        from smartdj.engine.compose.composer import apply_step

        self.scene = apply_step(self.scene, step, clips=self.clips, rng=self.rng)

    def render(self) -> np.ndarray:
        from smartdj.engine.compose.scene import render

        return render(self.scene)
