"""Editor backbones behind one forward signature:
``backbone(x[B, in, T], timesteps[B] int64, context[B, L, D], context_mask[B, L] bool) -> [B, out, T]``.

``x`` is the scheduler-scaled noisy latent concatenated with the source latent (noisy first).
Types: ``stable_audio_dit`` (diffusers ``StableAudioDiTModel`` with a learned global token and
rotary embeddings) and ``udit`` (``smartdj.models.components.udit.UDiT``, the released architecture).
"""

from __future__ import annotations

import torch
from torch import nn


class StableAudioEditorDiT(nn.Module):
    """diffusers ``StableAudioDiTModel`` as an editor backbone.

    The DiT prepends one global token (timestep embedding + a learned vector) to the sequence,
    so the rotary embedding covers ``T + 1`` positions. Integer timesteps are divided by
    ``num_train_timesteps`` before its Gaussian Fourier projection. ``use_context_mask`` False
    (default) attends to text padding, as the released editor does.
    """

    def __init__(self, in_channels: int, out_channels: int, num_layers: int = 2, attention_head_dim: int = 16,
                 num_attention_heads: int = 4, num_key_value_attention_heads: int = 2, cross_attention_dim: int = 64,
                 cross_attention_input_dim: int = 64, time_proj_dim: int = 64, global_states_input_dim: int = 64,
                 use_context_mask: bool = False, num_train_timesteps: int = 1000, sample_size: int = 1024):
        super().__init__()
        from diffusers import StableAudioDiTModel

        self.dit = StableAudioDiTModel(
            sample_size=sample_size, in_channels=in_channels, num_layers=num_layers,
            attention_head_dim=attention_head_dim, num_attention_heads=num_attention_heads,
            num_key_value_attention_heads=num_key_value_attention_heads, out_channels=out_channels,
            cross_attention_dim=cross_attention_dim, time_proj_dim=time_proj_dim,
            global_states_input_dim=global_states_input_dim, cross_attention_input_dim=cross_attention_input_dim)
        self.global_token = nn.Parameter(torch.randn(1, 1, global_states_input_dim) * 0.02)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.rotary_dim = attention_head_dim // 2
        self.use_context_mask = use_context_mask
        self.num_train_timesteps = num_train_timesteps
        self._rope: dict = {}

    def rotary(self, length: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        key = (length, str(device))
        if key not in self._rope:
            from diffusers.models.embeddings import get_1d_rotary_pos_embed

            cos, sin = get_1d_rotary_pos_embed(self.rotary_dim, length, use_real=True, repeat_interleave_real=False)
            self._rope = {key: (cos.to(device), sin.to(device))}
        return self._rope[key]

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor, context: torch.Tensor,
                context_mask: torch.Tensor | None = None) -> torch.Tensor:
        dtype = self.dit.proj_in.weight.dtype
        b, _, t = x.shape
        rope = self.rotary(t + 1, x.device)
        ts = timesteps.to(x.device).float() / self.num_train_timesteps
        mask = context_mask.to(torch.bool) if (self.use_context_mask and context_mask is not None) else None
        out = self.dit(hidden_states=x.to(dtype), timestep=ts.to(dtype), encoder_hidden_states=context.to(dtype),
                       global_hidden_states=self.global_token.expand(b, -1, -1).to(dtype), rotary_embedding=rope,
                       encoder_attention_mask=mask, return_dict=False)[0]
        return out


def build_backbone(cfg: dict) -> nn.Module:
    """A backbone from its config (``type`` plus the class's keyword arguments)."""
    kind = cfg.get("type")
    args = {k: v for k, v in cfg.items() if k != "type"}
    if kind == "stable_audio_dit":
        return StableAudioEditorDiT(**args)
    if kind == "udit":
        from smartdj.models.components.udit import UDiT

        return UDiT(**args)
    raise ValueError(f"unknown backbone type {kind!r} (stable_audio_dit, udit)")


def count_parameters(module: nn.Module | None) -> int:
    return 0 if module is None else sum(p.numel() for p in module.parameters())
