"""EditPipeline and its engine adapter: rates and lengths, save/load round trip, cancellation, progress, models list."""

import json
import os

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np
import pytest
import torch

torch.set_num_threads(2)

from smartdj.models.configs import editor_config
from smartdj.models.diffusion.ddim import EditCancelled
from smartdj.models.pipelines.edit import EditorError, EditPipeline, EditResult


@pytest.fixture(scope="module")
def pipe():
    return EditPipeline.from_config(editor_config("tiny"), device="cpu", seed=1)


def _audio(sr: float, seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.2 * rng.standard_normal((2, int(sr * seconds)))).astype(np.float32)


def test_model_rate_only_and_mono_to_stereo(pipe):
    x = _audio(4000, 1.3)
    res = pipe.edit(x, 4000, "remove the sound of dog barking at the left", seed=5, steps=3)
    assert isinstance(res, EditResult)
    assert res.audio.shape == x.shape and res.audio.dtype == np.float32 and res.sample_rate == pipe.sample_rate
    assert res.seed == 5 and res.device == "cpu" and res.windows > 1
    assert np.isfinite(res.audio).all()
    mono = pipe.edit(x[0], 4000, "x", steps=2)  # mono in -> stereo out, a seed is drawn and recorded
    assert mono.audio.shape == (2, x.shape[1]) and isinstance(mono.seed, int)
    with pytest.raises(EditorError, match="resample"):  # the model never guesses a rate
        pipe.edit(_audio(44100, 0.5), 44100, "x", steps=2)


def test_engine_adapter_resamples_there_and_back(pipe, tmp_path):
    from smartdj.engine.audio.io import resample
    from smartdj.engine.execution import diffusion

    pipe.save(tmp_path / "ck")
    x = _audio(44100, 1.3)
    y = diffusion.edit(tmp_path / "ck", x, 44100, "remove the sound of dog barking at the left", seed=5, steps=3,
                       device="cpu")
    assert y.shape == x.shape and y.dtype == np.float32
    at_model = pipe.edit(resample(x, 44100, 4000), 4000, "remove the sound of dog barking at the left", seed=5,
                         steps=3).audio
    back = resample(at_model, 4000, 44100)
    n = min(back.shape[-1], x.shape[-1])
    assert np.array_equal(y[:, :n], back[:, :n])


def test_same_seed_same_output_and_save_load(pipe, tmp_path):
    x = _audio(4000, 0.8, seed=1)
    a = pipe.edit(x, 4000, "turn up the piano", seed=7, steps=4).audio
    assert np.array_equal(a, pipe.edit(x, 4000, "turn up the piano", seed=7, steps=4).audio)
    assert not np.array_equal(a, pipe.edit(x, 4000, "turn up the piano", seed=8, steps=4).audio)
    pipe.save(tmp_path / "ck", meta={"source": "test"})
    doc = json.loads((tmp_path / "ck" / "config.json").read_text())
    assert doc["kind"] == "editor" and doc["format_version"] == 1
    assert (tmp_path / "ck" / "text.safetensors").is_file()
    loaded = EditPipeline.from_checkpoint(tmp_path / "ck", device="cpu")
    b = loaded.edit(x, 4000, "turn up the piano", seed=7, steps=4).audio
    assert np.array_equal(a, b)


def test_cancel_stops_within_one_step(pipe):
    x = _audio(4000, 1.5)
    calls, fractions = {"n": 0}, []

    def cancel():
        calls["n"] += 1
        return calls["n"] > 3  # allow three denoising steps, then cancel

    with pytest.raises(EditCancelled):
        pipe.edit(x, 4000, "remove the hum", seed=0, steps=10, progress=fractions.append, cancel=cancel)
    total = 10 * 4  # 1.5 s in 0.5 s windows with 0.125 s overlap: 4 windows
    assert len(fractions) == 3 and fractions[-1] == pytest.approx(3 / total)


def test_progress_reaches_one(pipe):
    fr = []
    pipe.edit(_audio(4000, 1.0), 4000, "x", seed=0, steps=3, progress=fr.append)
    assert fr == sorted(fr) and fr[-1] == pytest.approx(1.0)


def test_loud_input_is_scaled_down_and_back(pipe):
    x = 3.0 * _audio(4000, 0.4)
    res = pipe.edit(x, 4000, "x", seed=0, steps=2)
    assert res.info["peak_gain"] == pytest.approx(float(np.abs(x).max()), rel=1e-5)


def test_models_list_reads_configs(pipe, tmp_path, capsys):
    from smartdj.engine.cli import models_list as cmd_models_list

    pipe.save(tmp_path / "m" / "my-editor", meta={"config_name": "tiny", "source": "unit test", "licence": "MIT"})
    rows = cmd_models_list.scan([tmp_path / "m"])
    assert rows == [{"name": "my-editor", "kind": "editor", "config": "tiny", "source": "unit test",
                     "licence": "MIT", "format_version": 1, "path": str(tmp_path / "m" / "my-editor")}]
    import argparse

    assert cmd_models_list.run(argparse.Namespace(path=[str(tmp_path / "m")], json=True)) == 0
    assert "my-editor" in capsys.readouterr().out
