"""``EditPipeline``: one atomic edit of a stereo mixture by the diffusion editor.

``pipe.edit(audio[2, n] float32, sr, text, seed=..., steps=..., guidance=..., progress=f(fraction),
cancel=f() -> bool)`` returns an ``EditResult`` whose ``.audio`` is ``[2, n]`` and ``.seed`` the
seed used (drawn and recorded when not given). Audio comes at the model's rate (``sr`` must be
``pipe.sample_rate``: the engine's adapter, engine/execution/diffusion.py, resamples there and
back). Conventions (the release's): mono input is duplicated to stereo; when its peak exceeds 1
it is scaled down to peak 1 and the output scaled back up by the same factor.
Long audio is edited in overlapping model windows cross-faded with raised-cosine (sin^2/cos^2)
weights normalised to sum to one. Device: CUDA, then Apple MPS, then CPU (logged, in the result).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from smartdj.models.components.editor import build_backbone, count_parameters
from smartdj.models.components.latents import VAE_WEIGHTS, LatentCodec, build_codec
from smartdj.models.components.text_encoder import TEXT_WEIGHTS, build_text_encoder
from smartdj.models.diffusion.ddim import EditCancelled, sample

log = logging.getLogger(__name__)
KIND = "editor"
__all__ = ["EditPipeline", "EditResult", "EditCancelled", "EditorError", "select_device", "window_plan",
           "crossfade_weights"]


class EditorError(RuntimeError):
    """An edit that cannot run, with what to do about it."""


@dataclass
class EditResult:
    audio: np.ndarray  # [2, n] float32 at ``sample_rate`` (the model's rate)
    sample_rate: int
    seed: int
    device: str
    steps: int
    guidance: float
    rescale: float
    eta: float
    windows: int
    seconds: float
    info: dict = field(default_factory=dict)


def select_device(preference: str | None = None) -> tuple[torch.device, str]:
    """``(device, message)``: the preference when given ("cpu", "cuda", "cuda:1", "mps"), else CUDA,
    then Apple MPS, then CPU."""
    if preference and preference != "auto":
        dev = torch.device(preference)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise EditorError("--device cuda was asked for but no CUDA GPU is available; use --device cpu")
        if dev.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise EditorError("--device mps was asked for but Apple MPS is not available; use --device cpu")
        return dev, f"editor on {dev} (asked for)"
    if torch.cuda.is_available():
        return torch.device("cuda"), f"editor on CUDA GPU {torch.cuda.get_device_name(0)}"
    if hasattr(torch.backends, "mps") and torch.backends.mps.is_available():
        return torch.device("mps"), "editor on Apple MPS GPU"
    return torch.device("cpu"), "editor on CPU (no CUDA or MPS GPU found; edits will be slow at full size)"


def window_plan(n: int, window: int, overlap: int) -> list[int]:
    """Start offsets of windows of ``window`` samples covering ``n`` with at least ``overlap``;
    the last window is aligned to the end."""
    if n <= window:
        return [0]
    stride = window - overlap
    starts = list(range(0, n - window, stride))
    starts.append(n - window)
    return starts


def crossfade_weights(starts: list[int], window: int, n: int, overlap: int) -> list[np.ndarray]:
    """Per-window weights (raised-cosine fades where windows overlap) that sum to one at every sample."""
    if len(starts) == 1:
        return [np.ones(min(window, n), np.float64)]
    ws = []
    for i, s in enumerate(starts):
        w = np.ones(window, np.float64)
        if i > 0:  # fade in over the overlap with the previous window
            ov = starts[i - 1] + window - s
            w[:ov] = np.sin(0.5 * np.pi * (np.arange(ov) + 0.5) / ov) ** 2
        if i < len(starts) - 1:
            ov = s + window - starts[i + 1]
            w[window - ov:] = np.cos(0.5 * np.pi * (np.arange(ov) + 0.5) / ov) ** 2
        ws.append(w)
    total = np.zeros(n)
    for s, w in zip(starts, ws, strict=True):
        total[s:s + window] += w
    return [w / total[s:s + window] for s, w in zip(starts, ws, strict=True)]


class EditPipeline:
    def __init__(self, config: dict, backbone: torch.nn.Module, text_encoder, codec: LatentCodec,
                 device: str | torch.device | None = None, dtype: torch.dtype | str | None = None,
                 meta: dict | None = None):
        self.config, self.meta = config, dict(meta or {})
        self.device, self.device_message = select_device(str(device) if device is not None else None)
        log.info(self.device_message)
        if isinstance(dtype, str):
            dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[dtype]
        self.dtype = dtype or torch.float32
        self.backbone = backbone.eval().requires_grad_(False).to(self.device, self.dtype)
        self.text_encoder = text_encoder.to(self.device, self.dtype)
        self.codec = codec.to(self.device)  # the codec stays float32
        self.sample_rate = int(config["sample_rate"])
        if self.codec.sample_rate != self.sample_rate:
            raise EditorError(f"config sample_rate {self.sample_rate} differs from the codec's {self.codec.sample_rate}")

    # ---- construction ---------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: dict, device=None, dtype=None, seed: int = 0, random_text_ok: bool = True,
                    folder: str | os.PathLike | None = None) -> EditPipeline:
        """Random-weight backbone (seeded) with the config's codec and text encoder."""
        torch.manual_seed(seed)
        backbone = build_backbone(config["backbone"])
        text = build_text_encoder(config["text"], folder, random_ok=random_text_ok)
        codec = build_codec(config["latent"], folder)
        return cls(config, backbone, text, codec, device, dtype)

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, device=None, dtype=None) -> EditPipeline:
        from smartdj.models.checkpoint import load_checkpoint

        doc, sd = load_checkpoint(path, kind=KIND)
        cfg = doc["config"]
        backbone = build_backbone(cfg["backbone"])
        missing, unexpected = backbone.load_state_dict(sd, strict=False)
        if missing:
            raise EditorError(f"{path}: the weights lack {len(missing)} backbone tensors (e.g. {missing[0]})")
        if unexpected:
            log.warning("%s: %d unexpected tensors ignored (e.g. %s)", path, len(unexpected), unexpected[0])
        text = build_text_encoder(cfg["text"], path, random_ok=False)
        codec = build_codec(cfg["latent"], path)
        return cls(cfg, backbone, text, codec, device, dtype, meta=doc.get("meta"))

    def save(self, path: str | os.PathLike, meta: dict | None = None) -> Path:
        return save_editor(path, self.config, self.backbone, self.text_encoder, self.codec, {**self.meta, **(meta or {})})

    def parameter_counts(self) -> dict[str, int]:
        return {"backbone": count_parameters(self.backbone), "text_encoder": count_parameters(self.text_encoder),
                "vae": count_parameters(self.codec)}

    # ---- editing --------------------------------------------------------------------------
    def encode_text(self, text: str):
        te = self.text_encoder
        ctx, mask = te([text, te.uncond_text])
        return (ctx[:1], mask[:1]), (ctx[1:], mask[1:])

    def edit(self, audio: np.ndarray, sr: int, text: str, *, seed: int | None = None, steps: int | None = None,
             guidance: float | None = None, rescale: float | None = None, eta: float | None = None,
             progress: Callable[[float], None] | None = None, cancel: Callable[[], bool] | None = None) -> EditResult:
        """Edit ``audio`` ([2, n] or [n] / [1, n]) at ``sr`` (the model's rate) by ``text``; raises
        ``EditCancelled`` or ``EditorError``."""
        try:
            return self._edit(audio, sr, text, seed, steps, guidance, rescale, eta, progress, cancel)
        except torch.OutOfMemoryError:
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            raise EditorError(f"GPU out of memory on {self.device} editing {np.asarray(audio).shape[-1] / sr:.1f} s: "
                              "use a shorter item, fewer windows in parallel, or --device cpu") from None

    def edit_array(self, audio: np.ndarray, sr: int, text: str, **kwargs) -> np.ndarray:
        return self.edit(audio, sr, text, **kwargs).audio

    def _edit(self, audio, sr, text, seed, steps, guidance, rescale, eta, progress, cancel) -> EditResult:
        t0 = time.perf_counter()
        d = self.config.get("defaults", {})
        steps = int(steps if steps is not None else d.get("steps", 50))
        guidance = float(guidance if guidance is not None else d.get("guidance", 4.0))
        rescale = float(rescale if rescale is not None else d.get("rescale", 0.8))
        eta = float(eta if eta is not None else d.get("eta", 0.0))
        seed = int(seed) if seed is not None else secrets.randbits(31)
        x = np.asarray(audio, dtype=np.float32)
        if x.ndim == 1:
            x = x[None]
        if x.shape[0] == 1:
            x = np.repeat(x, 2, axis=0)
        if x.shape[0] != 2:
            raise EditorError(f"the editor takes stereo audio; got {x.shape[0]} channels")
        if int(sr) != self.sample_rate:
            raise EditorError(f"audio at {sr} Hz; this editor runs at {self.sample_rate} Hz: resample it first "
                              "(smartdj.engine.execution.diffusion.edit does)")
        if x.shape[-1] == 0:
            raise EditorError("empty audio")
        xm = x
        peak = float(np.max(np.abs(xm)))
        gain = peak if peak > 1.0 else 1.0
        xm = xm / gain
        n = xm.shape[-1]
        window = max(self.codec.hop, int(round(self.config.get("window_seconds", 10.0) * self.sample_rate)))
        window -= window % self.codec.hop
        overlap = int(round(self.config.get("overlap_seconds", 1.0) * self.sample_rate))
        n_windows = len(window_plan(n, window, overlap))
        total = n_windows * steps
        gen = torch.Generator("cpu").manual_seed(seed)
        cond, uncond = self.encode_text(text)

        def edit_window(k: int, seg: np.ndarray) -> np.ndarray:
            def on_step(i: int) -> None:
                if progress is not None:
                    progress((k * steps + i) / total)

            return self._edit_window(seg, cond, uncond, steps, guidance, rescale, eta, gen, on_step, cancel)

        out = stitch_windows(xm, window, overlap, edit_window)
        y = (out * gain).astype(np.float32)
        return EditResult(y, self.sample_rate, seed, str(self.device), steps, guidance, rescale, eta, n_windows,
                          time.perf_counter() - t0, {"device_message": self.device_message, "peak_gain": gain})

    @torch.no_grad()
    def _edit_window(self, seg: np.ndarray, cond, uncond, steps, guidance, rescale, eta, gen, on_step, cancel):
        n = seg.shape[-1]
        a = torch.from_numpy(np.ascontiguousarray(seg)).to(self.device)[None]
        src = self.codec.encode(a, generator=gen)
        lat = sample(self.backbone, self.config.get("scheduler"), src, cond, uncond, steps=steps, guidance=guidance,
                     rescale=rescale, eta=eta, generator=gen, on_step=on_step, cancel=cancel)
        y = self.codec.decode(lat)[0].float().cpu().numpy()
        return _fit(y, n)


