"""Audio files in and out: slices of user media (read only), resampling, atomic float32 WAV renders.

Input media is never written. Renders go to a temporary name in the destination folder and
are renamed into place only when complete, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import secrets
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


def new_temp_file(folder: Path, prefix: str, suffix: str) -> Path:
    """An empty file with a fresh name in ``folder``, created with the mode the umask gives (unlike
    ``tempfile.mkstemp``, which makes it 0600): renders land on shared studio storage."""
    for _ in range(100):
        tmp = folder / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder}: could not find a free temporary name")


def new_temp_dir(parent: Path, prefix: str) -> Path:
    """A new empty folder in ``parent`` with the mode the umask gives (``mkdtemp`` makes it 0700)."""
    for _ in range(100):
        tmp = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            tmp.mkdir(0o777)
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{parent}: could not find a free temporary name")


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write a text file via a temporary name and a rename (mode from the umask)."""
    path = Path(path)
    tmp = new_temp_file(path.parent, f".{path.name}.", ".partial")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_wav_atomic(path: str | os.PathLike, audio: np.ndarray, sr: int) -> Path:
    """Write ``[channels, samples]`` as 32-bit float WAV via a temporary name and a rename; the file
    gets the mode the umask gives, like any file the user's tools write."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = new_temp_file(path.parent, f".{path.stem}.", ".partial.wav")
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
