"""One stereo dialogue item in REAPER (the double), nothing downloaded: the separation executor (DFN3) edits the
voice and the background inside it, and each step arrives as a take that does what the step says."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

sys.path.insert(0, str(Path(__file__).parent / "reaper_double"))
import reaper_host  # noqa: E402
import reaper_python as rp  # noqa: E402
from conftest import SHARED  # noqa: E402
from session import Reaper  # noqa: E402

SMARTDJ = str(Path(sys.executable).with_name("smartdj"))
SR = 48000
SPEECH = ["26_woman_speaking_weasels_have_eaten.wav", "27_woman_speaking_you_are_currently.wav"]


@pytest.fixture
def reaper(tmp_path, engine_factory):
    engine = engine_factory()
    r = Reaper(tmp_path, engine.osc_port, smartdj=SMARTDJ, state_dir=str(engine.state_dir))
    yield r
    reaper_host.stop_all()


@pytest.fixture
def dialogue(tmp_path):
    """A stereo dialogue take (voice front-ish, 0.9 on the right) over stereo noise at 0 dB SNR, and its truth."""
    from smartdj.engine.audio.io import read_audio

    dev = SHARED / "audio" / "dev"
    if not all((dev / f).is_file() for f in SPEECH):
        pytest.skip("the dev speech clips are not here")
    mono = np.concatenate([read_audio(dev / f, sr=SR)[0][:1] for f in SPEECH], axis=1)
    voice = np.vstack([mono, 0.9 * mono]).astype(np.float32)
    rng = np.random.default_rng(7)
    noise = rng.standard_normal(voice.shape).astype(np.float32)
    noise *= np.float32(np.sqrt(np.sum(voice ** 2) / np.sum(noise ** 2)))
    path = tmp_path / "interview.wav"
    sf.write(path, (voice + noise).T, SR, subtype="FLOAT")
    return path, voice, noise


def _takes(item: rp.Item) -> list[tuple[str, np.ndarray]]:
    return [(t.name, sf.read(t.source.path, dtype="float32", always_2d=True)[0].T)
            for t in item.takes if t.name.startswith("SmartDJ ")]


def _gains_db(x: np.ndarray, voice: np.ndarray, noise: np.ndarray) -> tuple[float, float]:
    a = np.stack([voice.reshape(-1), noise.reshape(-1)], axis=1).astype(np.float64)
    (gv, gn), *_ = np.linalg.lstsq(a, x.reshape(-1).astype(np.float64), rcond=None)
    return 20 * np.log10(gv), 20 * np.log10(max(gn, 1e-9))


def _edit(reaper, dialogue, instruction: str, take_name: str):
    """One stereo dialogue item (its take named as REAPER would), edited through the Edit action."""
    path, voice, noise = dialogue
    item = rp.add_item(reaper.track("dialogue"), str(path), length=voice.shape[1] / SR, name=take_name)
    reaper.run("edit", [[instruction]], max_seconds=240)
    assert reaper.errors() == [] and reaper.state.boxes == []
    return _takes(item), voice, noise


def test_remove_the_background_noise(reaper, dialogue):
    ((name, out),), voice, noise = _edit(reaper, dialogue, "remove the background noise", "dialogue.wav")
    assert name == "SmartDJ 1/1: remove the sound of background noise"
    assert out.shape == voice.shape
    mix = voice + noise
    assert np.sum((out - voice) ** 2) < 0.25 * np.sum((mix - voice) ** 2)  # the noise is >6 dB down
    gv, gn = _gains_db(out, voice, noise)
    assert abs(gv) < 1.5 and gn < -10


def test_turn_the_voice_up_3_db_and_put_it_on_the_left(reaper, dialogue):
    ((n1, up), (n2, left)), voice, noise = _edit(reaper, dialogue, "turn the voice up 3 dB and put it on the left",
                                                "dialogue")
    assert n1 == "SmartDJ 1/2: turn up the volume of voice by 3 dB"
    assert n2 == "SmartDJ 2/2: change the sound of voice to left"
    gv, gn = _gains_db(up, voice, noise)
    assert 1.5 < gv < 3.5 and abs(gn) < 1.0  # the voice comes up, the noise stays where it was
    # step 2: the voice (out minus the untouched noise) now leads on the left: right is later and quieter
    moved = left - noise
    lags = list(range(-48, 49))
    corr = [float(np.dot(moved[0, 48:-48], np.roll(moved[1], -k)[48:-48])) for k in lags]
    assert lags[int(np.argmax(corr))] == 28  # 0.583 ms at 48 kHz: SmartDJ's far-ear delay
    before = 10 * np.log10(np.sum(voice[1] ** 2) / np.sum(voice[0] ** 2))
    after = 10 * np.log10(np.sum(moved[1] ** 2) / np.sum(moved[0] ** 2))
    assert after < before - 2.0
