"""Composer ops on one stereo mixture whose sources are unknown (a REAPER item not in scene mode).

Without stems, DSP can still add a clip to the mix and change the whole item (volume,
direction, shift, reverb, timbre; remove = silence, extract = as is). ``apply_whole`` is that
exact operation on any stereo signal; the separation executor applies it to a separated target.
Anything aimed at a sound inside the mix needs a separator (or the diffusion editor):
:class:`NeedsSeparation` says so. ``supports`` answers the question without touching audio.
"""

from __future__ import annotations

import re

import numpy as np
from smartdj.bridge import labels as lab
from smartdj.bridge.language import Step
from smartdj.engine.audio import dsp
from smartdj.engine.audio.io import read_audio, resample, to_mono, to_stereo
from smartdj.engine.compose.composer import find_clip
from smartdj.engine.compose.scene import ComposeError, Source

WHOLE_WORDS = {
    "everything", "all", "it", "this", "mix", "the mix", "whole mix", "the whole mix", "whole thing",
    "the whole thing", "all of it", "the track", "track", "the audio", "audio", "the item", "item",
    "the whole item", "whole item", "the recording", "recording", "the clip", "clip", "the sound",
    "the scene", "scene", "the whole scene", "everything in it", "the entire mix", "entire mix",
}


class NeedsSeparation(ComposeError):
    """The step edits a sound inside a mixture; a separator (separation executor) or the diffusion editor can."""


def denotes_whole(target: str, item_label: str = "") -> bool:
    """Whether a step's target means the whole item rather than a sound inside it."""
    t = " ".join(re.sub(r"[^\w\s'-]", " ", target.casefold()).split())
    if item_label and lab.same(target, item_label):  # a take named "mix20.wav" is the target "mix20 wav"
        return True
    return t in WHOLE_WORDS


def supports(step: Step, item_label: str = "") -> bool:
    return step.op == "add" or denotes_whole(step.target, item_label)


def _as_stereo(audio: np.ndarray) -> np.ndarray:
    a = np.asarray(audio, dtype=np.float32)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ComposeError(f"mixture must be [channels, samples], got shape {a.shape}")
    return to_stereo(a, downmix=True, name="mixture")


def _load_clip(found: object, sr: int) -> np.ndarray:
    if isinstance(found, Source):
        if found.audio is not None:
            return resample(found.audio, int(found.audio_sr), sr)
        found = found.path
    if isinstance(found, tuple) and len(found) == 2:
        return resample(np.atleast_2d(np.asarray(found[0], dtype=np.float32)), int(found[1]), sr)
    return read_audio(found, sr=sr)[0]


def apply_to_mixture(audio: np.ndarray, sr: int, step: Step, item_label: str = "", clips: object = None,
                     rng: np.random.Generator | None = None) -> np.ndarray:
    """The mixture after one step, ``[2, n]`` float32 with the input's length."""
    x = _as_stereo(audio)
    n = x.shape[1]
    if step.op == "add":
        found = find_clip(clips, step.target)
        if found is None:
            hint = "pass a sound library (clips)" if clips is None else "add a clip with that label to the library"
            raise ComposeError(f"add: no clip for {step.target!r} in the sound library; {hint}")
        clip = dsp.normalize_peak(to_mono(_load_clip(found, sr)), dsp.ADD_PEAK)
        placed = dsp.pan(clip, step.to, sr) * np.float32(dsp.db_to_gain(step.db))
        start = 0
        if rng is not None:
            start = int(rng.integers(0, max(1, n - clip.shape[1] + 1)))
        out = x.copy()
        m = min(placed.shape[1], n - start)
        if m > 0:
            out[:, start:start + m] += placed[:, :m]
        return out
    if not denotes_whole(step.target, item_label):
        raise NeedsSeparation(
            f"{step.text!r} edits one sound inside the mix: run it with the separation executor (--executor "
            "auto or separation; `smartdj models list` shows the separators and how to install them) "
            "or edit the item as a scene of stems")
    return apply_whole(x, sr, step)


def apply_whole(audio: np.ndarray, sr: int, step: Step) -> np.ndarray:
    """One step's operation on a whole stereo signal (not add): ``[2, n]`` float32, same length.
    direction re-pans the mono downmix; every other op keeps the stereo image."""
    x = _as_stereo(audio)
    n = x.shape[1]
    if step.op == "remove":
        return np.zeros_like(x)
    if step.op == "extract":
        return x.copy()
    if step.op == "volume":
        return x * np.float32(dsp.db_to_gain(step.db))
    if step.op == "direction":
        return dsp.pan(to_mono(x), step.to, sr)[:, :n]
    if step.op == "shift":
        d = int(round(step.seconds * sr))
        out = np.zeros_like(x)
        if d >= 0:
            out[:, d:] = x[:, : max(n - d, 0)]
        else:
            out[:, : max(n + d, 0)] = x[:, -d:]
        return out
    if step.op == "reverb":
        return dsp.reverb(x, step.level, sr)[:, :n]
    if step.op == "timbre":
        return dsp.timbre(x, step.quality, sr)
    raise ComposeError(f"unknown op {step.op!r}")
