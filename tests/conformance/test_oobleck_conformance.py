"""The released Oobleck VAE against its conformance vectors (shared/conformance)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from conformance_vectors import CONF, marks, spec_fixture
from safetensors.torch import load_file
from smartdj.models.components.oobleck import OobleckVAE, StereoOobleck

pytestmark = marks("oobleck.json")

spec = spec_fixture("oobleck.json")


@pytest.fixture(scope="module")
def small(spec):
    torch.set_num_threads(2)
    model = OobleckVAE.from_config(spec["small_config"]).eval()
    model.load_state_dict(load_file(str(CONF / "oobleck_small_weights.safetensors")), strict=True)
    return model, load_file(str(CONF / "oobleck_small_io.safetensors"))


def _maxdiff(a, b) -> float:
    assert a.shape == b.shape
    return (a - b).abs().max().item()


def test_encoder_and_decoder_match_reference(small):
    model, io = small
    with torch.no_grad():
        errs = {"encoder_output": _maxdiff(model.encode_features(io["audio"]), io["encoder_output"]),
                "latent_mean": _maxdiff(model.encode(io["audio"], sample=False), io["latent_mean"]),
                "decoded": _maxdiff(model.decode(io["latent_mean"]), io["decoded"])}
    print("\nOobleck small config vs reference, max abs error: " + ", ".join(f"{k} {v:.2e}" for k, v in errs.items()))
    assert all(v < 1e-4 for v in errs.values()), errs


def test_bottleneck_samples_around_the_mean_with_softplus_std(small):
    model, io = small
    with torch.no_grad():
        feats = model.encode_features(io["audio"])
        mean, scale = feats.chunk(2, dim=1)
        g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
        z = model.encode(io["audio"], generator=g1)
        noise = torch.randn(mean.shape, generator=g2)
    torch.testing.assert_close(z, mean + (torch.nn.functional.softplus(scale) + 1e-4) * noise)


def test_stereo_runs_the_mono_vae_per_channel(spec, small):
    model, io = small
    stereo = StereoOobleck.from_config(spec["small_config"]).eval()
    stereo.load_state_dict(model.state_dict())
    audio = torch.cat([io["audio"][:1], io["audio"][1:]], dim=1)  # left = item 0, right = item 1
    with torch.no_grad():
        lat = stereo.encode(audio, sample=False)
        assert lat.shape == (1, 2 * stereo.latent_dim, 50)
        torch.testing.assert_close(lat[:, :8], io["latent_mean"][:1])
        torch.testing.assert_close(lat[:, 8:], io["latent_mean"][1:])
        out = stereo.decode(lat)
        torch.testing.assert_close(out[:, :1], io["decoded"][:1], atol=1e-4, rtol=0)
        torch.testing.assert_close(out[:, 1:], io["decoded"][1:], atol=1e-4, rtol=0)
    assert stereo.hop == 24 and stereo.sample_rate == 24000


def test_full_config_layout_and_size(spec):
    with torch.device("meta"):
        model = StereoOobleck.from_config(spec["full_config"])
    ours = {k: list(v.shape) for k, v in model.state_dict().items()}
    assert ours == spec["full_state_dict_shapes"]
    assert sum(p.numel() for p in model.parameters()) == spec["full_parameter_count"] == 42_305_601
    assert model.hop == 480 and model.latent_dim == 64 and model.channels == 128
