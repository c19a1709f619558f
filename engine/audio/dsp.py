"""The signal processing behind the composer's ops: SmartDJ panning, room reverb, timbre filters.

All functions take and return float32 ``[channels, samples]`` arrays and are deterministic:
the same input and parameters give the same samples, so synthesized data re-renders exactly.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import signal
from smartdj.bridge.language import PANNING, QUALITIES

# SmartDJ's add path scales a clip so its peak is 0.3 * 10^((dB - 3) / 20): a peak of ADD_PEAK
# before the step's dB gain.
ADD_PEAK = 0.3 * 10 ** (-3 / 20)


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def pan_delay_samples(location: str, sr: int) -> int:
    """The far ear's delay in samples at ``sr`` (14 at 24 kHz for left/right, 9 for the fronts)."""
    return int(round(PANNING[location][1] * sr))


def pan(mono: np.ndarray, location: str, sr: int) -> np.ndarray:
    """SmartDJ's delay-and-gain panner: ``[1, n]`` -> ``[2, n + delay]``; front = identical channels."""
    if location not in PANNING:
        raise ValueError(f"unknown location {location!r}; use one of: {', '.join(PANNING)}")
    x = np.asarray(mono, dtype=np.float32).reshape(-1)
    far, _, gain = PANNING[location]
    d = pan_delay_samples(location, sr) if far else 0
    out = np.zeros((2, x.size + d), dtype=np.float32)
    if far is None:
        out[0, : x.size] = x
        out[1, : x.size] = x
        return out
    near_ch, far_ch = (0, 1) if far == "right" else (1, 0)
    out[near_ch, : x.size] = x
    out[far_ch, d:] = x * np.float32(gain)
    return out


def normalize_peak(audio: np.ndarray, peak: float) -> np.ndarray:
    """Scale so the absolute peak is ``peak`` (silence stays silence)."""
    m = float(np.max(np.abs(audio))) if audio.size else 0.0
    if m <= 0.0:
        return audio.astype(np.float32, copy=True)
    return (audio * np.float32(peak / m)).astype(np.float32)


# --- reverb ---------------------------------------------------------------------------------

def reverb_params(level: float) -> tuple[float, float]:
    """Reverb level (0, 10] -> (RT60 seconds, wet fraction). Level 1 is a small room, 10 a hall."""
    level = float(np.clip(level, 0.0, 10.0))
    return 0.25 + 0.125 * level, min(0.9, 0.08 * level)


@functools.lru_cache(maxsize=64)
def room_ir(level: float, sr: int) -> np.ndarray:
    """A shoebox room impulse response (pyroomacoustics image source method, deterministic),
    scaled to unit energy, for a reverb level."""
    import pyroomacoustics as pra

    rt60, _ = reverb_params(level)
    room_dim = [9.0, 7.0, 3.5]
    absorption, max_order = pra.inverse_sabine(rt60, room_dim)
    room = pra.ShoeBox(room_dim, fs=int(sr), materials=pra.Material(absorption),
                       max_order=int(min(max_order, 60)), air_absorption=False)
    room.add_source([2.5, 3.1, 1.6])
    room.add_microphone([6.2, 4.0, 1.4])
    room.compute_rir()
    rir = np.asarray(room.rir[0][0], dtype=np.float64)
    first = int(np.argmax(np.abs(rir) > 1e-3 * np.max(np.abs(rir))))
    rir = rir[first:]  # start at the direct path: reverb adds a tail, not a delay
    rir /= np.sqrt(np.sum(rir**2))
    rir.setflags(write=False)
    return rir.astype(np.float32)


def reverb(audio: np.ndarray, level: float, sr: int) -> np.ndarray:
    """Mix each channel with its convolution by a room IR; the output grows by the IR's tail."""
    _, wet = reverb_params(level)
    ir = room_ir(round(float(level), 3), int(sr))
    x = np.asarray(audio, dtype=np.float32)
    tail = signal.oaconvolve(x, ir[None, :], axes=1).astype(np.float32)
    out = tail * np.float32(wet)
    out[:, : x.shape[1]] += x * np.float32(1.0 - wet)
    return out


# --- timbre ---------------------------------------------------------------------------------

def _shelf(kind: str, freq: float, gain_db: float, sr: int) -> np.ndarray:
    """RBJ audio-EQ-cookbook shelving biquad (S = 1) as second-order sections."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * freq / sr
    cos, alpha = np.cos(w0), np.sin(w0) / 2 * np.sqrt(2)
    sq = 2 * np.sqrt(a) * alpha
    if kind == "high":
        b = [a * ((a + 1) + (a - 1) * cos + sq), -2 * a * ((a - 1) + (a + 1) * cos), a * ((a + 1) + (a - 1) * cos - sq)]
        den = [(a + 1) - (a - 1) * cos + sq, 2 * ((a - 1) - (a + 1) * cos), (a + 1) - (a - 1) * cos - sq]
    else:
        b = [a * ((a + 1) - (a - 1) * cos + sq), 2 * a * ((a - 1) - (a + 1) * cos), a * ((a + 1) - (a - 1) * cos - sq)]
        den = [(a + 1) + (a - 1) * cos + sq, -2 * ((a - 1) + (a + 1) * cos), (a + 1) + (a - 1) * cos - sq]
    return np.concatenate([np.asarray(b) / den[0], np.asarray(den) / den[0]])[None, :]


def _cut(freq: float, sr: int) -> float:
    return min(freq, 0.45 * sr)  # stay below Nyquist at low sample rates


@functools.lru_cache(maxsize=64)
def timbre_sos(quality: str, sr: int) -> np.ndarray:
    """Second-order sections for a timbre quality at ``sr``."""
    if quality == "bright":
        return _shelf("high", _cut(3000.0, sr), 8.0, sr)
    if quality == "dark":
        return signal.butter(4, _cut(2000.0, sr), "lowpass", fs=sr, output="sos")
    if quality == "warm":
        return np.vstack([_shelf("low", _cut(250.0, sr), 6.0, sr),
                          signal.butter(2, _cut(5000.0, sr), "lowpass", fs=sr, output="sos")])
    if quality == "cold":
        return signal.butter(4, _cut(400.0, sr), "highpass", fs=sr, output="sos")
    if quality == "muffled":
        return signal.butter(8, _cut(500.0, sr), "lowpass", fs=sr, output="sos")
    raise ValueError(f"unknown timbre quality {quality!r}; use one of: {', '.join(QUALITIES)}")


def timbre(audio: np.ndarray, quality: str, sr: int) -> np.ndarray:
    """bright = high shelf up, dark = low-pass, warm = low shelf up + high cut, cold = low cut,
    muffled = strong low-pass. Causal filtering (onsets stay where they are)."""
    sos = timbre_sos(quality, int(sr))
    return signal.sosfilt(sos, np.asarray(audio, dtype=np.float64), axis=-1).astype(np.float32)


def spectral_centroid(audio: np.ndarray, sr: int) -> float:
    """Power-weighted mean frequency of a (channel-averaged) signal, in Hz."""
    x = np.asarray(audio, dtype=np.float64).reshape(-1, np.shape(audio)[-1]).mean(axis=0)
    p = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(x.size, 1.0 / sr)
    return float(np.sum(f * p) / max(np.sum(p), 1e-30))
