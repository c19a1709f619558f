"""UDiT: EzAudio's U-shaped diffusion transformer, as SmartDJ's released editor configures it.

Written from the architecture facts and the released state-dict layout (shared/conformance), so
the released ``smartdj_editor.pt`` state dict loads into :class:`UDiT` with no key renaming.
The diffusion pipeline builds it from a checkpoint config ``{"type": "udit", **kwargs}`` as
``UDiT(**kwargs)``; the kwargs are EzAudio's constructor arguments (see :data:`UDIT_KEYS`).

Supported: 1-D input, patch embedding by convolution, adaptive-norm time fusion ("ada",
"ada_single", "ada_sola", "ada_sola_bias"), text by cross-attention, rotary embeddings
("shared" or "none"), no absolute position embeddings, long skips. Other values raise.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

UDIT_KEYS = ("img_size", "patch_size", "in_chans", "out_chans", "input_type", "embed_dim", "depth",
             "num_heads", "mlp_ratio", "qkv_bias", "qk_scale", "qk_norm", "norm_layer", "act_layer",
             "context_norm", "use_checkpoint", "time_fusion", "ada_sola_rank", "ada_sola_alpha",
             "cls_dim", "context_dim", "context_fusion", "context_max_length", "context_pe_method",
             "pe_method", "rope_mode", "use_conv", "skip", "skip_norm")

_ADA_MODES = ("ada", "ada_single", "ada_sola", "ada_sola_bias")


def _unsupported(name: str, value, allowed) -> ValueError:
    return ValueError(f"UDiT: {name}={value!r} is not supported here (supported: {allowed})")


def _norm(kind: str, dim: int) -> nn.Module:
    if kind == "layernorm":
        return nn.LayerNorm(dim)
    if kind == "rmsnorm":
        return nn.RMSNorm(dim)
    raise _unsupported("norm_layer", kind, "'layernorm', 'rmsnorm'")


class RotaryEmbedding(nn.Module):
    """Rotate-half rotary embedding over the sequence axis of [B, H, L, D] queries and keys.

    ``inv_freq`` is kept for the released key layout; the angles are always computed in float32
    from the formula, so casting the model to bf16 does not coarsen the frequencies.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.register_buffer("inv_freq", self._inv_freq(dim, None))
        self._cache: tuple[int, torch.device, torch.Tensor, torch.Tensor] | None = None

    @staticmethod
    def _inv_freq(dim: int, device: torch.device | None) -> torch.Tensor:
        return 1.0 / (10000 ** (torch.arange(0, dim, 2, device=device).float() / dim))

    def _cos_sin(self, n: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        if self._cache is None or self._cache[0] != n or self._cache[1] != device:
            freqs = torch.outer(torch.arange(n, device=device, dtype=torch.float32), self._inv_freq(self.dim, device))
            emb = torch.cat((freqs, freqs), dim=-1)
            self._cache = (n, device, emb.cos(), emb.sin())
        return self._cache[2], self._cache[3]

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        cos, sin = self._cos_sin(q.shape[-2], q.device)

        def rotate(x: torch.Tensor) -> torch.Tensor:
            xf = x.float()
            x1, x2 = xf.chunk(2, dim=-1)
            return (xf * cos + torch.cat((-x2, x1), dim=-1) * sin).to(x.dtype)

        return rotate(q), rotate(k)


class Attention(nn.Module):
    """Multi-head attention with per-head q/k normalisation; self-attention when context is None."""

    def __init__(self, dim: int, num_heads: int, context_dim: int | None = None, qkv_bias: bool = False,
                 qk_scale: float | None = None, qk_norm: str | None = None, rope_mode: str = "none") -> None:
        super().__init__()
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.scale = qk_scale
        kv_dim = dim if context_dim is None else context_dim
        self.to_q = nn.Linear(dim, dim, bias=qkv_bias)
        self.to_k = nn.Linear(kv_dim, dim, bias=qkv_bias)
        self.to_v = nn.Linear(kv_dim, dim, bias=qkv_bias)
        if qk_norm is None:
            self.norm_q, self.norm_k = nn.Identity(), nn.Identity()
        elif qk_norm in ("layernorm", "rmsnorm"):
            self.norm_q, self.norm_k = _norm(qk_norm, head_dim), _norm(qk_norm, head_dim)
        else:
            raise _unsupported("qk_norm", qk_norm, "None, 'layernorm', 'rmsnorm'")
        self.proj = nn.Linear(dim, dim)
        if rope_mode == "shared":
            self.rotary = RotaryEmbedding(head_dim)
        elif rope_mode != "none":
            raise _unsupported("rope_mode", rope_mode, "'shared', 'none'")
        self.rope = rope_mode == "shared"

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                context_mask: torch.Tensor | None = None) -> torch.Tensor:
        b, n, c = x.shape
        kv = x if context is None else context
        h = self.num_heads
        q = self.to_q(x).view(b, n, h, -1).transpose(1, 2)
        k = self.to_k(kv).view(b, kv.shape[1], h, -1).transpose(1, 2)
        v = self.to_v(kv).view(b, kv.shape[1], h, -1).transpose(1, 2)
        q, k = self.norm_q(q), self.norm_k(k)
        if self.rope:
            q, k = self.rotary(q, k)
        mask = None if context_mask is None else context_mask.bool()[:, None, None, :]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=self.scale)
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class GEGLU(nn.Module):
    def __init__(self, dim_in: int, dim_out: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden, gate = self.proj(x).chunk(2, dim=-1)
        return hidden * F.gelu(gate)


class FeedForward(nn.Module):
    """``net`` = [GEGLU/GELU in, dropout (identity at inference), linear out], diffusers' layout."""

    def __init__(self, dim: int, mult: float, act_layer: str) -> None:
        super().__init__()
        inner = int(dim * mult)
        if act_layer == "geglu":
            first: nn.Module = GEGLU(dim, inner)
        elif act_layer == "gelu":
            first = nn.Sequential()
            first.proj = nn.Linear(dim, inner)
            first.act = nn.GELU()
        else:
            raise _unsupported("act_layer", act_layer, "'geglu', 'gelu'")
        self.net = nn.Sequential(first, nn.Dropout(0.0), nn.Linear(inner, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class AdaLN(nn.Module):
    """Per-block six-way modulation from the (SiLU'd) time token and the shared projection."""

    def __init__(self, dim: int, mode: str, rank: int | None, alpha: float | None) -> None:
        super().__init__()
        self.mode = mode
        self.scale_shift_table = None
        if mode == "ada":
            self.time_ada = nn.Linear(dim, 6 * dim)
        elif mode == "ada_single":
            self.scale_shift_table = nn.Parameter(torch.zeros(6, dim))
        elif mode in ("ada_sola", "ada_sola_bias"):
            if not rank or not alpha:
                raise ValueError(f"UDiT: time_fusion={mode!r} needs ada_sola_rank and ada_sola_alpha")
            self.lora_a = nn.Linear(dim, rank * 6, bias=False)
            self.lora_b = nn.Linear(rank * 6, dim * 6, bias=False)
            self.scaling = alpha / rank
            if mode == "ada_sola_bias":
                self.scale_shift_table = nn.Parameter(torch.zeros(6, dim))
        else:
            raise _unsupported("time_fusion", mode, _ADA_MODES)

    def forward(self, time_token: torch.Tensor, time_ada: torch.Tensor | None) -> torch.Tensor:
        b = time_token.shape[0]
        if self.mode == "ada":
            out = self.time_ada(time_token)
        elif self.mode == "ada_single":
            out = time_ada
        else:
            out = time_ada + self.lora_b(self.lora_a(time_token)) * self.scaling
        out = out.reshape(b, 6, -1)
        if self.scale_shift_table is not None:
            out = out + self.scale_shift_table[None]
        return out


class DiTBlock(nn.Module):
    def __init__(self, dim: int, context_dim: int | None, num_heads: int, mlp_ratio: float, qkv_bias: bool,
                 qk_scale: float | None, qk_norm: str | None, act_layer: str, norm_layer: str,
                 time_fusion: str, rank: int | None, alpha: float | None, skip: bool, skip_norm: bool,
                 rope_mode: str, context_norm: bool) -> None:
        super().__init__()
        self.norm1 = _norm(norm_layer, dim)
        self.attn = Attention(dim, num_heads, None, qkv_bias, qk_scale, qk_norm, rope_mode)
        self.use_context = context_dim is not None
        if self.use_context:
            self.cross_attn = Attention(dim, num_heads, context_dim, qkv_bias, qk_scale, qk_norm, "none")
            self.norm2 = _norm(norm_layer, dim)
            self.norm_context = _norm(norm_layer, context_dim) if context_norm else nn.Identity()
        self.norm3 = _norm(norm_layer, dim)
        self.mlp = FeedForward(dim, mlp_ratio, act_layer)
        self.adaln = AdaLN(dim, time_fusion, rank, alpha)
        self.skip_linear = None
        if skip:
            self.skip_norm = _norm(norm_layer, 2 * dim) if skip_norm else nn.Identity()
            self.skip_linear = nn.Linear(2 * dim, dim)

    def forward(self, x: torch.Tensor, time_token: torch.Tensor, time_ada: torch.Tensor | None,
                skip: torch.Tensor | None, context: torch.Tensor | None,
                context_mask: torch.Tensor | None) -> torch.Tensor:
        if self.skip_linear is not None:
            x = self.skip_linear(self.skip_norm(torch.cat([x, skip], dim=-1)))
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = \
            self.adaln(time_token, time_ada).chunk(6, dim=1)
        # EzAudio gates with (1 - gate), not gate.
        x = x + (1 - gate_msa) * self.attn(self.norm1(x) * (1 + scale_msa) + shift_msa)
        if self.use_context:
            x = x + self.cross_attn(self.norm2(x), self.norm_context(context), context_mask)
        return x + (1 - gate_mlp) * self.mlp(self.norm3(x) * (1 + scale_mlp) + shift_mlp)


class FinalBlock(nn.Module):
    def __init__(self, embed_dim: int, patch_size: int, out_chans: int, norm_layer: str, use_conv: bool) -> None:
        super().__init__()
        self.out_chans = out_chans
        self.patch_size = patch_size
        self.norm = _norm(norm_layer, embed_dim)
        self.linear = nn.Linear(embed_dim, patch_size * out_chans)
        self.final_layer = nn.Conv1d(out_chans, out_chans, 3, padding=1) if use_conv else None

    def forward(self, x: torch.Tensor, time_ada: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        shift, scale = time_ada.reshape(b, 2, -1).chunk(2, dim=1)
        x = self.linear(self.norm(x) * (1 + scale) + shift)
        # [B, T, (p c)] -> [B, c, T*p]
        x = x.reshape(b, t, self.patch_size, self.out_chans).permute(0, 3, 1, 2).reshape(b, self.out_chans, -1)
        return x if self.final_layer is None else self.final_layer(x)


class TimestepEmbedder(nn.Module):
    def __init__(self, dim: int, freq_dim: int = 256) -> None:
        super().__init__()
        self.freq_dim = freq_dim
        self.mlp = nn.Sequential(nn.Linear(freq_dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        half = self.freq_dim // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
        args = t[:, None].float() * freqs[None]
        emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
        return self.mlp(emb.to(self.mlp[0].weight.dtype))


class UDiT(nn.Module):
    """EzAudio's UDiT. ``forward(x[B,in,T], timesteps[B], context[B,L,Dc], context_mask[B,L]) -> [B,out,T]``."""

    def __init__(self, img_size: int = 500, patch_size: int = 1, in_chans: int = 256,
                 out_chans: int | None = None, input_type: str = "1d", embed_dim: int = 1024, depth: int = 24,
                 num_heads: int = 16, mlp_ratio: float = 4.0, qkv_bias: bool = False,
                 qk_scale: float | None = None, qk_norm: str | None = "layernorm",
                 norm_layer: str = "layernorm", act_layer: str = "geglu", context_norm: bool = True,
                 use_checkpoint: bool = False, time_fusion: str = "ada_sola_bias",
                 ada_sola_rank: int | None = 32, ada_sola_alpha: float | None = 32,
                 cls_dim: int | None = None, context_dim: int | None = 1024, context_fusion: str = "cross",
                 context_max_length: int | None = None, context_pe_method: str = "none",
                 pe_method: str = "none", rope_mode: str = "shared", use_conv: bool = True,
                 skip: bool = True, skip_norm: bool = True) -> None:
        super().__init__()
        if input_type != "1d":
            raise _unsupported("input_type", input_type, "'1d'")
        if time_fusion not in _ADA_MODES:
            raise _unsupported("time_fusion", time_fusion, _ADA_MODES)
        if cls_dim is not None:
            raise _unsupported("cls_dim", cls_dim, "None")
        if context_dim is not None and context_fusion != "cross":
            raise _unsupported("context_fusion", context_fusion, "'cross'")
        if pe_method != "none":
            raise _unsupported("pe_method", pe_method, "'none'")
        if context_pe_method != "none":
            raise _unsupported("context_pe_method", context_pe_method, "'none'")
        if embed_dim % num_heads:
            raise ValueError(f"UDiT: embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        out_chans = in_chans if out_chans is None else out_chans
        self.img_size, self.patch_size = img_size, patch_size
        self.in_chans, self.out_chans = in_chans, out_chans
        self.use_checkpoint = use_checkpoint
        self.use_skip = skip

        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv1d(in_chans, embed_dim, patch_size, stride=patch_size)
        self.time_embed = TimestepEmbedder(embed_dim)
        self.time_ada_final = nn.Linear(embed_dim, 2 * embed_dim)
        self.time_ada = nn.Linear(embed_dim, 6 * embed_dim) if time_fusion != "ada" else None
        self.context_embed = None
        if context_dim is not None:
            self.context_embed = nn.Sequential(nn.Linear(context_dim, embed_dim), nn.SiLU(),
                                               nn.Linear(embed_dim, embed_dim))
        block_context = embed_dim if context_dim is not None else None

        def block(is_skip: bool) -> DiTBlock:
            return DiTBlock(embed_dim, block_context, num_heads, mlp_ratio, qkv_bias, qk_scale, qk_norm,
                            act_layer, norm_layer, time_fusion, ada_sola_rank, ada_sola_alpha,
                            is_skip, skip_norm and is_skip, rope_mode, context_norm)

        self.in_blocks = nn.ModuleList([block(False) for _ in range(depth // 2)])
        self.mid_block = block(False)
        self.out_blocks = nn.ModuleList([block(skip) for _ in range(depth // 2)])
        self.final_block = FinalBlock(embed_dim, patch_size, out_chans, norm_layer, use_conv)

    def _run(self, blk: DiTBlock, *args) -> torch.Tensor:
        if self.use_checkpoint and self.training and torch.is_grad_enabled():
            from torch.utils.checkpoint import checkpoint
            return checkpoint(blk, *args, use_reentrant=False)
        return blk(*args)

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor, context: torch.Tensor | None = None,
                context_mask: torch.Tensor | None = None) -> torch.Tensor:
        if timesteps.dim() == 0:
            timesteps = timesteps.expand(x.shape[0])
        x = self.patch_embed.proj(x).transpose(1, 2)
        ctx = None
        if self.context_embed is not None:
            if context is None:
                raise ValueError("UDiT: this configuration needs a text context")
            ctx = self.context_embed(context)
        time_token = F.silu(self.time_embed(timesteps))
        time_ada_final = self.time_ada_final(time_token)
        time_ada = None if self.time_ada is None else self.time_ada(time_token)

        skips = []
        for blk in self.in_blocks:
            x = self._run(blk, x, time_token, time_ada, None, ctx, context_mask)
            skips.append(x)
        x = self._run(self.mid_block, x, time_token, time_ada, None, ctx, context_mask)
        for blk in self.out_blocks:
            skip = skips.pop() if self.use_skip else None
            x = self._run(blk, x, time_token, time_ada, skip, ctx, context_mask)
        return self.final_block(x, time_ada_final)
