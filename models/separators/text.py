"""Text-prompted separators: SAM-Audio (Meta, gated weights) and SmartDJ's released editor's ``extract``.

SAM-Audio (arXiv 2512.18099) is optional and never fetched by SmartDJ: the user installs the
package, accepts Meta's SAM licence on Hugging Face, logs in and downloads the weights once
(:data:`SAM_INSTALL`); after that it runs offline from the Hugging Face cache. The released
editor fallback asks the diffusion editor to "extract the sound of {target}" from the mix;
its output is the target estimate (approximate, GPU recommended).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
from smartdj.models.separators.base import Progress, SeparatorUnavailable, as_stereo_f32, resample

SAM_NAME = "sam-audio"
SAM_LICENCE = "SAM Licence (Meta; gated on Hugging Face)"
SAM_REPO = "facebook/sam-audio-base"
SAM_INSTALL = (  # not `pip install sam-audio`: that PyPI name is an empty placeholder package
    "pip install git+https://github.com/facebookresearch/sam-audio ; accept the SAM licence at "
    f"https://huggingface.co/{SAM_REPO} ; `huggingface-cli login` ; then `smartdj models pull sam-audio`")
EXTRACT_NAME = "smartdj-extract"
EXTRACT_INSTALL = ("the released SmartDJ diffusion editor (approximate; GPU advised): "
                   "pip install 'smartdj-reaper[models]' && smartdj models pull smartdj --trust-pickle")


def sam_package_installed() -> bool:
    return importlib.util.find_spec("sam_audio") is not None


def sam_weights_cached(repo: str = SAM_REPO) -> bool:
    if importlib.util.find_spec("huggingface_hub") is None:
        return False
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(repo, "config.json"), str)


def sam_installed(repo: str = SAM_REPO) -> bool:
    return sam_package_installed() and sam_weights_cached(repo)


def sam_prompt(target: str) -> str:
    """SAM-Audio wants short lowercase noun/verb phrases ("dog barking")."""
    t = re.sub(r"^(the|a|an|some)\s+", "", " ".join(target.casefold().split()))
    return re.sub(r"^sound of\s+(the\s+)?", "", t)


class SamAudioSeparator:
    name = SAM_NAME

    def __init__(self, repo: str = SAM_REPO, device: str | None = None) -> None:
        if not sam_package_installed():
            raise SeparatorUnavailable(f"SAM-Audio is not installed: {SAM_INSTALL}")
        if not sam_weights_cached(repo):
            raise SeparatorUnavailable(f"SAM-Audio's weights ({repo}) are not downloaded (they are gated): "
                                       f"{SAM_INSTALL}")
        from sam_audio import SAMAudio, SAMAudioProcessor

        self.model = SAMAudio.from_pretrained(repo).eval()
        self.processor = SAMAudioProcessor.from_pretrained(repo)
        self.device = device or "cpu"
        self.model.to(self.device)

    def separate(self, mix: np.ndarray, sr: int, target: str, progress: Progress | None = None) -> np.ndarray:
        import torch

        x = as_stereo_f32(mix)
        rate = int(getattr(self.processor, "audio_sampling_rate", 48000))
        out = []
        for ch in x:  # SAM-Audio is mono: one pass per channel keeps the stereo image
            batch = self.processor(audios=[torch.from_numpy(resample(ch[None], sr, rate))],
                                   descriptions=[sam_prompt(target)]).to(self.device)
            with torch.inference_mode():
                result = self.model.separate(batch)
            out.append(np.asarray(result.target[0].float().cpu().numpy(), np.float32).reshape(1, -1))
        if progress is not None:
            progress(1.0)
        return np.concatenate([resample(o, rate, sr, n_out=x.shape[1]) for o in out])


class ReleasedExtractSeparator:
    """The diffusion editor's extract as a separator (the released SmartDJ checkpoint, or any editor)."""

    name = EXTRACT_NAME

    def __init__(self, checkpoint: Path, device: str | None = None, seed: int | None = None) -> None:
        from smartdj.models.pipelines.edit import EditPipeline

        self.pipe = EditPipeline.from_checkpoint(str(checkpoint), device=device)
        self.seed = seed

    def separate(self, mix: np.ndarray, sr: int, target: str, progress: Progress | None = None) -> np.ndarray:
        x = as_stereo_f32(mix)
        rate = int(self.pipe.sample_rate)  # the editor runs at its own rate: there and back
        out = self.pipe.edit(resample(x, sr, rate), rate, f"extract the sound of {target}", seed=self.seed,
                             progress=progress)
        y = np.asarray(getattr(out, "audio", out), dtype=np.float32)
        return resample(y, rate, sr, n_out=x.shape[1])