def save_editor(out: str | os.PathLike, config: dict, backbone: torch.nn.Module, text_encoder, codec: LatentCodec,
                meta: dict | None = None) -> Path:
    """Write an editor checkpoint: backbone -> model.safetensors, a non-pretrained text encoder ->
    text.safetensors, codec weights -> vae.safetensors, and the config with ``meta``."""
    from smartdj.models.checkpoint import save_checkpoint

    extra = {}
    if text_encoder.needs_saving:  # clone: T5 ties encoder.embed_tokens to shared
        extra[TEXT_WEIGHTS] = {k: v.detach().clone() for k, v in text_encoder.model.state_dict().items()}
    if codec.has_weights:
        extra[VAE_WEIGHTS] = {k: v.detach().clone() for k, v in codec.state_dict().items()}
    cfg = dict(config)
    cfg["latent"] = {k: v for k, v in cfg["latent"].items() if k != "weights_from"}
    return save_checkpoint(out, KIND, cfg, backbone.state_dict(), meta or {}, extra)


def stitch_windows(x: np.ndarray, window: int, overlap: int,
                   fn: Callable[[int, np.ndarray], np.ndarray]) -> np.ndarray:
    """Apply ``fn(index, x[:, start:start + window])`` to overlapping windows and cross-fade the results."""
    n = x.shape[-1]
    starts = window_plan(n, window, overlap)
    weights = crossfade_weights(starts, window, n, overlap)
    out = np.zeros(x.shape, dtype=np.float64)
    for k, s in enumerate(starts):
        seg = x[:, s:s + window]
        out[:, s:s + seg.shape[-1]] += fn(k, seg) * weights[k][: seg.shape[-1]]
    return out


def _fit(y: np.ndarray, n: int) -> np.ndarray:
    if y.shape[-1] >= n:
        return np.ascontiguousarray(y[:, :n])
    return np.pad(y, ((0, 0), (0, n - y.shape[-1])))
