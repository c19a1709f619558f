"""Separation executor: edit one sound inside a stereo mixture exactly, by separating it first.

For a step on a target inside the mix, a separator (routed by the target's words, or the user's
``separator`` option; see ``separation_registry``) returns the target's part ``t`` of the mix;
the residual is ``mix - t`` and the step's output is ``residual + op(t)`` with the composer's
own operation (``mixture.apply_whole``): remove -> residual, extract -> target, direction
re-pans the target's mono downmix, other ops keep its stereo image. The residual is never
touched, so everything the step does not edit stays sample-exact.

Within one job the decomposition is kept: the mix is ``rest + part_1 + ... + part_k``, one part
per separated target (and per added sound). A later step on the same target edits that part
again (no second separation); a new target is separated from ``rest``, except the other side of
a voice/background split, which is all of ``rest``, and the stems of a stems separator, which
all come from its one pass over the mix; a whole-mix step applies the (linear) op to every part. A separator instance lives for one job (fresh state).
"""

from __future__ import annotations

import re

import numpy as np
from smartdj.bridge.language import Step, split_targets
from smartdj.engine.config import Settings
from smartdj.engine.execution.executors import Cancel, ExecError, Progress


class SeparationCancelled(RuntimeError):
    """Raised from a separator's progress callback when the job is cancelled or the engine stops."""


