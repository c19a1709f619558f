"""Named editor and VAE configurations: ``tiny`` (tests, CPU seconds), ``small`` (one GPU, minutes),
``full`` (SmartDJ's released size: UDiT 24x1024 + FLAN-T5-large + mono Oobleck 64ch x480 per channel)
and ``full_dit`` (the same size built from diffusers' ``StableAudioDiTModel``, needing no other module).

An editor config is ``{"name", "backbone", "latent", "text", "scheduler", "sample_rate",
"window_seconds", "overlap_seconds", "defaults", "training"}``; each part has a ``type``. The
released configuration is written here once ("full"); the release importer reads its parts.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

SCHEDULER = {"num_train_timesteps": 1000, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
             "beta_end": 0.012, "prediction_type": "v_prediction", "rescale_betas_zero_snr": True,
             "timestep_spacing": "trailing", "clip_sample": False}
# The release CLI's defaults (its Gradio demo uses guidance 0, rescale 0.75, eta 0).
DEFAULTS = {"guidance": 4.0, "rescale": 0.8, "eta": 0.8, "steps": 50}


def _byt5_t5(d_model: int, layers: int, heads: int, d_ff: int, max_length: int) -> dict:
    """A random, frozen T5 encoder with the byte-level ByT5 tokenizer (needs no files)."""
    return {"type": "t5", "pretrained": None, "tokenizer": "byt5", "max_length": max_length, "uncond": "spaces",
            "config": {"vocab_size": 384, "d_model": d_model, "d_kv": d_model // heads, "d_ff": d_ff,
                       "num_layers": layers, "num_heads": heads, "feed_forward_proj": "gated-gelu",
                       "dropout_rate": 0.0}}


def _sa_dit(in_ch: int, out_ch: int, layers: int, heads: int, head_dim: int, kv_heads: int, text_dim: int,
            cross_dim: int) -> dict:
    return {"type": "stable_audio_dit", "in_channels": in_ch, "out_channels": out_ch, "num_layers": layers,
            "attention_head_dim": head_dim, "num_attention_heads": heads,
            "num_key_value_attention_heads": kv_heads, "cross_attention_dim": cross_dim,
            "cross_attention_input_dim": text_dim, "time_proj_dim": 256 if head_dim * heads >= 256 else 64,
            "global_states_input_dim": 64, "use_context_mask": False}


_TINY_LATENT = {"type": "stft", "sample_rate": 4000, "n_fft": 64, "hop": 32, "compress": 0.5, "scale": 5.0}
_TINY_CH = 4 * (64 // 2 + 1)  # 132
_SMALL_LATENT = {"type": "stft", "sample_rate": 16000, "n_fft": 512, "hop": 256, "compress": 0.5, "scale": 5.0}
_SMALL_CH = 4 * (512 // 2 + 1)  # 1028

# diffusers AutoencoderOobleck, mono, run per channel: 24 kHz, 64 latent channels, hop 2*2*2*6*10 = 480.
OOBLECK_FULL = {"type": "oobleck", "sample_rate": 24000, "encoder_hidden_size": 128, "decoder_channels": 128,
                "decoder_input_channels": 64, "audio_channels": 1, "channel_multiples": [1, 2, 4, 8, 16],
                "downsampling_ratios": [2, 2, 2, 6, 10], "sample_latents": True}
OOBLECK_SMALL = {"type": "oobleck", "sample_rate": 24000, "encoder_hidden_size": 64, "decoder_channels": 64,
                 "decoder_input_channels": 32, "audio_channels": 1, "channel_multiples": [1, 2, 4, 8],
                 "downsampling_ratios": [2, 4, 6, 10], "sample_latents": True}
OOBLECK_TINY = {"type": "oobleck", "sample_rate": 8000, "encoder_hidden_size": 16, "decoder_channels": 16,
                "decoder_input_channels": 8, "audio_channels": 1, "channel_multiples": [1, 2, 4],
                "downsampling_ratios": [2, 4, 8], "sample_latents": True}
# The released mono Oobleck (stable-audio-tools layout: 64 base channels, 128-channel encoder output).
OOBLECK_RELEASED = {"type": "oobleck_released", "sample_rate": 24000, "audio_channels": 1, "model": {
    "encoder": {"type": "oobleck", "config": {"in_channels": 1, "channels": 64, "c_mults": [1, 2, 4, 8, 16],
                                              "strides": [2, 2, 2, 6, 10], "latent_dim": 128, "use_snake": True}},
    "decoder": {"type": "oobleck", "config": {"out_channels": 1, "channels": 64, "c_mults": [1, 2, 4, 8, 16],
                                              "strides": [2, 2, 2, 6, 10], "latent_dim": 64, "use_snake": True,
                                              "final_tanh": False}},
    "bottleneck": {"type": "vae"}, "latent_dim": 64, "downsampling_ratio": 480, "io_channels": 1}}

UDIT_FULL = {"type": "udit", "img_size": 500, "patch_size": 1, "in_chans": 256, "out_chans": 128,
             "input_type": "1d", "embed_dim": 1024, "depth": 24, "num_heads": 16, "mlp_ratio": 4.0,
             "qkv_bias": False, "qk_scale": None, "qk_norm": "layernorm", "norm_layer": "layernorm",
             "act_layer": "geglu", "context_norm": True, "use_checkpoint": False, "time_fusion": "ada_sola_bias",
             "ada_sola_rank": 32, "ada_sola_alpha": 32, "cls_dim": None, "context_dim": 1024,
             "context_fusion": "cross", "context_max_length": None, "context_pe_method": "none",
             "pe_method": "none", "rope_mode": "shared", "use_conv": True, "skip": True, "skip_norm": True}

FLAN_T5_LARGE = {"type": "t5", "pretrained": "google/flan-t5-large", "tokenizer": "google/flan-t5-large",
                 "max_length": 100, "uncond": "spaces", "attention_mask": False,
                 # the shape, for random-weight benchmarks where the pretrained files are absent
                 "config": {"vocab_size": 32128, "d_model": 1024, "d_kv": 64, "d_ff": 2816, "num_layers": 24,
                            "num_heads": 16, "feed_forward_proj": "gated-gelu", "dropout_rate": 0.0}}


def _editor(name: str, sample_rate: int, window_s: float, overlap_s: float, latent: dict, text: dict, backbone: dict,
            defaults: dict, training: tuple[float, int, float, int]) -> dict:
    """An editor config; ``training`` is (lr, batch, weight decay, warm-up steps); text dropout 0.1."""
    lr, batch, weight_decay, warmup = training
    return {"name": name, "sample_rate": sample_rate, "window_seconds": window_s, "overlap_seconds": overlap_s,
            "latent": latent, "text": text, "backbone": backbone, "scheduler": SCHEDULER, "defaults": defaults,
            "training": {"lr": lr, "batch": batch, "text_dropout": 0.1, "weight_decay": weight_decay,
                         "warmup": warmup}}


EDITOR_CONFIGS: dict[str, dict] = {
    "tiny": _editor("tiny", 4000, 0.5, 0.125, _TINY_LATENT, _byt5_t5(64, 2, 4, 128, 64),
                    _sa_dit(2 * _TINY_CH, _TINY_CH, 2, 4, 32, 2, 64, 64), {**DEFAULTS, "steps": 20},
                    (2e-3, 8, 0.0, 20)),
    "small": _editor("small", 16000, 5.0, 1.0, _SMALL_LATENT, _byt5_t5(256, 4, 4, 512, 100),
                     _sa_dit(2 * _SMALL_CH, _SMALL_CH, 8, 16, 64, 8, 256, 512), {**DEFAULTS, "steps": 50},
                     (3e-4, 16, 0.01, 200)),
    # SmartDJ's released editor: models/release/released.py imports these parts from here
    "full": _editor("full", 24000, 10.0, 1.0, OOBLECK_RELEASED, FLAN_T5_LARGE, UDIT_FULL, DEFAULTS,
                    (1e-4, 8, 0.01, 1000)),
    "full_dit": _editor("full_dit", 24000, 10.0, 1.0, OOBLECK_FULL, FLAN_T5_LARGE,
                        _sa_dit(256, 128, 24, 16, 64, 16, 1024, 1024), DEFAULTS, (1e-4, 8, 0.01, 1000)),
}

VAE_CONFIGS: dict[str, dict] = {
    "tiny": {"name": "tiny", "latent": OOBLECK_TINY, "seconds": 0.5,
             "training": {"lr": 1e-3, "batch": 4, "kl_weight": 1e-4}},
    "small": {"name": "small", "latent": OOBLECK_SMALL, "seconds": 1.0,
              "training": {"lr": 3e-4, "batch": 16, "kl_weight": 1e-4}},
    "full": {"name": "full", "latent": OOBLECK_FULL, "seconds": 1.0,
             "training": {"lr": 1.5e-4, "batch": 16, "kl_weight": 1e-4}},
}


def _resolve(name_or_file: str, table: dict[str, dict]) -> dict:
    if name_or_file in table:
        return copy.deepcopy(table[name_or_file])
    path = Path(name_or_file)
    if path.suffix == ".json" and path.is_file():
        cfg = json.loads(path.read_text())
        cfg.setdefault("name", path.stem)
        return cfg
    raise ValueError(f"unknown config {name_or_file!r}: use one of {', '.join(table)} or a .json file")


def editor_config(name_or_file: str) -> dict:
    """A deep copy of a named editor config, or one read from a JSON file."""
    return _resolve(name_or_file, EDITOR_CONFIGS)


def vae_config(name_or_file: str) -> dict:
    return _resolve(name_or_file, VAE_CONFIGS)
