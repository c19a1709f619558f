"""Separation executor through a real daemon: an oracle separator (the true stems) proves
``out = (mix - target) + op(target)`` sample-exact for every operation; DFN3 (the real bundled
model) serves speech with nothing downloaded.

The oracle is loaded by the engine as a separator plugin (``SMARTDJ_SEPARATORS=module:attr``,
this module on ``PYTHONPATH``); it reads the stems from the JSON file named by ``ORACLE_STEMS``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SR = 48000
HERE = Path(__file__).resolve().parent


class OracleSeparator:
    """Returns the true stem whose label the target names (test plugin, never shipped)."""

    name = "oracle"
    kinds = ("speech", "music", "text")
    licence = "test"

    def __init__(self) -> None:
        self.stems = json.loads(Path(os.environ["ORACLE_STEMS"]).read_text())

    def separate(self, mix, sr, target, progress=None):
        t = target.casefold()
        hits = [p for label, p in self.stems.items() if label in t or t in label]
        assert len(hits) == 1, f"oracle: {target!r} names {len(hits)} stems of {list(self.stems)}"
        audio, rate = sf.read(hits[0], dtype="float32", always_2d=True)
        assert rate == sr and audio.shape[0] == mix.shape[1]
        return audio.T.copy()


def _tone(freq: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 2.0 * t + seed)
    left = 0.25 * env * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(n)
    return np.stack([left, 0.6 * left + 0.01 * rng.standard_normal(n)]).astype(np.float32)


@pytest.fixture
def oracle_scene(tmp_path):
    n = SR  # 1 s
    stems = {"voice": _tone(220.0, n, 1), "dog": _tone(640.0, n, 2), "hum": _tone(60.0, n, 3)}
    paths = {}
    for label, audio in stems.items():
        paths[label] = str(tmp_path / f"{label}.wav")
        sf.write(paths[label], audio.T, SR, subtype="FLOAT")
    mix = stems["voice"] + stems["dog"] + stems["hum"]
    mix_path = tmp_path / "interview.wav"
    sf.write(mix_path, mix.T, SR, subtype="FLOAT")
    (tmp_path / "stems.json").write_text(json.dumps(paths))
    return mix_path, stems


def _oracle_engine(engine_factory, tmp_path):
    return engine_factory(env={"PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
                               "SMARTDJ_SEPARATORS": "test_separation:OracleSeparator",
                               "ORACLE_STEMS": str(tmp_path / "stems.json")})


def _run(engine, mix_path, plan, out, options=None):
    with engine.client() as c:
        job = c.submit([{"path": str(mix_path), "id": "take"}], "", str(out), plan=plan, mode="plan+execute",
                       options=options or {})
        seen: list[dict] = []
        final = c.wait(job, on_event=seen.append, timeout=120)
    assert final["type"] == "done", final
    done = [e for e in seen if e["type"] == "step_done"]
    return [sf.read(e["path"], dtype="float32", always_2d=True)[0].T for e in done], done


OPS = ["turn up the volume of voice by 6 dB", "change the sound of voice to left", "shift the sound of voice by 0.1 seconds",
       "reverb the sound of voice with reverb level 5", "change the timbre of the sound of voice to be more muffled",
       "remove the sound of voice", "extract the sound of voice"]


def test_oracle_every_operation_is_residual_plus_op_of_target_sample_exact(engine_factory, oracle_scene, tmp_path):
    from smartdj.bridge.language import parse_step
    from smartdj.engine.compose.mixture import apply_whole

    mix_path, stems = oracle_scene
    mix = sf.read(mix_path, dtype="float32", always_2d=True)[0].T
    engine = _oracle_engine(engine_factory, tmp_path)
    target = stems["voice"]
    for k, text in enumerate(OPS):
        (out,), (ev,) = _run(engine, mix_path, [text], tmp_path / f"out{k}")
        step = parse_step(text)
        residual = np.zeros_like(mix) if step.op == "extract" else mix - target  # extract -> target alone
        expected = residual + apply_whole(target, SR, step)
        assert ev["separator"] == "oracle", ev
        assert out.shape == mix.shape and np.array_equal(out, expected), text
        if step.op == "remove":
            assert np.array_equal(out, mix - target)
        if step.op == "extract":
            assert np.array_equal(out, target)


def test_oracle_chain_keeps_each_separation_and_the_rest_exact(engine_factory, oracle_scene, tmp_path):
    from smartdj.bridge.language import parse_step
    from smartdj.engine.compose.mixture import apply_whole

    mix_path, stems = oracle_scene
    mix = sf.read(mix_path, dtype="float32", always_2d=True)[0].T
    plan = ["turn up the volume of voice by 3 dB", "change the sound of voice to left",
            "turn down the volume of dog by 6 dB", "turn down the volume of everything by 2 dB"]
    outs, done = _run(_oracle_engine(engine_factory, tmp_path), mix_path, plan, tmp_path / "out")
    v, d = stems["voice"], stems["dog"]
    s = [parse_step(t) for t in plan]
    v1 = apply_whole(v, SR, s[0])
    assert np.array_equal(outs[0], (mix - v) + v1)
    v2 = apply_whole(v1, SR, s[1])  # the same target again: no second separation, the cached part moves
    assert np.array_equal(outs[1], (mix - v) + v2)
    rest = (mix - v) - d
    d3 = apply_whole(d, SR, s[2])
    assert np.array_equal(outs[2], rest + v2 + d3)
    whole = [apply_whole(x, SR, s[3]) for x in (rest, v2, d3)]  # a whole-mix step edits every part
    assert np.array_equal(outs[3], whole[0] + whole[1] + whole[2])
    assert [e.get("separator") for e in done] == ["oracle", "oracle", "oracle", None]


def test_dfn3_real_model_serves_speech_with_nothing_downloaded(running_engine, tmp_path):
    from conftest import SHARED
    from smartdj.engine.audio.io import read_audio

    speech_path = SHARED / "audio" / "dev" / "26_woman_speaking_weasels_have_eaten.wav"
    if not speech_path.is_file():
        pytest.skip("the dev clips are not here")
    voice = read_audio(speech_path, sr=SR)[0][:1]
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(voice.shape).astype(np.float32) * np.float32(np.sqrt(np.mean(voice ** 2)))
    mix = np.vstack([voice + noise, 0.8 * voice + noise]).astype(np.float32)  # 0 dB SNR on the left
    mix_path = tmp_path / "interview.wav"
    sf.write(mix_path, mix.T, SR, subtype="FLOAT")
    outs, done = _run(running_engine, mix_path, ["remove the sound of background noise",
                                                 "turn up the volume of voice by 3 dB"], tmp_path / "out")
    assert [e["separator"] for e in done] == ["dfn3", "dfn3"]
    clean = outs[0]
    truth = np.vstack([voice, 0.8 * voice])
    err_in, err_out = np.sum((mix - truth) ** 2), np.sum((clean - truth) ** 2)
    assert err_out < 0.3 * err_in  # the noise went down by more than 5 dB
    # step 2: the voice is the other side of step 1's split (no second separation): exactly +3 dB
    assert np.array_equal(outs[1], clean * np.float32(10 ** (3 / 20)))


def test_cancel_stops_a_long_separation_and_writes_nothing(running_engine, tmp_path):
    rng = np.random.default_rng(4)
    mix = (0.1 * rng.standard_normal((2, 60 * SR))).astype(np.float32)
    mix_path = tmp_path / "long_interview.wav"
    sf.write(mix_path, mix.T, SR, subtype="FLOAT")
    out = tmp_path / "out"
    with running_engine.client() as c:
        job = c.submit([{"path": str(mix_path), "id": "take"}], "", str(out), plan=["remove the sound of background noise"])
        seen: list[dict] = []

        def on_event(e: dict) -> None:
            seen.append(e)
            if e["type"] == "progress" and 0 < e["fraction"] < 0.9 and not any(x["type"] == "cancel" for x in seen):
                seen.append({"type": "cancel", "reply": c.cancel(job)})

        final = c.wait(job, on_event=on_event, timeout=300)
    assert final["type"] == "cancelled", final
    assert not [e for e in seen if e["type"] == "step_done"]
    assert not list(out.rglob("*.wav"))
