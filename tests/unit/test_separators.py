"""Separator adapters and routing: which backend serves which target, each adapter's contract, clear refusals."""

from __future__ import annotations

import numpy as np
import pytest
from smartdj.bridge.language import parse_step
from smartdj.engine.config import Settings
from smartdj.engine.execution import separation_registry as reg
from smartdj.engine.execution.executors import ExecError, choose
from smartdj.engine.execution.separation import SeparationExecutor
from smartdj.models.separators import base


@pytest.mark.parametrize("target, kinds", [
    ("voice", ["speech", "text"]), ("the narrator", ["speech", "text"]), ("dialogue", ["speech", "text"]),
    ("background noise", ["speech", "text"]), ("traffic under the voice", ["speech", "text"]),
    ("lead vocals", ["music", "speech", "text"]), ("drums", ["music", "text"]), ("the bass", ["music", "text"]),
    ("dog barking", ["text"]), ("piano", ["text"]),
])
def test_routing_by_the_targets_words(target, kinds):
    assert base.route(target) == kinds


def test_background_targets_are_the_voice_complement_and_voices_are_not():
    assert base.is_background("traffic under the voice") and not base.is_speech("traffic under the voice")
    assert base.is_speech("the host's voice") and not base.is_background("the host's voice")
    assert base.is_background("narrator's background noise")
    assert base.stem_of("drums and bass") is None  # two stems: not one separator's stem


def test_installed_backends_and_the_route_they_give():
    settings = Settings()
    assert reg.resolve("voice", None, {}, settings).name == "dfn3"  # always there: a core dependency
    assert reg.resolve("the background noise", None, {}, settings).name == "dfn3"
    assert reg.resolve("voice", "speech", {}, settings).name == "dfn3"
    assert reg.resolve("voice", "sam-audio", {}, settings) is None  # chosen, not installed: no substitute
    names = [b.name for b in reg.backends(settings)]
    assert names[:4] == ["dfn3", "demucs", "sam-audio", "smartdj-extract"]


def test_a_step_no_separator_serves_is_refused_before_the_job_with_the_install_command():
    ex = SeparationExecutor("interview", None, {}, Settings())
    with pytest.raises(ExecError) as e:
        ex.check([parse_step("turn down the volume of dog barking by 6 dB")], "item1")
    err = e.value
    assert err.code == "needs_separation" and err.step == 1 and err.item == "item1"
    assert "dog barking" in err.message and "pip install git+https://github.com/facebookresearch/sam-audio" \
        in err.message and "smartdj models pull" in err.message
    with pytest.raises(ExecError) as e:
        SeparationExecutor("x", None, {"separator": "nope"}, Settings()).check([parse_step("remove the sound of voice")], "i")
    assert "unknown" in e.value.message and "dfn3" in e.value.message


def test_auto_chooses_separation_when_a_separator_serves_the_steps():
    s = Settings()
    voice = [parse_step("turn up the volume of voice by 3 dB")]
    assert choose("auto", False, {}, s, voice, "interview")[0] == "separation"
    assert choose("auto", False, {}, s, [parse_step("turn up the volume of everything by 3 dB")], "x")[0] == "mixture"
    assert choose("composer", False, {}, s, voice, "interview")[0] == "mixture"
    assert choose("auto", True, {}, s, voice, "")[0] == "composer"


def test_sam_audio_says_exactly_how_to_install_it():
    from smartdj.models.separators.text import SamAudioSeparator, sam_installed, sam_prompt

    if sam_installed():
        pytest.skip("SAM-Audio is installed here")
    with pytest.raises(base.SeparatorUnavailable) as e:
        SamAudioSeparator()
    msg = str(e.value)
    for part in ("pip install git+https://github.com/facebookresearch/sam-audio",
                 "https://huggingface.co/facebook/sam-audio-base", "huggingface-cli login",
                 "smartdj models pull sam-audio"):
        assert part in msg
    assert sam_prompt("the sound of the Dog Barking") == "dog barking"


