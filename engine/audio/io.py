"""Audio files in and out: slices of user media (read only), resampling, atomic float32 WAV renders.

Input media is never written. Renders go to a temporary name in the destination folder and
are renamed into place only when complete, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf


class AudioError(ValueError):
    """An audio file that cannot be used, with what is wrong and how to fix it."""


def resample(audio: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Resample ``[channels, samples]`` with soxr (high quality); a no-op when the rates match."""
    if sr_in == sr_out or audio.shape[-1] == 0:
        return audio.astype(np.float32, copy=False)
    import soxr

    out = soxr.resample(np.ascontiguousarray(audio.T, dtype=np.float32), sr_in, sr_out, quality="HQ")
    return np.ascontiguousarray(out.T.reshape(audio.shape[0], -1), dtype=np.float32)


def info(path: str | os.PathLike) -> sf._SoundFileInfo:
    p = Path(path)
    if not p.exists():
        raise AudioError(f"{p}: no such file; check the path (was the media moved or deleted?)")
    if not p.is_file():
        raise AudioError(f"{p}: not a file")
    if not os.access(p, os.R_OK):
        raise AudioError(f"{p}: not readable; check the file's permissions")
    try:
        return sf.info(str(p))
    except (sf.LibsndfileError, RuntimeError) as e:
        raise AudioError(f"{p}: not a readable audio file ({e}); use WAV, FLAC, AIFF, OGG or MP3") from None


def read_audio(path: str | os.PathLike, start: float = 0.0, length: float | None = None,
               sr: int | None = None) -> tuple[np.ndarray, int]:
    """Read ``[channels, samples]`` float32 from ``start`` seconds for ``length`` seconds.

    With ``sr`` the result is resampled to that rate. A slice outside the file is an error.
    """
    meta = info(path)
    file_sr = int(meta.samplerate)
    first = int(round(start * file_sr))
    if first < 0:
        raise AudioError(f"{path}: start {start} s is negative")
    if first >= meta.frames:
        raise AudioError(f"{path}: start {start:.3f} s is past the end of the file ({meta.frames / file_sr:.3f} s)")
    if length is None:
        last = meta.frames
    else:
        n = int(round(length * file_sr))
        if n <= 0:
            raise AudioError(f"{path}: length {length} s is empty; give a positive length")
        last = first + n
        if last > meta.frames + 1:
            raise AudioError(f"{path}: the slice {start:.3f}+{length:.3f} s runs past the end of the file "
                             f"({meta.frames / file_sr:.3f} s); shorten it")
        last = min(last, meta.frames)
    try:
        data, _ = sf.read(str(path), start=first, stop=last, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as e:
        raise AudioError(f"{path}: could not be decoded ({e})") from None
    audio = np.ascontiguousarray(data.T)
    if sr is not None and sr != file_sr:
        audio = resample(audio, file_sr, sr)
        file_sr = sr
    return audio, file_sr


def to_mono(audio: np.ndarray) -> np.ndarray:
    return audio.mean(axis=0, keepdims=True) if audio.shape[0] > 1 else audio


def to_stereo(audio: np.ndarray, *, downmix: bool = False, name: str = "audio") -> np.ndarray:
    """Mono becomes centred stereo; stereo passes; more channels is an error unless ``downmix``."""
    ch = audio.shape[0]
    if ch == 1:
        return np.repeat(audio, 2, axis=0)
    if ch == 2:
        return audio
    if downmix:
        # Even channels to the left, odd to the right: a plain, documented fold-down.
        left = audio[0::2].mean(axis=0)
        right = audio[1::2].mean(axis=0)
        return np.stack([left, right]).astype(np.float32)
    raise AudioError(f"{name} has {ch} channels; SmartDJ edits stereo. Bounce it to stereo or pass the downmix option")


def write_wav_atomic(path: str | os.PathLike, audio: np.ndarray, sr: int) -> Path:
    """Write ``[channels, samples]`` as 32-bit float WAV via a temporary name and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".partial.wav", dir=path.parent)
    os.close(fd)
    try:
        sf.write(tmp, np.ascontiguousarray(audio.T, dtype=np.float32), int(sr), subtype="FLOAT", format="WAV")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def peak(audio: np.ndarray) -> float:
    return float(np.max(np.abs(audio))) if audio.size else 0.0
