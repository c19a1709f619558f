"""Editor building blocks: codecs, backbone, text encoder, CFG rescale, window cross-fading."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np
import pytest
import torch

torch.set_num_threads(2)

from smartdj.models.components.editor import build_backbone
from smartdj.models.components.latents import StftCodec, build_codec
from smartdj.models.components.text_encoder import build_text_encoder
from smartdj.models.configs import EDITOR_CONFIGS, OOBLECK_TINY, editor_config
from smartdj.models.diffusion.ddim import make_scheduler, rescale_noise_cfg
from smartdj.models.pipelines.edit import crossfade_weights, select_device, stitch_windows, window_plan


def test_stft_codec_is_exact():
    c = StftCodec(4000, n_fft=64, hop=32, compress=0.5, scale=5.0)
    a = torch.randn(2, 2, 1001) * 0.3
    z = c.encode(a)
    assert z.shape == (2, 4 * 33, c.num_frames(1001))
    y = c.decode(z)[..., :1001]
    assert torch.allclose(y, a, atol=1e-5)


def test_oobleck_codec_stereo_shapes():
    c = build_codec(OOBLECK_TINY)
    a = torch.randn(1, 2, 1000) * 0.1  # not a multiple of the hop (64): padded
    z = c.encode(a, generator=torch.Generator().manual_seed(0))
    assert c.hop == 64 and z.shape == (1, 16, 16)
    assert c.decode(z).shape == (1, 2, 16 * 64)
    # left and right encode independently: a silent right channel gives the same latent as a silent pair
    c.sample_latents = False
    z2 = c.encode(torch.stack([a[:, 0], torch.zeros_like(a[:, 0])], 1))
    assert torch.allclose(z2[:, :8], c.encode(a)[:, :8], atol=1e-5)


def test_oobleck_rejects_bad_decoder_width():
    with pytest.raises(ValueError, match="encoder_hidden_size // 2"):
        build_codec({**OOBLECK_TINY, "decoder_input_channels": 5})


def test_backbone_forward_signature():
    cfg = editor_config("tiny")["backbone"]
    net = build_backbone(cfg)
    x = torch.randn(2, cfg["in_channels"], 11)
    out = net(x, torch.tensor([0, 999]), torch.randn(2, 7, 64), torch.ones(2, 7, dtype=torch.bool))
    assert out.shape == (2, cfg["out_channels"], 11)
    # the timestep conditions the output
    out2 = net(x, torch.tensor([500, 500]), torch.randn(2, 7, 64), None)
    assert not torch.allclose(out, out2)


def test_text_encoder_uncond_and_padding():
    te = build_text_encoder(editor_config("tiny")["text"])
    assert te.uncond_text == " " * te.max_length
    ctx, mask = te(["remove the dog at the left", te.uncond_text])
    assert ctx.shape == (2, te.max_length, 64) and mask.dtype == torch.bool
    assert mask[0].sum() < te.max_length and not torch.allclose(ctx[0], ctx[1])


def test_scheduler_is_the_release_one():
    s = make_scheduler()
    assert s.config.prediction_type == "v_prediction" and s.config.rescale_betas_zero_snr
    s.set_timesteps(50)
    assert int(s.timesteps[0]) == 999  # trailing spacing starts at the last training step


def test_rescale_noise_cfg_matches_std():
    cond = torch.randn(2, 4, 10)
    guided = 3 * torch.randn(2, 4, 10)
    full = rescale_noise_cfg(guided, cond, 1.0)
    assert torch.allclose(full.std(dim=(1, 2)), cond.std(dim=(1, 2)), atol=1e-5)
    assert torch.equal(rescale_noise_cfg(guided, cond, 0.0), guided)


def test_crossfade_weights_sum_to_one():
    starts = window_plan(1000, 300, 60)
    assert starts[0] == 0 and starts[-1] == 700
    total = np.zeros(1000)
    for s, w in zip(starts, crossfade_weights(starts, 300, 1000, 60), strict=True):
        total[s:s + 300] += w
    assert np.allclose(total, 1.0)


def test_crossfade_leaves_no_seam():
    # each window's output carries its own offset (as independent diffusion renders would differ);
    # the cross-faded result must not jump at window boundaries more than the signal moves elsewhere
    sr, n, window, overlap = 4000, 4000 * 3, 2000, 500
    t = np.arange(n) / sr
    x = np.stack([0.3 * np.sin(2 * np.pi * 110 * t)] * 2).astype(np.float32)
    out = stitch_windows(x, window, overlap, lambda k, seg: seg + 0.5 * (k % 2))
    d = np.abs(np.diff(out[0]))
    starts = window_plan(n, window, overlap)
    bounds = [s for s in starts[1:]] + [s + window for s in starts[:-1]]
    near = max(d[b - 3:b + 3].max() for b in bounds)
    inside = d[200:starts[1] - 10].max()  # a stretch with no boundary
    print(f"max step near boundaries {near:.4f}, elsewhere {inside:.4f}")
    assert near <= inside * 1.05
    # without cross-fading (hard cut) the same case has a seam
    hard = x.copy()
    hard[:, starts[1]:] += 0.5
    assert np.abs(np.diff(hard[0]))[starts[1] - 1] > 3 * inside


def test_device_selection_message():
    dev, msg = select_device(None)
    assert dev.type in {"cuda", "mps", "cpu"} and str(dev.type).lower() in msg.lower().replace("apple ", "")
    dev, msg = select_device("cpu")
    assert dev.type == "cpu" and "cpu" in msg


def test_named_configs_present():
    assert {"tiny", "small", "full", "full_dit"} <= set(EDITOR_CONFIGS)
    full = EDITOR_CONFIGS["full"]
    assert full["backbone"]["in_chans"] == 256 and full["text"]["max_length"] == 100
