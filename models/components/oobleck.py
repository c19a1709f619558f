"""The released mono Oobleck VAE (stable-audio-tools ``24k_mono_latent64``) and its stereo wrapper.

diffusers' ``AutoencoderOobleck`` cannot hold this model: it uses one ``encoder_hidden_size`` for
both the encoder's base width and its output width, while this VAE has 64 base channels and a
128-channel encoder output (mean and scale of a 64-d latent); its key names also differ.

State-dict layout (ours == the release's minus the Lightning ``autoencoder.`` prefix):
``encoder.layers.*`` / ``decoder.layers.*``, weight-normalised convolutions as ``bias``,
``weight_g``, ``weight_v`` and SnakeBeta activations as log-scale ``alpha`` / ``beta``.
``vae.safetensors`` of an imported checkpoint holds exactly this, for both classes.

Entry point for the diffusion pipeline: ``StereoOobleck.from_config(cfg)`` where ``cfg`` is the
checkpoint's ``{"type": "oobleck_released", ...}`` latent config (a stable-audio-tools model
config), then ``load_state_dict(load_file("vae.safetensors"))``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class WNConv1d(nn.Module):
    """Weight-normalised (transposed) 1-D convolution: ``weight = g * v / ||v||`` per dim-0 slice."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 dilation: int = 1, bias: bool = True, transposed: bool = False) -> None:
        super().__init__()
        self.stride, self.padding, self.dilation, self.transposed = stride, padding, dilation, transposed
        shape = (in_ch, out_ch, kernel_size) if transposed else (out_ch, in_ch, kernel_size)
        self.bias = nn.Parameter(torch.zeros(out_ch)) if bias else None
        v = torch.empty(shape)
        nn.init.kaiming_uniform_(v, a=math.sqrt(5))
        self.weight_g = nn.Parameter(v.flatten(1).norm(dim=1).view(-1, 1, 1))
        self.weight_v = nn.Parameter(v)

    def weight(self) -> torch.Tensor:
        v = self.weight_v
        return v * (self.weight_g / v.flatten(1).norm(dim=1).view(-1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.transposed:
            return F.conv_transpose1d(x, self.weight(), self.bias, self.stride, self.padding,
                                      dilation=self.dilation)
        return F.conv1d(x, self.weight(), self.bias, self.stride, self.padding, self.dilation)


class SnakeBeta(nn.Module):
    """``x + 1/(beta + 1e-9) * sin(alpha * x)^2`` with log-scale, per-channel alpha and beta."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        alpha = self.alpha.exp()[None, :, None]
        beta = self.beta.exp()[None, :, None]
        return x + (1.0 / (beta + 1e-9)) * torch.sin(x * alpha).pow(2)


def _act(use_snake: bool, channels: int) -> nn.Module:
    return SnakeBeta(channels) if use_snake else nn.ELU()


class ResidualUnit(nn.Module):
    def __init__(self, channels: int, dilation: int, use_snake: bool) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            _act(use_snake, channels),
            WNConv1d(channels, channels, 7, dilation=dilation, padding=dilation * 3),
            _act(use_snake, channels),
            WNConv1d(channels, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.layers(x)


class EncoderBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int, use_snake: bool) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            *(ResidualUnit(in_ch, d, use_snake) for d in (1, 3, 9)),
            _act(use_snake, in_ch),
            WNConv1d(in_ch, out_ch, 2 * stride, stride=stride, padding=math.ceil(stride / 2)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class DecoderBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int, use_snake: bool) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            _act(use_snake, in_ch),
            WNConv1d(in_ch, out_ch, 2 * stride, stride=stride, padding=math.ceil(stride / 2), transposed=True),
            *(ResidualUnit(out_ch, d, use_snake) for d in (1, 3, 9)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class OobleckEncoder(nn.Module):
    def __init__(self, in_channels: int, channels: int, c_mults: list[int], strides: list[int],
                 latent_dim: int, use_snake: bool = True) -> None:
        super().__init__()
        m = [1, *c_mults]
        layers: list[nn.Module] = [WNConv1d(in_channels, m[0] * channels, 7, padding=3)]
        layers += [EncoderBlock(m[i] * channels, m[i + 1] * channels, strides[i], use_snake)
                   for i in range(len(m) - 1)]
        layers += [_act(use_snake, m[-1] * channels), WNConv1d(m[-1] * channels, latent_dim, 3, padding=1)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class OobleckDecoder(nn.Module):
    def __init__(self, out_channels: int, channels: int, c_mults: list[int], strides: list[int],
                 latent_dim: int, use_snake: bool = True, final_tanh: bool = False) -> None:
        super().__init__()
        m = [1, *c_mults]
        layers: list[nn.Module] = [WNConv1d(latent_dim, m[-1] * channels, 7, padding=3)]
        layers += [DecoderBlock(m[i] * channels, m[i - 1] * channels, strides[i - 1], use_snake)
                   for i in range(len(m) - 1, 0, -1)]
        layers += [_act(use_snake, m[0] * channels),
                   WNConv1d(m[0] * channels, out_channels, 7, padding=3, bias=False),
                   nn.Tanh() if final_tanh else nn.Identity()]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def _check_config(cfg: dict) -> tuple[dict, dict]:
    model = cfg.get("model", cfg)
    enc, dec = model.get("encoder", {}), model.get("decoder", {})
    for part, name in ((enc, "encoder"), (dec, "decoder")):
        if part.get("type") != "oobleck":
            raise ValueError(f"Oobleck: {name} type {part.get('type')!r} is not supported (only 'oobleck')")
    bottleneck = model.get("bottleneck", {}).get("type")
    if bottleneck != "vae":
        raise ValueError(f"Oobleck: bottleneck {bottleneck!r} is not supported (only 'vae')")
    return enc["config"], dec["config"]


class OobleckVAE(nn.Module):
    """Mono Oobleck VAE with stable-audio-tools' VAE bottleneck."""

    def __init__(self, encoder: dict, decoder: dict, sample_rate: int = 24000) -> None:
        super().__init__()
        enc = {k: v for k, v in encoder.items() if k != "antialias_activation"}
        dec = {k: v for k, v in decoder.items() if k not in ("antialias_activation", "use_nearest_upsample")}
        if encoder.get("antialias_activation") or decoder.get("antialias_activation") \
                or decoder.get("use_nearest_upsample"):
            raise ValueError("Oobleck: antialiased activations / nearest upsampling are not supported")
        self.encoder = OobleckEncoder(**enc)
        self.decoder = OobleckDecoder(**dec)
        self.sample_rate = int(sample_rate)
        self.latent_dim = int(dec["latent_dim"])
        self.hop = math.prod(enc["strides"])
        if enc["latent_dim"] != 2 * self.latent_dim:
            raise ValueError(f"Oobleck: encoder output {enc['latent_dim']} must be twice the latent "
                             f"{self.latent_dim} (mean and scale)")

    @classmethod
    def from_config(cls, cfg: dict) -> OobleckVAE:
        """From a stable-audio-tools autoencoder config (``model.encoder/decoder/bottleneck``)."""
        enc, dec = _check_config(cfg)
        return cls(enc, dec, cfg.get("sample_rate", 24000))

    def encode_features(self, audio: torch.Tensor) -> torch.Tensor:
        """``[B, 1, n] -> [B, 2*latent, frames]``: posterior mean and (pre-softplus) scale stacked."""
        return self.encoder(audio)

    def encode(self, audio: torch.Tensor, generator: torch.Generator | None = None,
               sample: bool = True) -> torch.Tensor:
        """``[B, 1, n] -> [B, latent, frames]``: a posterior sample (mean + std * noise), or the mean."""
        mean, scale = self.encode_features(audio).chunk(2, dim=1)
        if not sample:
            return mean
        std = F.softplus(scale) + 1e-4
        # Draw on the generator's device (seeded CPU generators stay reproducible across devices).
        gdev = mean.device if generator is None else generator.device
        noise = torch.randn(mean.shape, generator=generator, device=gdev, dtype=torch.float32).to(mean.device, mean.dtype)
        return mean + std * noise

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """``[B, latent, frames] -> [B, 1, frames * hop]``."""
        return self.decoder(latent)


class StereoOobleck(OobleckVAE):
    """The mono VAE run per channel; stereo latents are left then right on the channel axis.

    Same parameters and state dict as :class:`OobleckVAE`; ``encode``/``decode`` take stereo.
    """

    @property
    def channels(self) -> int:
        """Stereo latent channels (128 for the release)."""
        return 2 * self.latent_dim

    def encode(self, audio: torch.Tensor, generator: torch.Generator | None = None,
               sample: bool = True) -> torch.Tensor:
        """``[B, 2, n] -> [B, 2*latent, frames]`` (a mono input is duplicated to both channels)."""
        if audio.shape[1] == 1:
            audio = audio.expand(-1, 2, -1)
        if audio.shape[1] != 2:
            raise ValueError(f"StereoOobleck.encode: expected [B, 2, n] audio, got {list(audio.shape)}")
        b = audio.shape[0]
        lat = super().encode(audio.reshape(2 * b, 1, -1), generator=generator, sample=sample)
        return lat.reshape(b, 2 * self.latent_dim, -1)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """``[B, 2*latent, frames] -> [B, 2, frames * hop]``."""
        if latent.shape[1] != 2 * self.latent_dim:
            raise ValueError(f"StereoOobleck.decode: expected {2 * self.latent_dim} latent channels, "
                             f"got {latent.shape[1]}")
        b = latent.shape[0]
        audio = super().decode(latent.reshape(2 * b, self.latent_dim, -1))
        return audio.reshape(b, 2, -1)
