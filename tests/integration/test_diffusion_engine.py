"""The diffusion executor end to end: `smartdj edit --executor diffusion` through a running engine.

Two checkpoints: one trained here by `smartdj train editor` (issue 5), and one converted by the
released-weights importer from released-layout pickles of tiny random models (issue 7).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

torch = pytest.importorskip("torch")

SMARTDJ = str(Path(sys.executable).with_name("smartdj"))
ENV = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([SMARTDJ, *args], capture_output=True, text=True, timeout=timeout, env=ENV)


def _edit_through_engine(engine, item: Path, instruction: str, ckpt: Path, out: Path) -> dict:
    r = _run("edit", str(item), instruction, "--executor", "diffusion", "--checkpoint", str(ckpt),
             "--out-dir", str(out), "--engine", engine.zmq, "--steps", "3", "--seed", "5", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def _check_render(doc: dict, item: Path, n_steps: int) -> None:
    info = sf.info(str(item))
    assert len(doc["renders"]) == n_steps
    for render in doc["renders"]:
        out = sf.info(render["path"])
        assert (out.channels, out.samplerate, out.frames) == (2, info.samplerate, info.frames)
        audio, _ = sf.read(render["path"])
        assert np.isfinite(audio).all() and np.abs(audio).max() > 0


def test_edit_with_a_checkpoint_trained_by_smartdj_train(engine_factory, examples, tmp_path):
    data, ckpt = tmp_path / "data", tmp_path / "editor"
    r = _run("synth", "--sources", str(examples / "manifest.csv"), "--out", str(data), "--count", "3",
             "--seed", "1", "--sr", "8000", "--seconds", "1", "--workers", "1")
    assert r.returncode == 0, r.stderr[-2000:]
    r = _run("train", "editor", "--data", str(data), "--config", "tiny", "--out", str(ckpt), "--steps", "3",
             "--cpu", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    item = examples / "10_rain_falling.wav"
    doc = _edit_through_engine(engine_factory(), item, "remove the sound of rain falling", ckpt, tmp_path / "out")
    assert [s["op"] for s in doc["steps"]] == ["remove"]
    _check_render(doc, item, 1)


def test_released_layout_weights_run_through_the_engine(engine_factory, examples, tmp_path):
    from smartdj.models.checkpoint import load_checkpoint
    from smartdj.models.components.latents import build_codec
    from smartdj.models.components.oobleck import OobleckVAE
    from smartdj.models.components.text_encoder import build_text_encoder
    from smartdj.models.components.udit import UDiT
    from smartdj.models.pipelines.edit import EditPipeline
    from smartdj.models.release import released

    torch.manual_seed(0)
    udit_cfg = dict(released.UDIT_CONFIG, img_size=16, in_chans=12, out_chans=6, embed_dim=32, depth=2,
                    num_heads=2, ada_sola_rank=2, ada_sola_alpha=2, context_dim=16)
    enc = {"in_channels": 1, "channels": 4, "c_mults": [1, 2], "strides": [4, 6], "latent_dim": 6, "use_snake": True}
    dec = {"out_channels": 1, "channels": 4, "c_mults": [1, 2], "strides": [4, 6], "latent_dim": 3,
           "use_snake": True, "final_tanh": False}
    vae_cfg = {"sample_rate": 24000, "audio_channels": 1, "model": {
        "encoder": {"type": "oobleck", "config": enc}, "decoder": {"type": "oobleck", "config": dec},
        "bottleneck": {"type": "vae"}, "latent_dim": 3, "downsampling_ratio": 24, "io_channels": 1}}
    src = tmp_path / "release"
    src.mkdir()
    torch.save({"model": UDiT(**udit_cfg).state_dict()}, src / released.EDITOR_FILE)
    vae_sd = {f"autoencoder.{k}": v for k, v in OobleckVAE.from_config(vae_cfg).state_dict().items()}
    torch.save({"state_dict": vae_sd}, src / released.VAE_FILE)

    imported = tmp_path / "imported"
    refused = _run("models", "import", "smartdj", "--from", str(src), "--out", str(imported))
    assert refused.returncode != 0 and "--trust-pickle" in refused.stderr and not imported.exists()
    # The importer checks the full released shapes; here the containers hold a tiny configuration.
    released.import_release(src / released.EDITOR_FILE, src / released.VAE_FILE, imported, trust_pickle=True,
                            udit_config=udit_cfg, vae_config=vae_cfg)

    # FLAN-T5-large is not on this machine: swap in a tiny random T5 of the backbone's context width.
    cfg = json.loads((imported / "config.json").read_text())["config"]
    cfg["text"] = {"type": "t5", "pretrained": None, "tokenizer": "byt5", "max_length": 100, "uncond": "spaces",
                   "attention_mask": False, "config": {"vocab_size": 384, "d_model": 16, "d_kv": 8, "d_ff": 32,
                                                      "num_layers": 1, "num_heads": 2, "dropout_rate": 0.0}}
    cfg["window_seconds"], cfg["overlap_seconds"] = 1.0, 0.25
    _, sd = load_checkpoint(imported, kind="editor")
    backbone = UDiT(**{k: v for k, v in cfg["backbone"].items() if k != "type"})
    backbone.load_state_dict(sd)
    text = build_text_encoder(cfg["text"], None, random_ok=True)
    codec = build_codec(cfg["latent"], imported)
    tiny = tmp_path / "released-tiny"
    EditPipeline(cfg, backbone, text, codec, device="cpu").save(tiny, {"source": "test"})

    item = tmp_path / "mix.wav"
    rain, sr = sf.read(str(examples / "10_rain_falling.wav"), dtype="float32", always_2d=True)
    sf.write(str(item), np.repeat(rain[: int(1.5 * sr), :1], 2, axis=1), sr)  # 1.5 s: two model windows
    doc = _edit_through_engine(engine_factory(), item, "remove the sound of rain falling", tiny, tmp_path / "out")
    _check_render(doc, item, 1)