def test_speech_separator_background_is_exactly_mix_minus_voice():
    from smartdj.models.separators.speech import SpeechSeparator

    rng = np.random.default_rng(1)
    t = np.arange(24000) / 24000
    voice = 0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 3 * t) > 0)
    mix = np.stack([voice, 0.5 * voice]).astype(np.float32) + 0.02 * rng.standard_normal((2, t.size)).astype(np.float32)
    sep = SpeechSeparator()
    v = sep.separate(mix, 24000, "voice")
    b = sep.separate(mix, 24000, "background noise")
    assert v.shape == b.shape == mix.shape and v.dtype == b.dtype == np.float32
    assert np.array_equal(b, mix - v)  # fresh state: the same input gives the same voice
    assert np.sum(v[1] ** 2) < np.sum(v[0] ** 2)  # the stereo image (left louder) is kept


def test_demucs_adapter_on_a_tiny_random_model():
    torch = pytest.importorskip("torch")
    pytest.importorskip("demucs_infer")
    from demucs_infer.htdemucs import HTDemucs
    from smartdj.models.separators.music import MusicSeparator

    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = HTDemucs(sources=["drums", "bass", "other", "vocals"], channels=8, depth=2, t_layers=1, nfft=512,
                     segment=1, samplerate=44100, t_heads=2, dconv_comp=2)
    sep = MusicSeparator(model=model)
    x = (0.1 * np.random.default_rng(0).standard_normal((2, 36000))).astype(np.float32)
    stems = sep.stems(x, 48000)
    assert sorted(stems) == ["bass", "drums", "other", "vocals"]
    assert all(s.shape == x.shape and s.dtype == np.float32 and np.isfinite(s).all() for s in stems.values())
    assert np.array_equal(sep.separate(x, 48000, "the drums"), stems["drums"])
    with pytest.raises(base.SeparatorUnavailable, match="piano"):
        sep.separate(x, 48000, "piano")


def test_demucs_without_weights_names_the_pull_command(tmp_path):
    from smartdj.models.separators import music

    assert not music.installed(tmp_path)
    if music.package_installed():
        with pytest.raises(base.SeparatorUnavailable, match="smartdj models pull demucs"):
            music.MusicSeparator(tmp_path)


def test_eval_measures_an_exact_separation_exactly():
    """With the true voice as the separation, the eval's measurements read back exactly what was asked."""
    from smartdj.engine.cli import eval_separation as ev

    class Truth:
        def separate(self, mix, sr, target, progress=None):
            return voice.copy()

    rng = np.random.default_rng(3)
    mono = (0.2 * rng.standard_normal((1, 24000))).astype(np.float32)
    voice, background = ev._mixture(np.vstack([mono, mono]), (0.1 * rng.standard_normal((2, 7000))).astype(np.float32), 0.0)
    row = ev._one(Truth(), voice, background)
    assert row["voice_si_sdr"] > 80 and abs(row["mix_voice_si_sdr"]) < 0.5
    assert abs(row["volume +6 voice_db"] - 6.0) < 1e-3 and abs(row["volume +6 background_db"]) < 1e-3
    assert abs(row["volume -6 voice_db"] + 6.0) < 1e-3
    assert row["left itd_ms"] == pytest.approx(1000 * 28 / 48000) and row["left ild_db"] == pytest.approx(20 * np.log10(0.6), abs=0.01)


def test_models_list_shows_separators_with_licence_and_what_works_on_a_mixture():
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "smartdj.engine.cli.main", "models", "list", "--json"],
                         capture_output=True, text=True, timeout=120)
    rows = {r["name"]: r for r in json.loads(out.stdout)["models"] if r["kind"] == "separator"}
    assert rows["dfn3"]["installed"] and "MIT" in rows["dfn3"]["licence"] and "remove" in rows["dfn3"]["mixture_ops"]
    assert "SAM Licence" in rows["sam-audio"]["licence"]
    if not rows["sam-audio"]["installed"]:
        assert "smartdj models pull sam-audio" in rows["sam-audio"]["install"] and not rows["sam-audio"]["mixture_ops"]


