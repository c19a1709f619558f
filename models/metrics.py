"""Edit-quality metrics on ``[channels, samples]`` float arrays (numpy only).

- ``lsd``: log-spectral distance in dB (per frame RMS over frequency of the difference of
  10*log10 power spectra, averaged over frames and channels); lower is better.
- ``si_sdr``: scale-invariant signal-to-distortion ratio in dB of an estimate against a
  reference (per channel, averaged); higher is better.
"""

from __future__ import annotations

import numpy as np


def _power_spec(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    if x.shape[-1] < n_fft:
        x = np.pad(x, ((0, 0), (0, n_fft - x.shape[-1])))
    win = np.hanning(n_fft + 1)[:-1]
    n_frames = 1 + (x.shape[-1] - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    frames = x[:, idx] * win  # [C, frames, n_fft]
    return np.abs(np.fft.rfft(frames, axis=-1)) ** 2


def lsd(estimate: np.ndarray, reference: np.ndarray, n_fft: int = 1024, hop: int = 256, eps: float = 1e-10) -> float:
    n = min(np.shape(estimate)[-1], np.shape(reference)[-1])
    pe = _power_spec(np.atleast_2d(estimate)[..., :n], n_fft, hop)
    pr = _power_spec(np.atleast_2d(reference)[..., :n], n_fft, hop)
    d = 10 * np.log10(pe + eps) - 10 * np.log10(pr + eps)
    return float(np.mean(np.sqrt(np.mean(d ** 2, axis=-1))))


def si_sdr(estimate: np.ndarray, reference: np.ndarray, eps: float = 1e-10) -> float:
    n = min(np.shape(estimate)[-1], np.shape(reference)[-1])
    e = np.atleast_2d(np.asarray(estimate, dtype=np.float64))[..., :n]
    r = np.atleast_2d(np.asarray(reference, dtype=np.float64))[..., :n]
    e = e - e.mean(axis=-1, keepdims=True)
    r = r - r.mean(axis=-1, keepdims=True)
    alpha = np.sum(e * r, axis=-1, keepdims=True) / (np.sum(r * r, axis=-1, keepdims=True) + eps)
    target = alpha * r
    noise = e - target
    ratio = (np.sum(target ** 2, axis=-1) + eps) / (np.sum(noise ** 2, axis=-1) + eps)
    return float(np.mean(10 * np.log10(ratio)))
