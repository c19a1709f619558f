"""Music separator: HTDemucs four stems (vocals, drums, bass, other) through ``demucs-infer`` (MIT; optional).

Install: ``pip install 'smartdj-reaper[demucs]'`` then ``smartdj models pull demucs`` (downloads
the htdemucs weights, 84 MB, from Meta's public Demucs URL into the models folder). Nothing is
fetched at run time: without the weights file the separator is not installed. The model runs at
its own rate (44.1 kHz); the mixture is resampled there and the stem back.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from smartdj.models.separators.base import Progress, SeparatorUnavailable, as_stereo_f32, resample, stem_of

NAME = "demucs"
LICENCE = "MIT (HTDemucs, Meta)"
INSTALL = "pip install 'smartdj-reaper[demucs]' && smartdj models pull demucs"
WEIGHTS_URL = "https://dl.fbaipublicfiles.com/demucs/hybrid_transformer/955717e8-8726e21a.th"
WEIGHTS_FILE = "955717e8-8726e21a.th"
FOLDER = "demucs-htdemucs"


def weights_path(models_dir: Path) -> Path:
    return Path(models_dir) / FOLDER / WEIGHTS_FILE


def package_installed() -> bool:
    return importlib.util.find_spec("demucs_infer") is not None and importlib.util.find_spec("torch") is not None


def installed(models_dir: Path) -> bool:
    return package_installed() and weights_path(models_dir).is_file()


def pull(models_dir: Path) -> Path:
    """Download the htdemucs weights (checked against the hash in their name) into the models folder."""
    if not package_installed():
        raise SeparatorUnavailable("pulling demucs needs its package first: pip install 'smartdj-reaper[demucs]'")
    import torch

    dst = weights_path(models_dir)
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.is_file():
        torch.hub.download_url_to_file(WEIGHTS_URL, str(dst), hash_prefix=WEIGHTS_FILE.split("-")[1][:8])
    return dst


class MusicSeparator:
    name = NAME
    gives_stems = True  # ``stems(mix, sr)`` gives every stem in one pass (the executor uses it once per job)

    def __init__(self, models_dir: Path | None = None, model=None, device: str | None = None) -> None:
        """``model``: an already built Demucs model (tests pass a tiny random one); else the pulled weights."""
        if not package_installed():
            raise SeparatorUnavailable(f"the music separator needs Demucs: {INSTALL}")
        if model is None:
            path = weights_path(models_dir) if models_dir is not None else None
            if path is None or not path.is_file():
                raise SeparatorUnavailable(f"the htdemucs weights are not downloaded: {INSTALL}")
            from demucs_infer.states import load_model

            model = load_model(str(path))
        self.model = model.eval()
        self.device = device or "cpu"
        self._cache: tuple[int, np.ndarray] | None = None

    def stems(self, mix: np.ndarray, sr: int) -> dict[str, np.ndarray]:
        import torch
        from demucs_infer.apply import apply_model

        x = as_stereo_f32(mix)
        rate = int(self.model.samplerate)
        y = resample(x, sr, rate)
        with torch.no_grad():
            out = apply_model(self.model, torch.from_numpy(y)[None], shifts=0, split=True, overlap=0.25,
                              device=self.device)[0].cpu().numpy()
        return {name: resample(out[i], rate, sr, n_out=x.shape[1]) for i, name in enumerate(self.model.sources)}

    def separate(self, mix: np.ndarray, sr: int, target: str, progress: Progress | None = None) -> np.ndarray:
        stem = stem_of(target)
        if stem is None or stem not in self.model.sources:
            raise SeparatorUnavailable(f"demucs separates {', '.join(self.model.sources)}; {target!r} is none of them")
        out = self.stems(mix, sr)[stem]
        if progress is not None:
            progress(1.0)
        return out.astype(np.float32)