def _key(target: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", target.casefold()))


def _role(target: str) -> str | None:
    """voice | background for the two sides of a speech separation, else None."""
    from smartdj.models.separators.base import is_background, is_speech

    return "background" if is_background(target) else "voice" if is_speech(target) else None


class SeparationExecutor:
    name = "separation"

    def __init__(self, item_label: str, clips: object, options: dict, settings: Settings | None,
                 allow_editor: bool = True):
        self.item_label, self.clips = item_label, clips
        self.options, self.settings = dict(options or {}), settings
        self.choice = self.options.get("separator") or None
        self.allow_editor = allow_editor
        self.rng = np.random.default_rng(self.options.get("seed"))
        self._loaded: dict[str, object] = {}
        self._stems: dict[str, dict[str, np.ndarray]] = {}  # separator -> its one pass of stems
        self._rest: np.ndarray | None = None
        self._parts: dict[str, np.ndarray] = {}
        self._by: dict[str, tuple[str, str | None]] = {}  # part key -> (separator, voice/background role)
        self._last: np.ndarray | None = None
        self.step_info: dict = {}

    # --- before the job -----------------------------------------------------------------

    def _targets(self, step: Step) -> list[str]:
        parts = split_targets(step.target) if step.op == "extract" else [step.target]
        return parts or [step.target]

    def backend_for(self, target: str):
        from smartdj.engine.execution import separation_registry as reg

        return reg.resolve(target, self.choice, self.options, self.settings, allow_editor=self.allow_editor)

    @classmethod
    def serves(cls, steps: list[Step], options: dict, settings: Settings | None) -> bool:
        """Whether installed separators other than the diffusion editor serve every target of ``steps``."""
        ex = cls("", None, options, settings, allow_editor=False)
        return all(ex.backend_for(t) is not None for s in steps for t in ex._targets(s))

    def check(self, steps: list[Step], item: str) -> None:
        """Refuse, before any render, a step no installed separator can serve (naming the install command)."""
        from smartdj.engine.compose.mixture import supports
        from smartdj.engine.execution import separation_registry as reg

        for k, step in enumerate(steps, 1):
            if supports(step, self.item_label):
                continue
            for target in self._targets(step):
                if self.backend_for(target) is None:
                    raise ExecError("needs_separation", f"step {k} ({step.text}): "
                                    f"{reg.missing_message(target, self.choice, self.settings)}; or send the "
                                    "sources as a scene", item=item, step=k)

    # --- one step -----------------------------------------------------------------------

    def _separator(self, target: str):
        from smartdj.engine.execution import separation_registry as reg

        b = self.backend_for(target)
        if b is None:
            raise ExecError("needs_separation", reg.missing_message(target, self.choice, self.settings))
        if b.name not in self._loaded:
            try:
                self._loaded[b.name] = reg.create(b, self.options, self.settings)
            except RuntimeError as e:  # SeparatorUnavailable and load failures, with what to do
                raise ExecError("needs_separation", f"separator {b.name}: {e}") from None
        return b.name, self._loaded[b.name]

    def _claim(self, target: str, at: str | None, sr: int, progress: Progress, cancel: Cancel) -> str:
        """The key of ``target``'s part, separating it from ``rest`` the first time."""
        key = _key(target) + (f" @{at}" if at else "")
        if key in self._parts:
            return key
        name, sep = self._separator(target)
        role = _role(target)
        if role and any(n == name and r and r != role for n, r in self._by.values()):
            # a voice/background separator already split the mix: the other side is all of ``rest``
            t, self._rest = self._rest, np.zeros_like(self._rest)
            self._parts[key], self._by[key] = t, (name, role)
            return key
        def report(fraction: float) -> None:  # separators report progress; a cancel stops them there
            if cancel():
                raise SeparationCancelled("cancelled during separation")  # the runner turns it into a cancel
            progress(fraction)

        report(0.0)
        t = np.asarray(self._stem(name, sep, target, sr, report) if getattr(sep, "gives_stems", False) else
                       sep.separate(self._rest, sr, target, report), dtype=np.float32)
        if t.shape != self._rest.shape or not np.isfinite(t).all():
            raise ExecError("edit_failed", f"separator {name} returned shape {t.shape} (or non-finite samples) "
                            f"for {target!r}; expected {self._rest.shape}")
        self._rest = self._rest - t
        self._parts[key], self._by[key] = t, (name, role)
        return key

    def _stem(self, name: str, sep, target: str, sr: int, report: Progress) -> np.ndarray:
        """A stems separator runs once per job: later stems come from that same pass (a consistent split)."""
        from smartdj.models.separators.base import stem_of

        if name not in self._stems:
            self._stems[name] = sep.stems(self._rest, sr)
        stems, stem = self._stems[name], stem_of(target)
        if stem not in stems:
            raise ExecError("needs_separation", f"separator {name} gives {', '.join(stems)}; {target!r} is none "
                            "of them (choose a text separator with options.separator)")
        return stems[stem]

    def _mix(self) -> np.ndarray:
        out = self._rest.copy()
        for part in self._parts.values():
            out += part
        return out

    def step(self, audio: np.ndarray, sr: int, step: Step, progress: Progress, cancel: Cancel) -> np.ndarray:
        from smartdj.engine.compose.mixture import _as_stereo, apply_to_mixture, apply_whole, denotes_whole

        if self._last is None or audio is not self._last:  # first step, or resumed from a render
            self._rest, self._parts, self._by, self._stems = _as_stereo(audio).copy(), {}, {}, {}
        self.step_info = {}
        if step.op == "add":
            placed = apply_to_mixture(np.zeros_like(self._rest), sr, step, clips=self.clips, rng=self.rng)
            key = "+" + _key(step.target)
            self._parts[key] = self._parts[key] + placed if key in self._parts else placed
        elif denotes_whole(step.target, self.item_label):
            self._rest = apply_whole(self._rest, sr, step)
            self._parts = {k: apply_whole(p, sr, step) for k, p in self._parts.items()}
        else:
            keys = [self._claim(t, step.at, sr, progress, cancel) for t in self._targets(step)]
            self.step_info = {"separator": ",".join(dict.fromkeys(self._by[k][0] for k in keys))}
            if step.op == "extract":
                self._rest = np.zeros_like(self._rest)
                self._parts = {k: (p if k in keys else np.zeros_like(p)) for k, p in self._parts.items()}
            else:
                for k in keys:
                    self._parts[k] = apply_whole(self._parts[k], sr, step)
        progress(1.0)
        self._last = self._mix()
        return self._last
