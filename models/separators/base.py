"""What every separator adapter shares: the interface, its errors, and which words route to which kind.

A separator answers one question: given a stereo mixture and a target (a label or a short
description), what part of the mixture is the target? It returns the target only, ``[2, n]``
float32 at the mixture's rate and length; the caller defines the residual as ``mix - target``,
so the part of the mix an edit leaves alone stays exactly what it was.

Kinds: ``speech`` (a voice against everything else), ``music`` (four stems: vocals, drums,
bass, other), ``text`` (any sound named in words).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

import numpy as np

KINDS = ("speech", "music", "text")

# A voice: the speech separator's own output.
SPEECH_WORDS = frozenset({
    "voice", "voices", "dialogue", "dialog", "speech", "speaking", "speaker", "talking", "narrator", "narration",
    "host", "presenter", "announcer", "interviewer", "interviewee", "guest", "man", "woman", "person", "people",
    "words", "spoken", "vo", "voiceover", "vocal", "vocals", "singer", "singing", "reporter",
})
# The rest of a dialogue recording: the speech separator's complement (mix - voice).
BACKGROUND_WORDS = frozenset({
    "noise", "background", "ambience", "ambient", "hiss", "hum", "buzz", "rumble", "room tone", "roomtone",
    "traffic", "wind", "static",
})
# The four stems of a music separator (vocals also routes to speech when no music separator is installed).
STEM_WORDS = {"vocals": "vocals", "vocal": "vocals", "singing": "vocals", "singer": "vocals", "drums": "drums",
              "drum": "drums", "percussion": "drums", "beat": "drums", "bass": "bass", "bassline": "bass",
              "other": "other", "accompaniment": "other"}

Progress = Callable[[float], None]


class SeparatorUnavailable(RuntimeError):
    """A backend that is not installed (or has no weights); the message says how to install it."""


_RELATIONS = re.compile(r"\b(?:under|underneath|beneath|below|behind|over|around|against|from|of|in|on|with|"
                        r"during|while|near)\b")


def words(text: str) -> set[str]:
    t = " ".join(re.findall(r"[a-z0-9]+", re.sub(r"'s\b", "", text.casefold())))
    found = set(t.split())
    found |= {w for w in BACKGROUND_WORDS if " " in w and w in t}
    return found


def head_words(target: str) -> set[str]:
    """The words of a target before any relation ("traffic under the voice" -> {traffic})."""
    head = _RELATIONS.split(target.casefold(), maxsplit=1)[0]
    return words(head) or words(target)


def is_background(target: str) -> bool:
    """A target that means 'everything but the voice' ("the background noise", "traffic under the voice")."""
    return bool(head_words(target) & BACKGROUND_WORDS)


def is_speech(target: str) -> bool:
    return not is_background(target) and bool(head_words(target) & SPEECH_WORDS)


def stem_of(target: str) -> str | None:
    """The music stem a target names, or None ("the drums" -> drums; "lead vocals" -> vocals)."""
    hits = [STEM_WORDS[w] for w in sorted(words(target)) if w in STEM_WORDS]
    return hits[0] if len(set(hits)) == 1 else None


def route(target: str) -> list[str]:
    """Kinds that can serve a target, best first: speech words -> speech; stems -> music; else text."""
    stem = stem_of(target)
    if stem == "vocals":
        return ["music", "speech", "text"]
    if stem is not None:
        return ["music", "text"]
    if is_speech(target) or is_background(target):
        return ["speech", "text"]
    return ["text"]


class Separator(Protocol):
    """One loaded backend for one job (fresh state per job keeps results deterministic).

    A stems separator also sets ``gives_stems = True`` and has ``stems(mix, sr) -> {stem: [2, n]}``.
    """

    name: str

    def separate(self, mix: np.ndarray, sr: int, target: str, progress: Progress | None = None) -> np.ndarray:
        """The target's part of ``mix`` (``[2, n]`` float32 at ``sr``), same shape as ``mix``."""
        ...


def as_stereo_f32(mix: np.ndarray) -> np.ndarray:
    x = np.asarray(mix, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] != 2:
        raise ValueError(f"a separator takes a stereo mixture [2, n], got shape {x.shape}")
    return np.ascontiguousarray(x)


def resample(x: np.ndarray, sr_in: int, sr_out: int, n_out: int | None = None) -> np.ndarray:
    """Resample ``[c, n]`` float32 with soxr (high quality), cut or padded to ``n_out`` samples."""
    if sr_in == sr_out:
        y = np.asarray(x, dtype=np.float32)
    else:
        import soxr

        y = soxr.resample(np.ascontiguousarray(x.T, dtype=np.float32), sr_in, sr_out, quality="VHQ").T
        y = np.ascontiguousarray(y, dtype=np.float32)
    if n_out is not None and y.shape[-1] != n_out:
        out = np.zeros((y.shape[0], n_out), np.float32)
        m = min(n_out, y.shape[-1])
        out[:, :m] = y[:, :m]
        y = out
    return y
