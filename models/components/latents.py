"""Latent codecs: stereo audio ``[B, 2, n]`` <-> latents ``[B, C, T]`` for the diffusion editor.

- ``StereoOobleckCodec``: diffusers ``AutoencoderOobleck`` (mono) run per channel; the left and
  right latents are concatenated on channels (left first), as SmartDJ's release does.
- ``StftCodec``: an exact, weight-free representation (complex STFT, optionally magnitude-
  compressed, real+imag of both channels as channels); inverted exactly with ``torch.istft``.
- ``oobleck_released``: the released stable-audio-tools VAE, built by ``smartdj.models.components.oobleck``.

``build_codec(cfg, folder)`` dispatches on ``cfg["type"]`` and loads ``vae.safetensors`` from a
checkpoint folder when the codec has weights.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

VAE_WEIGHTS = "vae.safetensors"


class LatentCodec(nn.Module):
    """Common interface. ``encode`` pads the audio to a multiple of ``hop``; ``decode`` returns
    ``num_samples(T)`` samples (callers trim to their length)."""

    sample_rate: int
    hop: int
    channels: int
    has_weights: bool = True

    def num_frames(self, n: int) -> int:
        return -(-n // self.hop)

    def num_samples(self, frames: int) -> int:
        return frames * self.hop

    def pad(self, audio: torch.Tensor) -> torch.Tensor:
        n = audio.shape[-1]
        target = self.num_frames(n) * self.hop
        return torch.nn.functional.pad(audio, (0, target - n)) if target != n else audio

    def encode(self, audio: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        raise NotImplementedError

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class StftCodec(LatentCodec):
    """Complex STFT (Hann, ``normalized=True``) of both channels; magnitudes raised to ``compress``
    (1.0 = linear) and multiplied by ``scale``. Channels: [L.re, L.im, R.re, R.im] x (n_fft/2+1) bins.
    Frames: ``n/hop + 1`` for a padded length n (centre framing)."""

    has_weights = False

    def __init__(self, sample_rate: int, n_fft: int = 256, hop: int = 128, compress: float = 1.0,
                 scale: float = 1.0):
        super().__init__()
        self.sample_rate, self.n_fft, self.hop = int(sample_rate), int(n_fft), int(hop)
        self.compress, self.scale = float(compress), float(scale)
        self.bins = self.n_fft // 2 + 1
        self.channels = 4 * self.bins
        self.register_buffer("window", torch.hann_window(self.n_fft), persistent=False)

    def num_frames(self, n: int) -> int:
        return -(-n // self.hop) + 1

    def num_samples(self, frames: int) -> int:
        return (frames - 1) * self.hop

    def pad(self, audio: torch.Tensor) -> torch.Tensor:
        n = audio.shape[-1]
        target = (-(-n // self.hop)) * self.hop
        return torch.nn.functional.pad(audio, (0, target - n)) if target != n else audio

    def encode(self, audio: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        b, c, _ = audio.shape
        x = self.pad(audio.float()).reshape(b * c, -1)
        spec = torch.stft(x, self.n_fft, self.hop, window=self.window.to(x.device), center=True,
                          normalized=True, return_complex=True)  # [B*2, F, T]
        if self.compress != 1.0:
            mag = spec.abs()
            spec = spec * (mag.clamp_min(1e-12) ** (self.compress - 1.0))
        spec = spec * self.scale
        z = torch.cat([spec.real, spec.imag], dim=1)  # [B*2, 2F, T]
        return z.reshape(b, c * 2 * self.bins, -1)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        b, _, t = latent.shape
        z = latent.float().reshape(b * 2, 2, self.bins, t)
        spec = torch.complex(z[:, 0], z[:, 1]) / self.scale
        if self.compress != 1.0:
            mag = spec.abs()
            spec = spec * (mag.clamp_min(1e-12) ** (1.0 / self.compress - 1.0))
        x = torch.istft(spec, self.n_fft, self.hop, window=self.window.to(spec.device), center=True,
                        normalized=True, length=self.num_samples(t))
        return x.reshape(b, 2, -1)


class StereoOobleckCodec(LatentCodec):
    """diffusers ``AutoencoderOobleck`` (one audio channel) applied to left and right separately."""

    def __init__(self, sample_rate: int = 24000, encoder_hidden_size: int = 128, decoder_channels: int = 128,
                 decoder_input_channels: int = 64, audio_channels: int = 1,
                 channel_multiples: tuple[int, ...] = (1, 2, 4, 8, 16),
                 downsampling_ratios: tuple[int, ...] = (2, 2, 2, 6, 10), sample_latents: bool = True):
        super().__init__()
        from diffusers import AutoencoderOobleck

        if decoder_input_channels != encoder_hidden_size // 2:
            raise ValueError("AutoencoderOobleck needs decoder_input_channels == encoder_hidden_size // 2 "
                             f"(got {decoder_input_channels} and {encoder_hidden_size})")
        if audio_channels != 1:
            raise ValueError("StereoOobleckCodec runs a mono VAE per channel: audio_channels must be 1")
        self.vae = AutoencoderOobleck(encoder_hidden_size=encoder_hidden_size, downsampling_ratios=list(downsampling_ratios),
                                      channel_multiples=list(channel_multiples), decoder_channels=decoder_channels,
                                      decoder_input_channels=decoder_input_channels, audio_channels=1,
                                      sampling_rate=sample_rate)
        self.sample_rate = int(sample_rate)
        self.hop = 1
        for r in downsampling_ratios:
            self.hop *= int(r)
        self.mono_channels = int(decoder_input_channels)
        self.channels = 2 * self.mono_channels
        self.sample_latents = bool(sample_latents)

    def posterior(self, audio: torch.Tensor):
        """The VAE posterior of ``[B, 2, n]`` as a batch of ``2B`` mono items (for VAE training)."""
        b, c, _ = audio.shape
        x = self.pad(audio).reshape(b * c, 1, -1).to(self.vae.dtype)
        return self.vae.encode(x).latent_dist

    def encode(self, audio: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        b = audio.shape[0]
        dist = self.posterior(audio)
        z = dist.sample(generator) if self.sample_latents else dist.mean
        return z.float().reshape(b, self.channels, -1)

    def decode_mono(self, z: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(z.to(self.vae.dtype)).sample.float()

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        b, _, t = latent.shape
        x = self.decode_mono(latent.reshape(b * 2, self.mono_channels, t))
        return x.reshape(b, 2, -1)


class ReleasedOobleckCodec(LatentCodec):
    """Adapter for ``smartdj.models.components.oobleck.StereoOobleck`` (the released VAE's layout)."""

    def __init__(self, cfg: dict):
        super().__init__()
        from smartdj.models.components.oobleck import StereoOobleck

        self.model = StereoOobleck.from_config(cfg)
        self.sample_rate = int(getattr(self.model, "sample_rate", cfg.get("sample_rate", 24000)))
        self.hop = int(getattr(self.model, "hop", cfg.get("hop", 480)))
        self.channels = int(getattr(self.model, "channels", cfg.get("channels", 128)))

    def encode(self, audio: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.model.encode(self.pad(audio), generator=generator).float()

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        return self.model.decode(latent).float()

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):  # released key layout
        return self.model.load_state_dict(state_dict, strict=strict, assign=assign)

    def state_dict(self, *args, **kwargs):
        return self.model.state_dict(*args, **kwargs)


def build_codec(cfg: dict, folder: str | os.PathLike | None = None) -> LatentCodec:
    """A codec from its config; weights from ``folder/vae.safetensors`` (or ``cfg["weights_from"]``,
    a VAE checkpoint folder) when present."""
    kind = cfg.get("type")
    args = {k: v for k, v in cfg.items() if k not in ("type", "weights_from")}
    if kind == "stft":
        return StftCodec(**args)
    if kind == "oobleck":
        codec: LatentCodec = StereoOobleckCodec(**args)
    elif kind == "oobleck_released":
        codec = ReleasedOobleckCodec(cfg)
    else:
        raise ValueError(f"unknown latent codec type {kind!r} (stft, oobleck, oobleck_released)")
    from safetensors.torch import load_file

    path = Path(folder) / VAE_WEIGHTS if folder is not None else None
    if path is not None and path.is_file():
        codec.load_state_dict(load_file(str(path), device="cpu"))
    elif cfg.get("weights_from"):
        from smartdj.models.checkpoint import load_checkpoint

        _, sd = load_checkpoint(cfg["weights_from"], kind="vae")
        codec.load_state_dict(sd)
    return codec.eval().requires_grad_(False)
