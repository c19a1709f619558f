"""The DSP composer and mixture ops: every op's audio effect is measured on real signals."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from smartdj.bridge.language import Step
from smartdj.engine.audio import dsp
from smartdj.engine.compose.composer import (
    ComposeError,
    Scene,
    Source,
    apply_plan,
    apply_step,
    match_sources,
    render,
    source_audio,
)
from smartdj.engine.compose.mixture import NeedsSeparation, apply_to_mixture, supports


def noise(seconds: float, sr: int, seed: int, channels: int = 1, amp: float = 0.1) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((channels, int(seconds * sr))) * amp).astype(np.float32)


def burst_scene(sr: int = 24000, seconds: float = 3.0) -> Scene:
    """Three noise bursts of 0.5 s at known times and places, plus a placed stereo stem."""
    srcs = [
        Source("dog barking", audio=noise(0.5, sr, 1), audio_sr=sr, offset=0.2, at="front"),
        Source("Car Horn", audio=noise(0.5, sr, 2), audio_sr=sr, offset=1.0, at="left", db=-3),
        Source("rain falling", audio=noise(0.5, sr, 3), audio_sr=sr, offset=1.8, at="right"),
        Source("stereo pad", audio=noise(0.5, sr, 4, channels=2), audio_sr=sr, offset=0.0, at=None),
    ]
    return Scene(sr, seconds, srcs)


def xcorr_lag(a: np.ndarray, b: np.ndarray, max_lag: int = 64) -> int:
    """The lag (samples) by which ``b`` trails ``a``, by GCC-PHAT."""
    n = 1 << int(np.ceil(np.log2(a.size + b.size)))
    cross = np.fft.rfft(b, n) * np.conj(np.fft.rfft(a, n))
    cc = np.fft.irfft(cross / np.maximum(np.abs(cross), 1e-12), n)
    cc = np.concatenate([cc[-max_lag:], cc[: max_lag + 1]])
    return int(np.argmax(cc)) - max_lag


def ild_db(stereo: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(stereo[1].astype(np.float64) ** 2) / np.sum(stereo[0].astype(np.float64) ** 2)))


@pytest.mark.parametrize(("sr", "loc", "lag", "gain"), [
    (24000, "left", 14, 0.6), (24000, "right", -14, 0.6), (24000, "left front", 9, 0.8),
    (24000, "right front", -9, 0.8), (48000, "left", 28, 0.6), (48000, "right front", -18, 0.8),
    (44100, "left", round(14 / 24000 * 44100), 0.6),
])
def test_direction_delay_and_level(sr, loc, lag, gain):
    scene = Scene(sr, 1.0, [Source("dog", audio=noise(0.8, sr, 7), audio_sr=sr, at="front")])
    before = render(scene)
    assert np.array_equal(before[0], before[1])  # front: identical channels
    out = render(apply_step(scene, Step("direction", "dog", to=loc)))
    assert xcorr_lag(out[0], out[1]) == lag  # positive = right channel trails (source on the left)
    expected = 20 * np.log10(gain) * (1 if lag > 0 else -1)
    assert ild_db(out) == pytest.approx(expected, abs=0.02)


def test_remove_leaves_the_rest_sample_exact():
    scene = burst_scene()
    mix = render(scene)
    horn = source_audio(scene, 1)
    after = apply_step(scene, Step("remove", "Car Horn"))
    assert after.labels == ["dog barking", "rain falling", "stereo pad"]
    np.testing.assert_allclose(render(after), mix - horn, atol=1e-6)
    assert scene.labels == ["dog barking", "Car Horn", "rain falling", "stereo pad"]  # input untouched


def test_volume_scales_exactly_that_stem():
    scene = burst_scene()
    mix, horn = render(scene), source_audio(scene, 1)
    after = apply_step(scene, Step("volume", "car horn", at="left", db=-6))
    assert after.sources[1].db == pytest.approx(-9)
    np.testing.assert_allclose(render(after), mix + horn * (10 ** (-6 / 20) - 1), atol=1e-6)
    np.testing.assert_allclose(source_audio(after, 1), horn * 10 ** (-6 / 20), atol=1e-7)


def test_extract_keeps_only_the_targets():
    scene = burst_scene()
    one = apply_step(scene, Step("extract", "rain falling"))
    np.testing.assert_array_equal(render(one), source_audio(scene, 2))
    two = apply_step(scene, Step("extract", "rain falling and dog barking"))
    assert two.labels == ["dog barking", "rain falling"]
    np.testing.assert_allclose(render(two), source_audio(scene, 0) + source_audio(scene, 2), atol=1e-7)


def onset(x: np.ndarray, thresh: float = 1e-4) -> int:
    return int(np.argmax(np.abs(x).max(axis=0) > thresh))


@pytest.mark.parametrize("seconds", [0.25, -0.125, 1.0])
def test_shift_moves_the_onset(seconds):
    sr = 24000
    scene = Scene(sr, 3.0, [Source("dog", audio=noise(0.3, sr, 3), audio_sr=sr, offset=0.5, at="right")])
    before = onset(render(scene))
    after = onset(render(apply_step(scene, Step("shift", "dog", seconds=seconds))))
    assert after - before == round(seconds * sr)


def test_reverb_adds_a_tail_and_grows_with_level():
    sr = 24000
    scene = Scene(sr, 3.0, [Source("snare", audio=noise(0.2, sr, 5), audio_sr=sr, offset=0.5)])
    end = int(0.75 * sr)

    def tail(s):
        return float(np.sum(render(s)[:, end:].astype(np.float64) ** 2))

    assert tail(scene) == 0.0
    low = tail(apply_step(scene, Step("reverb", "snare", level=2)))
    high = tail(apply_step(scene, Step("reverb", "snare", level=9)))
    assert 0 < low < high
    # deterministic
    a = render(apply_step(scene, Step("reverb", "snare", level=5)))
    dsp.room_ir.cache_clear()
    from smartdj.engine.compose.scene import clear_cache
    clear_cache()
    np.testing.assert_array_equal(a, render(apply_step(scene, Step("reverb", "snare", level=5))))


@pytest.mark.parametrize(("quality", "direction"), [
    ("bright", 1), ("dark", -1), ("warm", -1), ("cold", 1), ("muffled", -1)])
def test_timbre_moves_the_centroid(quality, direction):
    sr = 48000
    white = np.fft.rfft(noise(1.0, sr, 9)[0])
    pink = np.fft.irfft(white / np.sqrt(np.maximum(np.arange(white.size), 1)), sr)  # 1/f, like real sounds
    scene = Scene(sr, 1.0, [Source("noise", audio=pink.astype(np.float32), audio_sr=sr)])
    c0 = dsp.spectral_centroid(render(scene), sr)
    c1 = dsp.spectral_centroid(render(apply_step(scene, Step("timbre", "noise", quality=quality))), sr)
    assert (c1 - c0) * direction > 0.05 * c0
    if quality == "muffled":
        assert c1 < 1000


def test_add_follows_smartdj_gain_and_place(tmp_path):
    sr = 24000
    path = tmp_path / "rain.wav"
    sf.write(path, noise(0.5, 44100, 11, channels=2).T * 3, 44100, subtype="FLOAT")
    scene = Scene(sr, 2.0, [Source("dog", audio=noise(0.5, sr, 1), audio_sr=sr)])
    after = apply_step(scene, Step("add", "rain", to="left", db=2), clips={"rain falling": str(path)})
    assert after.labels == ["dog", "rain"] and after.sources[1].at == "left"
    added = source_audio(after, 1)
    assert np.max(np.abs(added[0])) == pytest.approx(0.3 * 10 ** ((2 - 3) / 20), rel=1e-5)
    assert xcorr_lag(added[0], added[1]) == 14
    with pytest.raises(ComposeError, match="no clip for 'thunder'"):
        apply_step(scene, Step("add", "thunder", to="left", db=0), clips={"rain": str(path)})

    class Library:
        def find(self, label):
            return str(path) if "rain" in label else None

    rng = np.random.default_rng(0)
    placed = apply_step(scene, Step("add", "light rain", to="front", db=0), clips=Library(), rng=rng)
    assert 0 <= placed.sources[1].offset <= 1.5


def test_clips_of_any_channel_count_length_and_rate(tmp_path):
    specs = [(1, 8000, 0.3), (2, 44100, 12.0), (6, 22050, 1.0), (2, 96000, 0.05)]
    sources = []
    for i, (ch, rate, secs) in enumerate(specs):
        p = tmp_path / f"c{i}.wav"
        sf.write(p, noise(secs, rate, i, channels=ch).T, rate, subtype="FLOAT")
        sources.append({"path": p.name, "label": f"clip {i}", "at": "right front", "db": -1.0, "offset": 0.1 * i})
    sources.append({"path": "c1.wav", "label": "stem", "at": None, "db": 0.0, "offset": 0.0})
    sources.append({"path": "c2.wav", "label": "surround stem", "at": None, "db": 0.0, "offset": 0.0})
    scene = Scene.from_json({"sample_rate": 24000, "seconds": 10.0, "sources": sources}, base_dir=tmp_path)
    out = render(scene)
    assert out.shape == (2, 240000) and out.dtype == np.float32 and np.all(np.isfinite(out))
    for i in range(len(sources)):
        assert np.max(np.abs(source_audio(scene, i))) > 0
    # a placed stereo stem is used as is (resampled only) until an edit moves it
    stem = source_audio(scene, 4)
    assert not np.allclose(stem[0], stem[1])
    moved = source_audio(apply_step(scene, Step("direction", "stem", to="front")), 4)
    np.testing.assert_array_equal(moved[0], moved[1])


def test_scene_json_round_trip_and_load(tmp_path):
    sf.write(tmp_path / "dog.wav", noise(0.5, 24000, 1).T, 24000, subtype="FLOAT")
    obj = {"sample_rate": 24000, "seconds": 2.0, "sources": [
        {"path": "dog.wav", "label": "dog barking", "at": "front", "db": 0.0, "offset": 0.25}]}
    (tmp_path / "scene.json").write_text(json.dumps(obj))
    scene = Scene.load(tmp_path / "scene.json")
    plan = [Step("reverb", "dog", level=3), Step("timbre", "dog barking", quality="warm"),
            Step("volume", "dog", db=-2), Step("direction", "dog", to="right")]
    final = apply_plan(scene, plan)[-1]
    again = Scene.from_json(json.loads(json.dumps(final.to_json())), base_dir=tmp_path)
    assert again == final
    np.testing.assert_array_equal(render(again), render(final))
    assert scene.to_json() == obj


@pytest.mark.parametrize(("obj", "needle"), [
    ({"sample_rate": 24000, "seconds": 2.0}, "sources"),
    ({"sample_rate": "fast", "seconds": 2.0, "sources": []}, "sample_rate"),
    ({"sample_rate": 24000, "seconds": -1, "sources": []}, "seconds"),
    ({"sample_rate": 24000, "seconds": 2, "sources": [{"label": "dog"}]}, "sources[0].path"),
    ({"sample_rate": 24000, "seconds": 2, "sources": [{"path": "d.wav"}]}, "sources[0].label"),
    ({"sample_rate": 24000, "seconds": 2, "sources": [{"path": "d.wav", "label": "d", "at": "up"}]}, "sources[0].at"),
    ({"sample_rate": 24000, "seconds": 2, "sources": [{"path": "d.wav", "label": "d", "db": "x"}]}, "sources[0].db"),
])
def test_bad_scene_json(obj, needle):
    with pytest.raises(ComposeError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        Scene.from_json(obj)


def test_target_matching():
    scene = burst_scene()
    assert match_sources(scene, "Car Horn") == [1]
    assert match_sources(scene, "car horn") == [1]
    assert match_sources(scene, "horn") == [1]
    assert match_sources(scene, "the barking of a dog") == [0]
    two = scene.with_sources([*scene.sources, Source("dog barking", audio=noise(0.1, 24000, 2), audio_sr=24000, at="left")])
    assert match_sources(two, "dog barking") == [0, 4]
    assert match_sources(two, "dog barking", at="left") == [4]
    with pytest.raises(ComposeError) as e:
        apply_step(scene, Step("remove", "thunder"))
    assert "'thunder'" in str(e.value) and "'rain falling'" in str(e.value)
    with pytest.raises(ComposeError, match="step 2"):
        apply_plan(scene, [Step("remove", "rain"), Step("volume", "rain", db=3)])


def test_mixture_ops():
    sr = 24000
    mix = noise(1.0, sr, 3, channels=2)
    louder = apply_to_mixture(mix, sr, Step("volume", "everything", db=6))
    np.testing.assert_allclose(louder, mix * 10 ** (6 / 20), rtol=1e-6)
    moved = apply_to_mixture(mix, sr, Step("direction", "my field recording", to="left"), item_label="My Field Recording")
    assert xcorr_lag(moved[0], moved[1]) == 14 and moved.shape == mix.shape
    darker = apply_to_mixture(mix, sr, Step("timbre", "the mix", quality="dark"))
    assert dsp.spectral_centroid(darker, sr) < 0.5 * dsp.spectral_centroid(mix, sr)
    shifted = apply_to_mixture(mix, sr, Step("shift", "it", seconds=0.1))
    np.testing.assert_array_equal(shifted[:, 2400:], mix[:, :-2400])
    added = apply_to_mixture(mix, sr, Step("add", "dog", to="right", db=0), clips={"dog": (noise(0.3, 16000, 4), 16000)})
    diff = added - mix
    assert np.max(np.abs(diff[1])) == pytest.approx(0.3 * 10 ** (-3 / 20), rel=1e-5)
    assert xcorr_lag(diff[0, :7200], diff[1, :7200]) == -14
    step = Step("remove", "traffic")
    assert not supports(step) and supports(Step("volume", "everything", db=3)) and supports(Step("add", "x", to="left"))
    with pytest.raises(NeedsSeparation) as e:
        apply_to_mixture(mix, sr, step)
    assert "separation" in str(e.value) and "--executor" in str(e.value)  # what to run it with
    assert isinstance(e.value, ComposeError) and isinstance(e.value, ValueError)


# --- device timbres (issue 11: "make it sound like a telephone" rendered muffled) ---------------

def tone(freq: float, sr: int, seconds: float = 1.0, amp: float = 0.1) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t))[None, :].astype(np.float32)


def band_db(x: np.ndarray, freq: float, sr: int) -> float:
    """Energy (dB) within ±3 % of ``freq``, past the filters' first quarter second."""
    y = np.asarray(x, dtype=np.float64).reshape(-1, x.shape[-1]).mean(axis=0)[sr // 4:]
    spec = np.abs(np.fft.rfft(y * np.hanning(y.size))) ** 2
    f = np.fft.rfftfreq(y.size, 1 / sr)
    return float(10 * np.log10(np.sum(spec[(f > 0.97 * freq) & (f < 1.03 * freq)]) + 1e-30))


def response_db(quality: str, freq: float, sr: int) -> float:
    x = tone(freq, sr)
    return band_db(dsp.timbre(x, quality, sr), freq, sr) - band_db(x, freq, sr)


@pytest.mark.parametrize("sr", [16000, 44100, 48000])
def test_telephone_keeps_the_telephone_band_and_cuts_the_rest(sr):
    assert abs(response_db("telephone", 1000, sr)) <= 3
    assert response_db("telephone", 100, sr) <= -20
    assert response_db("telephone", 6000, sr) <= -20
    assert response_db("muffled", 1000, sr) <= -20  # what "telephone" used to be mapped to


@pytest.mark.parametrize(("quality", "kept", "cut"), [
    ("radio", [1000], [100, 6000]),
    ("walkie-talkie", [1000], [100, 200, 6000]),
    ("megaphone", [700], [100, 10000]),
    ("underwater", [100, 200], [1000, 2000, 6000]),
    ("small speaker", [500, 1000], [50, 60]),
])
def test_device_timbres_keep_their_band_and_cut_the_rest(quality, kept, cut):
    sr = 48000
    for f in kept:
        assert abs(response_db(quality, f, sr)) <= 6, (quality, f)
    for f in cut:
        assert response_db(quality, f, sr) <= -20, (quality, f)


def test_walkie_talkie_is_narrower_than_telephone_and_radio_sits_between():
    sr = 48000
    for f in (300, 3000):
        assert response_db("walkie-talkie", f, sr) <= response_db("telephone", f, sr) - 3
        assert response_db("radio", f, sr) <= response_db("telephone", f, sr) - 1


def test_resonances_of_megaphone_and_small_speaker():
    sr = 48000
    assert response_db("megaphone", 1100, sr) >= response_db("megaphone", 600, sr) + 4
    assert response_db("small speaker", 2000, sr) >= response_db("small speaker", 500, sr) + 4


def harmonic_db(quality: str, sr: int = 48000, f0: float = 500.0) -> float:
    """Third harmonic against the fundamental after the effect (a linear filter has none)."""
    y = dsp.timbre(tone(f0, sr, amp=0.5), quality, sr)
    return band_db(y, 3 * f0, sr) - band_db(y, f0, sr)


def test_radio_walkie_talkie_and_megaphone_distort_telephone_less_and_filters_not_at_all():
    assert harmonic_db("bright") < -80 and harmonic_db("small speaker") < -80
    assert harmonic_db("telephone") < harmonic_db("radio") < harmonic_db("walkie-talkie")
    assert harmonic_db("radio") > -30 and harmonic_db("megaphone") > -25
    # the colour does not depend on the level: the saturation is relative to the signal's peak
    quiet = dsp.timbre(tone(500, 48000, amp=0.01), "megaphone", 48000)
    loud = dsp.timbre(tone(500, 48000, amp=0.5), "megaphone", 48000)
    np.testing.assert_allclose(quiet * 50, loud, atol=1e-5)


def test_underwater_wobbles_slowly_and_keeps_onsets_and_length():
    from scipy.signal import hilbert

    sr = 24000
    x = tone(200, sr, seconds=3.0)
    y = dsp.timbre(x, "underwater", sr)
    assert y.shape == x.shape and y.dtype == np.float32

    def wander(sig: np.ndarray) -> float:
        """Standard deviation (Hz) of the instantaneous frequency over the middle two seconds."""
        inst = np.diff(np.unwrap(np.angle(hilbert(sig[0].astype(np.float64))))) * sr / (2 * np.pi)
        return float(np.std(inst[sr // 2: -sr // 2]))

    assert wander(y) > 0.3  # a 200 Hz tone drifts (about ±1 Hz)...
    assert wander(dsp.timbre(x, "muffled", sr)) < 0.1  # ...where a plain low-pass leaves it steady
    click = np.zeros((1, sr), dtype=np.float32)
    click[0, 1000] = 1.0
    from scipy.signal import sosfilt

    filtered = sosfilt(dsp.timbre_sos("underwater", sr), click.astype(np.float64), axis=-1)
    assert onset(dsp.timbre(click, "underwater", sr)) - onset(filtered) in (0, 1)  # the wobble starts at 0 delay


@pytest.mark.parametrize("quality", ["telephone", "radio", "walkie-talkie", "underwater", "megaphone",
                                     "small speaker"])
def test_device_timbres_on_a_scene_and_on_a_whole_mixture(quality, tmp_path):
    sr = 24000
    voice = tone(1000, sr, seconds=1.0) + tone(100, sr, seconds=1.0)
    sf.write(tmp_path / "voice.wav", voice.T, sr, subtype="FLOAT")
    sf.write(tmp_path / "rain.wav", noise(1.0, sr, 5).T, sr, subtype="FLOAT")
    scene = Scene(sr, 1.0, [Source("man speaking", path=str(tmp_path / "voice.wav"), at="front"),
                            Source("rain", path=str(tmp_path / "rain.wav"), at="left")])
    step = Step.parse(f"change the timbre of the sound of man speaking to be more {quality}")
    assert step.quality == quality and Step.from_json(step.to_json()) == step
    after = apply_step(scene, step)
    assert after.sources[1] == scene.sources[1]  # the rain is untouched
    np.testing.assert_array_equal(source_audio(after, 0), dsp.timbre(source_audio(scene, 0), quality, sr))
    (tmp_path / "scene.json").write_text(json.dumps(after.to_json()))
    again = Scene.load(tmp_path / "scene.json")
    assert again.sources[0].effects == (("timbre", quality),)
    np.testing.assert_array_equal(render(again), render(after))
    mix = np.repeat(voice, 2, axis=0)
    whole = apply_to_mixture(mix, sr, Step("timbre", "the whole mix", quality=quality))
    assert whole.shape == mix.shape
    np.testing.assert_array_equal(whole, dsp.timbre(mix, quality, sr))
    if quality != "underwater":
        assert band_db(whole, 100, sr) <= band_db(mix, 100, sr) - 20


def test_executors_declare_their_qualities_and_refuse_what_they_cannot_render():
    from pathlib import Path

    from smartdj.bridge.language import QUALITIES, SMARTDJ_QUALITIES
    from smartdj.engine.execution.executors import (
        EXECUTOR_QUALITIES,
        DiffusionExecutor,
        ExecError,
        MixtureExecutor,
    )

    assert EXECUTOR_QUALITIES["composer"] == QUALITIES
    assert EXECUTOR_QUALITIES["diffusion"] == SMARTDJ_QUALITIES == ("bright", "dark", "warm", "cold", "muffled")
    steps = [Step("volume", "it", db=-3), Step("timbre", "it", quality="telephone")]
    diffusion = DiffusionExecutor(Path("unused"), {}, None)
    with pytest.raises(ExecError) as e:
        diffusion.check(steps, "mix")
    assert e.value.code == "unsupported_quality" and e.value.step == 2
    assert "'telephone'" in e.value.message and "--executor composer" in e.value.message
    diffusion.check([Step("timbre", "dog", quality="warm")], "mix")  # SmartDJ's own qualities pass
    MixtureExecutor("mix", None, 0).check(steps, "mix")  # the composer renders every quality