def test_released_editor_extract_as_a_text_separator_on_a_tiny_random_checkpoint(tmp_path):
    pytest.importorskip("torch")
    from smartdj.engine.compose.mixture import apply_whole
    from smartdj.models.configs import editor_config
    from smartdj.models.pipelines.edit import EditPipeline
    from smartdj.models.separators.text import ReleasedExtractSeparator

    EditPipeline.from_config(editor_config("tiny"), device="cpu", seed=1).save(tmp_path / "ck", {"source": "test"})
    options = {"separator": "smartdj-extract", "checkpoint": str(tmp_path / "ck"), "seed": 3}
    sr = 24000
    mix = (0.1 * np.random.default_rng(2).standard_normal((2, sr))).astype(np.float32)
    t = ReleasedExtractSeparator(tmp_path / "ck", seed=3).separate(mix, sr, "dog barking")
    assert t.shape == mix.shape and t.dtype == np.float32 and np.isfinite(t).all()
    ex = SeparationExecutor("interview", None, options, Settings())
    step = parse_step("turn down the volume of dog barking by 6 dB")
    ex.check([step], "item")
    out = ex.step(mix, sr, step, lambda f: None, lambda: False)
    assert ex.step_info == {"separator": "smartdj-extract"}
    assert np.array_equal(out, (mix - t) + apply_whole(t, sr, step))  # same seed, same target; exact mix-back
    # not chosen: auto never routes to the approximate editor when deciding between executors
    assert not SeparationExecutor.serves([step], {"checkpoint": str(tmp_path / "ck")}, Settings())


def test_speech_separator_streams_in_chunks_equal_to_one_pass_and_stops_on_a_raising_callback():
    from smartdj.models.separators import speech
    from smartdj.models.separators.dfn3 import DFN3

    rng = np.random.default_rng(5)
    n = int(12.3 * 48000)  # three chunks and a bit
    x = (0.05 * rng.standard_normal((2, n))).astype(np.float32)
    x[:, ::400] += 0.5
    seen: list[float] = []
    v = speech.SpeechSeparator().voice(x, 48000, seen.append)
    with DFN3(fresh_state=True) as ref:
        assert np.array_equal(v, ref.enhance(x))
    assert len(seen) == 3 and seen == sorted(seen) and seen[-1] < 1.0

    def stop(_f: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        speech.SpeechSeparator().voice(x, 48000, stop)


class TinyDemucs:
    """A music separator plugin: demucs-infer's HTDemucs with a tiny random configuration; counts its passes."""

    name, kinds, licence, gives_stems = "tiny-demucs", ("music",), "test", True
    passes = 0

    def __init__(self) -> None:
        import torch
        from demucs_infer.htdemucs import HTDemucs
        from smartdj.models.separators.music import MusicSeparator

        torch.manual_seed(0)
        torch.set_num_threads(1)
        self.inner = MusicSeparator(model=HTDemucs(sources=["drums", "bass", "other", "vocals"], channels=8, depth=2,
                                                   t_layers=1, nfft=512, segment=1, samplerate=44100, t_heads=2,
                                                   dconv_comp=2))

    def stems(self, mix, sr):
        TinyDemucs.passes += 1
        return self.inner.stems(mix, sr)

    def separate(self, mix, sr, target, progress=None):
        return self.inner.separate(mix, sr, target, progress)


def test_a_stems_separator_runs_once_per_job_and_each_stem_is_edited_exactly():
    pytest.importorskip("torch")
    pytest.importorskip("demucs_infer")
    from smartdj.engine.compose.mixture import apply_whole

    settings = Settings(separators="test_separators:TinyDemucs")
    sr = 48000
    mix = (0.1 * np.random.default_rng(6).standard_normal((2, sr))).astype(np.float32)
    steps = [parse_step("turn down the volume of the drums by 6 dB"), parse_step("remove the sound of the bass")]
    assert choose("auto", False, {}, settings, steps, "band bounce")[0] == "separation"
    ex = SeparationExecutor("band bounce", None, {}, settings)
    ex.check(steps, "item")
    TinyDemucs.passes = 0
    out1 = ex.step(mix, sr, steps[0], lambda f: None, lambda: False)
    out2 = ex.step(out1, sr, steps[1], lambda f: None, lambda: False)
    assert TinyDemucs.passes == 1 and ex.step_info == {"separator": "tiny-demucs"}
    stems = ex._stems["tiny-demucs"]
    d, b = stems["drums"], stems["bass"]
    assert np.array_equal(out1, (mix - d) + apply_whole(d, sr, steps[0]))
    assert np.array_equal(out2, ((mix - d) - b) + apply_whole(d, sr, steps[0]) + np.zeros_like(b))
