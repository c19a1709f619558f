"""Adapter to the diffusion editor (``smartdj.models.pipelines.edit``), loaded only when a job needs it.

torch is imported here lazily, inside :func:`load`, so an engine that never runs a neural edit
never imports it. Loaded pipelines are cached by checkpoint path for the life of the engine. The
editor runs at its own rate: :func:`edit` resamples the item to it and the result back (soxr).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

_PIPES: dict[tuple[str, str | None], object] = {}
_LOCK = threading.Lock()

CHECKPOINT_KINDS = ("editor", "edit_pipeline", "pipeline", "diffusion", "udit")


def is_editor_checkpoint(folder: Path) -> bool:
    """A checkpoint folder holding a diffusion editor (by its ``config.json`` kind)."""
    from smartdj.models.checkpoint import CheckpointError, read_config

    try:
        kind = str(read_config(folder).get("kind", ""))
    except CheckpointError:
        return False
    return kind in CHECKPOINT_KINDS or "edit" in kind or "diffusion" in kind


def load(path: str | Path, device: str | None = None):
    key = (str(Path(path).resolve()), device)
    with _LOCK:
        pipe = _PIPES.get(key)
        if pipe is None:
            from smartdj.models.pipelines.edit import EditPipeline

            pipe = EditPipeline.from_checkpoint(str(path), device=device)
            _PIPES[key] = pipe
    return pipe


def edit(path: str | Path, audio: np.ndarray, sr: int, text: str, *, seed: int | None = None,
         steps: int | None = None, guidance: float | None = None, device: str | None = None,
         progress: Callable[[float], None] | None = None,
         cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """One edit step on ``[2, n]`` float32 audio at ``sr``; returns ``[2, n]`` at ``sr``."""
    from smartdj.engine.audio.io import resample

    pipe = load(path, device)
    kwargs: dict = {"seed": seed, "progress": progress, "cancel": cancel}
    if steps is not None:
        kwargs["steps"] = steps
    if guidance is not None:
        kwargs["guidance"] = guidance
    x = np.asarray(audio, dtype=np.float32)
    x = x[None] if x.ndim == 1 else x
    rate = int(pipe.sample_rate)
    out = pipe.edit(resample(x, int(sr), rate), rate, text, **kwargs)
    out = np.asarray(getattr(out, "audio", out), dtype=np.float32)  # EditPipeline.edit returns an EditResult
    if out.ndim != 2 or out.shape[0] != 2:
        raise RuntimeError(f"diffusion editor returned shape {out.shape}, expected [2, n]")
    return _fit(resample(out, rate, int(sr)), x.shape[-1])


def _fit(y: np.ndarray, n: int) -> np.ndarray:
    """``y`` cut or zero-padded to ``n`` samples (resampling there and back may be a sample off)."""
    if y.shape[-1] >= n:
        return np.ascontiguousarray(y[:, :n])
    return np.pad(y, ((0, 0), (0, n - y.shape[-1])))
