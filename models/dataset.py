"""Synthesized datasets as training reads them: the manifest's records and the WAVs at a model's rate.

``smartdj synth`` writes a folder with ``manifest.jsonl`` (one JSON record per example) and the
audio beside it. Training reads that folder here, from files, so models/ needs nothing from the
engine: the CLI passes the folder's path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import soundfile as sf

MANIFEST = "manifest.jsonl"


def read_records(data: str | os.PathLike) -> list[dict]:
    """The records of a dataset folder's ``manifest.jsonl`` (or of that file), in order."""
    p = Path(data)
    manifest = p if p.is_file() else p / MANIFEST
    if not manifest.is_file():
        raise FileNotFoundError(f"{data}: no {MANIFEST}; make a dataset with `smartdj synth --out {data}`")
    records = []
    with manifest.open() as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{manifest}:{n}: not valid JSON ({e})") from None
    return records


def read_wav(path: str | os.PathLike, sr: int | None = None, *, mono: bool = False) -> np.ndarray:
    """``[channels, n]`` float32 of an audio file; ``mono`` averages the channels, ``sr`` resamples (soxr HQ)."""
    try:
        data, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as e:
        raise ValueError(f"{path}: not a readable audio file ({e}); use WAV, FLAC, AIFF, OGG or MP3") from None
    audio = np.ascontiguousarray(data.T)
    if mono:
        audio = audio.mean(axis=0, keepdims=True)
    if sr is None or int(sr) == int(file_sr) or audio.shape[-1] == 0:
        return audio
    import soxr

    out = soxr.resample(np.ascontiguousarray(audio.T), int(file_sr), int(sr), quality="HQ")
    return np.ascontiguousarray(out.T.reshape(audio.shape[0], -1), dtype=np.float32)


def as_stereo(audio: np.ndarray) -> np.ndarray:
    """Mono to centred stereo; more than two channels folded down (even to the left, odd to the right)."""
    if audio.shape[0] == 1:
        return np.repeat(audio, 2, axis=0)
    if audio.shape[0] == 2:
        return audio
    return np.stack([audio[0::2].mean(axis=0), audio[1::2].mean(axis=0)]).astype(np.float32)
