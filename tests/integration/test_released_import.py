"""Importing released-layout pickles into checkpoint folders (tiny random models, no downloads)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from conftest import SHARED
from smartdj.models.checkpoint import read_config
from smartdj.models.components.oobleck import OobleckVAE, StereoOobleck
from smartdj.models.components.udit import UDiT
from smartdj.models.release import released
from smartdj.models.release.released import ReleaseError, import_release, load_released

ROOT = Path(__file__).resolve().parents[2]
SMARTDJ = Path(sys.executable).with_name("smartdj")
CONF = SHARED / "conformance"

TINY_UDIT = dict(released.UDIT_CONFIG, img_size=12, in_chans=6, out_chans=3, embed_dim=32, depth=2,
                 num_heads=2, ada_sola_rank=2, ada_sola_alpha=2, context_dim=8)
TINY_VAE = {"sample_rate": 24000, "audio_channels": 1, "model": {
    "encoder": {"type": "oobleck", "config": {"in_channels": 1, "channels": 4, "c_mults": [1, 2],
                                              "strides": [2, 4], "latent_dim": 6, "use_snake": True}},
    "decoder": {"type": "oobleck", "config": {"out_channels": 1, "channels": 4, "c_mults": [1, 2],
                                              "strides": [2, 4], "latent_dim": 3, "use_snake": True,
                                              "final_tanh": False}},
    "bottleneck": {"type": "vae"}, "latent_dim": 3, "downsampling_ratio": 8, "io_channels": 1}}


def _randomise(module: torch.nn.Module, seed: int) -> torch.nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)
    return module.eval()


@pytest.fixture()
def release(tmp_path):
    """A folder with released-layout containers of tiny random models, and those models."""
    torch.set_num_threads(2)
    udit = _randomise(UDiT(**TINY_UDIT), 1)
    vae = _randomise(OobleckVAE.from_config(TINY_VAE), 2)
    src = tmp_path / "release"
    src.mkdir()
    torch.save({"model": udit.state_dict(), "epoch": 7}, src / released.EDITOR_FILE)
    vae_sd = {f"autoencoder.{k}": v for k, v in vae.state_dict().items()}
    vae_sd["discriminator.conv.weight"] = torch.zeros(2, 2)
    # a non-tensor object (as Lightning stores hyper-parameters) defeats torch's weights_only loader
    torch.save({"state_dict": vae_sd, "hyper_parameters": argparse.Namespace(lr=1e-4)}, src / released.VAE_FILE)
    return src, udit, vae


def _import(src: Path, out: Path, trust: bool = True) -> Path:
    return import_release(src / released.EDITOR_FILE, src / released.VAE_FILE, out, trust_pickle=trust,
                          udit_config=TINY_UDIT, vae_config=TINY_VAE)


def test_refuses_to_unpickle_without_trust(release, tmp_path):
    src, _, _ = release
    with pytest.raises(ReleaseError, match="arbitrary code") as e:
        _import(src, tmp_path / "out", trust=False)
    assert "--trust-pickle" in str(e.value)
    assert not (tmp_path / "out").exists()


def test_converted_models_compute_what_the_originals_compute(release, tmp_path, monkeypatch):
    src, udit, vae = release
    monkeypatch.setenv("SMARTDJ_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SMARTDJ_MODELS_DIR", raising=False)
    from smartdj.engine.cli.models_import import default_out

    folder = _import(src, default_out(None))  # the CLI's default: the models folder, from engine/config.py
    assert folder == tmp_path / "home" / "models" / "smartdj-released"

    doc = read_config(folder, kind="editor")
    cfg, meta = doc["config"], doc["meta"]
    assert cfg["backbone"]["type"] == "udit" and cfg["latent"]["type"] == "oobleck_released"
    assert cfg["scheduler"]["prediction_type"] == "v_prediction" and cfg["sample_rate"] == 24000
    assert cfg["defaults"] == {"guidance": 4.0, "rescale": 0.8, "eta": 0.8, "steps": 50}
    assert meta["source"] == "ztlan/SmartDJ" and meta["licence"] == "MIT"
    assert meta["sha256"][released.EDITOR_FILE] == released.sha256_file(src / released.EDITOR_FILE)
    assert meta["unpickled"] == {released.EDITOR_FILE: "weights_only", released.VAE_FILE: "full"}

    backbone, codec, _ = load_released(folder)
    assert isinstance(codec, StereoOobleck)
    g = torch.Generator().manual_seed(3)
    x, ctx = torch.randn(2, 6, 12, generator=g), torch.randn(2, 5, 8, generator=g)
    t, mask = torch.tensor([3, 900]), torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    audio = torch.randn(2, 1, 64, generator=g)
    with torch.no_grad():
        assert torch.equal(backbone(x, t, ctx, mask), udit(x, t, ctx, mask))
        lat = codec.encode(audio.reshape(1, 2, 64), sample=False)
        assert torch.equal(lat, vae.encode(audio, sample=False).reshape(1, 6, -1))
        assert torch.equal(codec.decode(lat).reshape(2, 1, -1), vae.decode(vae.encode(audio, sample=False)))


def test_missing_file(release, tmp_path):
    src, _, _ = release
    (src / released.VAE_FILE).unlink()
    with pytest.raises(ReleaseError, match="no such file"):
        _import(src, tmp_path / "out")


def test_truncated_file(release, tmp_path):
    src, _, _ = release
    data = (src / released.EDITOR_FILE).read_bytes()
    (src / released.EDITOR_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ReleaseError, match="corrupt or truncated"):
        _import(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_wrong_files(release, tmp_path):
    src, udit, _ = release
    sd = udit.state_dict()
    del sd["mid_block.attn.to_q.weight"]
    torch.save({"model": sd}, src / released.EDITOR_FILE)
    with pytest.raises(ReleaseError, match="keys missing.*mid_block.attn.to_q.weight"):
        _import(src, tmp_path / "out")
    torch.save({"state_dict": sd}, src / released.EDITOR_FILE)
    with pytest.raises(ReleaseError, match="not the released editor container"):
        _import(src, tmp_path / "out")
    torch.save({"model": _randomise(UDiT(**dict(TINY_UDIT, embed_dim=16)), 0).state_dict()},
               src / released.EDITOR_FILE)
    with pytest.raises(ReleaseError, match="other shapes"):
        _import(src, tmp_path / "out")


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, HF_HUB_OFFLINE="1", **(env or {}))
    return subprocess.run([str(SMARTDJ), *args], capture_output=True, text=True, timeout=120, env=full_env)


@pytest.mark.skipif(not SMARTDJ.exists(), reason="smartdj console script not installed beside this Python")
def test_cli_refuses_then_rejects_a_file_that_is_not_the_release(release, tmp_path):
    src, _, _ = release
    out = tmp_path / "out"
    r = _cli("models", "import", "smartdj", "--from", str(src), "--out", str(out))
    assert r.returncode == 1 and "arbitrary code" in r.stderr and "--trust-pickle" in r.stderr
    r = _cli("models", "import", "smartdj", "--from", str(src), "--trust-pickle", "--out", str(out))
    assert r.returncode == 1 and "not the released" in r.stderr, r.stderr
    assert not out.exists()


@pytest.mark.skipif(not SMARTDJ.exists(), reason="smartdj console script not installed beside this Python")
def test_cli_pull_offline_says_so(tmp_path):
    r = _cli("models", "pull", "smartdj", "--trust-pickle", "--out", str(tmp_path / "out"),
             env={"HF_HOME": str(tmp_path / "hf")})
    assert r.returncode == 1 and "offline" in r.stderr and "HF_HUB_OFFLINE" in r.stderr, r.stderr


@pytest.mark.skipif(not (CONF / "udit.json").is_file(), reason=f"conformance files not found at {CONF}")
def test_release_constants_match_the_published_configuration():
    assert released.UDIT_CONFIG == json.loads((CONF / "udit.json").read_text())["full_config"]
    full = json.loads((CONF / "oobleck.json").read_text())["full_config"]
    assert released.VAE_CONFIG["model"] == full["model"]
    assert released.VAE_CONFIG["sample_rate"] == full["sample_rate"] == released.SAMPLE_RATE
