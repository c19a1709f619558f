"""The signal processing behind the composer's ops: SmartDJ panning, room reverb, timbre filters.

Timbre covers SmartDJ's five qualities and the device sounds users ask for (telephone, radio,
walkie-talkie, underwater, megaphone, small speaker).

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


def _peaking(freq: float, gain_db: float, q: float, sr: int) -> np.ndarray:
    """RBJ audio-EQ-cookbook peaking biquad (a resonance) as one second-order section."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * _cut(freq, sr) / sr
    alpha = np.sin(w0) / (2 * q)
    b = [1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a]
    den = [1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a]
    return np.concatenate([np.asarray(b) / den[0], np.asarray(den) / den[0]])[None, :]


def _band(lo: float, hi: float, order: int, sr: int) -> np.ndarray:
    """Butterworth band-pass ``lo``-``hi`` Hz (``hi`` kept below Nyquist, ``lo`` below ``hi``)."""
    hi = _cut(hi, sr)
    return signal.butter(order, [min(lo, hi / 2), hi], "bandpass", fs=sr, output="sos")


# Devices: soft-clipping drive (0 = none), then band limits and resonances (freq, dB, Q).
# telephone: the 300-3400 Hz telephone band; radio and walkie-talkie: narrower and driven harder;
# megaphone: a horn's resonances and a hard-driven driver; small speaker: no bass, a boxy mid.
DEVICE_DRIVE = {"telephone": 1.0, "radio": 2.5, "walkie-talkie": 5.0, "megaphone": 4.0}
UNDERWATER_DELAY_S, UNDERWATER_RATE_HZ = 0.001, 0.7  # slow pitch wobble (a modulated delay)


@functools.lru_cache(maxsize=64)
def timbre_sos(quality: str, sr: int) -> np.ndarray:
    """Second-order sections for a timbre quality at ``sr`` (the linear part of its chain)."""
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
    if quality == "telephone":
        return _band(300.0, 3400.0, 6, sr)
    if quality == "radio":
        return np.vstack([_band(400.0, 2800.0, 4, sr), _peaking(1500.0, 3.0, 1.0, sr)])
    if quality == "walkie-talkie":
        return np.vstack([_band(500.0, 2500.0, 4, sr), _peaking(1500.0, 6.0, 1.5, sr)])
    if quality == "megaphone":
        return np.vstack([_band(450.0, 4000.0, 4, sr), _peaking(1100.0, 8.0, 3.0, sr),
                          _peaking(2600.0, 5.0, 4.0, sr)])
    if quality == "underwater":
        return np.vstack([signal.butter(6, _cut(450.0, sr), "lowpass", fs=sr, output="sos"),
                          _peaking(150.0, 3.0, 0.8, sr)])
    if quality == "small speaker":
        return np.vstack([signal.butter(4, _cut(200.0, sr), "highpass", fs=sr, output="sos"),
                          _peaking(2000.0, 6.0, 1.5, sr),
                          signal.butter(2, _cut(8000.0, sr), "lowpass", fs=sr, output="sos")])
    raise ValueError(f"unknown timbre quality {quality!r}; use one of: {', '.join(QUALITIES)}")


def soft_clip(audio: np.ndarray, drive: float) -> np.ndarray:
    """tanh saturation relative to the signal's own peak, so the colour does not depend on its level:
    the peak stays where it was, everything below it is pushed up towards it (harmonics)."""
    x = np.asarray(audio, dtype=np.float64)
    m = float(np.max(np.abs(x))) if x.size else 0.0
    if m <= 0.0 or drive <= 0.0:
        return x
    return np.tanh(drive * x / m) / np.tanh(drive) * m


def wobble(audio: np.ndarray, sr: int, depth_s: float = UNDERWATER_DELAY_S,
           rate_hz: float = UNDERWATER_RATE_HZ) -> np.ndarray:
    """A slowly modulated delay (0 at the start, at most ``2 * depth_s``): a gentle pitch wobble."""
    x = np.asarray(audio, dtype=np.float64)
    t = np.arange(x.shape[-1])
    delay = depth_s * sr * (1.0 - np.cos(2 * np.pi * rate_hz * t / sr))
    return np.stack([np.interp(t - delay, t, ch, left=0.0) for ch in x.reshape(-1, x.shape[-1])]).reshape(x.shape)


def timbre(audio: np.ndarray, quality: str, sr: int) -> np.ndarray:
    """bright = high shelf up, dark = low-pass, warm = low shelf up + high cut, cold = low cut,
    muffled = strong low-pass; telephone, radio, walkie-talkie, megaphone = saturation, then the
    device's band-pass and resonances; underwater = strong low-pass + a slow pitch wobble; small
    speaker = bass cut + mid resonance. Causal (onsets stay where they are); same length out."""
    sos = timbre_sos(quality, int(sr))
    x = soft_clip(audio, DEVICE_DRIVE.get(quality, 0.0))
    y = signal.sosfilt(sos, x, axis=-1)
    if quality == "underwater":
        y = wobble(y, int(sr))
    return y.astype(np.float32)


def spectral_centroid(audio: np.ndarray, sr: int) -> float:
    """Power-weighted mean frequency of a (channel-averaged) signal, in Hz."""
    x = np.asarray(audio, dtype=np.float64).reshape(-1, np.shape(audio)[-1]).mean(axis=0)
    p = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(x.size, 1.0 / sr)
    return float(np.sum(f * p) / max(np.sum(p), 1e-30))
