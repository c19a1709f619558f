"""The tiny editor learns: after a few hundred CPU steps on a handful of examples its output for a
training example is closer to the target than the unedited input (LSD and SI-SDR)."""

import json
import os

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np
import pytest
import soundfile as sf
import torch

torch.set_num_threads(2)

from smartdj.models.configs import editor_config

SR = 4000  # the tiny config's rate


def _band(rng, n, lo, hi):
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    spec[(f < lo) | (f > hi)] = 0
    x = np.fft.irfft(spec, n)
    return x / x.std()


def make_dataset(root, n_ex=4, seconds=2.0, seed=0):
    """Scenes of a low rumble (mostly left) and a hiss (mostly right); step 1 removes one of them.
    Written in ``smartdj synth``'s layout (manifest.jsonl + <id>/step_k.wav)."""
    rng = np.random.default_rng(seed)
    n = int(SR * seconds)
    t = np.arange(n) / SR
    recs = []
    for i in range(n_ex):
        a = 0.15 * _band(rng, n, 100, 600) * (0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(1, 3) * t))
        b = 0.1 * _band(rng, n, 1100, 1800)
        left = np.stack([a, 0.3 * a]) + 0.003 * rng.standard_normal((2, n))
        right = np.stack([0.3 * b, b]) + 0.003 * rng.standard_normal((2, n))
        text, target = (("remove the sound of rumble at the left", right) if i % 2 == 0
                        else ("remove the sound of hiss at the right", left))
        d = root / f"ex{i}"
        d.mkdir(parents=True)
        sf.write(d / "step_0.wav", (left + right).T.astype(np.float32), SR, subtype="FLOAT")
        sf.write(d / "step_1.wav", target.T.astype(np.float32), SR, subtype="FLOAT")
        recs.append({"id": f"ex{i}", "instruction": text, "plan": [{"text": text}],
                     "audio": [f"ex{i}/step_0.wav", f"ex{i}/step_1.wav"]})
    (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    return root


@pytest.mark.slow
def test_tiny_editor_learns_an_edit(tmp_path):
    from smartdj.engine.cli.eval_editor import evaluate
    from smartdj.models.pipelines.edit import EditPipeline
    from smartdj.models.training.editor import train_editor
    from smartdj.models.training.editor_data import load_pairs

    data = make_dataset(tmp_path / "data")
    cfg = editor_config("tiny")
    res = train_editor(data, cfg, tmp_path / "ck", steps=600, val_every=200, seed=0, cpu=True)
    print(f"train: {res['seconds']:.1f} s, loss {res['history'][0]:.3f} -> {res['train_loss']:.3f}, "
          f"val {res['val_loss']:.3f}, params {res['parameters']}")
    assert res["train_loss"] < 0.5 * res["history"][0]
    pipe = EditPipeline.from_checkpoint(tmp_path / "ck", device="cpu")
    train_pairs, _ = load_pairs(data)
    ev = evaluate(pipe, train_pairs, guidance=1.0, steps=20, seed=0)
    m = ev["mean"]
    print(f"LSD output {m['lsd_output']:.2f} dB vs input {m['lsd_input']:.2f} dB; "
          f"SI-SDR output {m['si_sdr_output']:.2f} dB vs input {m['si_sdr_input']:.2f} dB")
    assert m["si_sdr_output"] > m["si_sdr_input"] + 2.0
    assert m["lsd_output"] < m["lsd_input"]
    # resume continues from the saved step
    res2 = train_editor(data, cfg, tmp_path / "ck", steps=610, resume=True, seed=0, cpu=True, report=lambda s: None)
    assert res2["step"] == 610 and len(res2["history"]) == 10
