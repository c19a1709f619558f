"""The DeepFilterNet3 ctypes adapter (models/separators/dfn3.py) on the real bundled model (~10 s on one core)."""
import os

import numpy as np
import pytest
from conftest import SHARED
from smartdj.models.separators import dfn3

SPEECH = str(SHARED / "audio" / "dev" / "26_woman_speaking_weasels_have_eaten.wav")


@pytest.fixture(scope="module")
def model():
    with dfn3.DFN3(fresh_state=True) as m:
        yield m


def _speechlike(n=96000, seed=0):
    if os.path.exists(SPEECH):
        sf = pytest.importorskip("soundfile")
        x, sr = sf.read(SPEECH, dtype="float32")
        if sr != 48000:
            soxr = pytest.importorskip("soxr")
            x = soxr.resample(x, sr, 48000).astype(np.float32)
        return x
    # fallback: amplitude-modulated harmonic tone
    t = np.arange(n) / 48000
    env = (np.sin(2 * np.pi * 3 * t) > 0).astype(np.float32)
    return (0.3 * env * sum(np.sin(2 * np.pi * 200 * k * t) / k for k in range(1, 15))).astype(np.float32)


def test_shape_dtype_and_alignment(model):
    x = _speechlike()[None]
    y = model.enhance(x)
    assert y.shape == x.shape and y.dtype == np.float32
    c = np.correlate(y[0], x[0], "full")
    assert np.argmax(c) - (x.shape[1] - 1) == 0
    assert np.dot(y[0], x[0]) / np.linalg.norm(y[0]) / np.linalg.norm(x[0]) > 0.95


def test_noise_is_suppressed(model):
    rng = np.random.default_rng(0)
    s = _speechlike()
    b = (0.1 * rng.standard_normal(s.shape)).astype(np.float32)
    y = model.enhance((s + b)[None])[0]
    err_in, err_out = np.sum(b ** 2), np.sum((y - s) ** 2)
    assert err_out < 0.25 * err_in


def test_1d_stereo_empty_and_short(model):
    x = _speechlike()
    assert model.enhance(x).shape == x.shape
    st = np.stack([x, 0.5 * x])
    assert model.enhance(st).shape == st.shape
    assert model.enhance(st, downmix=True).shape == st.shape
    assert model.enhance(np.zeros((2, 0), np.float32)).shape == (2, 0)
    assert model.enhance(x[None, :7]).shape == (1, 7)


def test_atten_lim(model):
    x = _speechlike()[None]
    assert np.array_equal(model.enhance(x, 0.0), x)
    with pytest.raises(ValueError):
        model.enhance(x, -1.0)
    with pytest.raises(ValueError):
        model.enhance(x, float("nan"))


def test_nan_input_does_not_poison(model):
    x = _speechlike()[None].copy()
    x[0, 100] = np.nan
    assert np.isfinite(model.enhance(x)).all()


def test_fresh_state_is_deterministic(model):
    x = _speechlike()[None]
    assert np.array_equal(model.enhance(x), model.enhance(x))


def test_stream_matches_enhance(model):
    x = np.stack([_speechlike(), 0.7 * _speechlike()]).astype(np.float32)
    ref = model.enhance(x, 12.0)
    rng = np.random.default_rng(1)
    with dfn3.DFN3Stream(2, atten_lim_db=12.0) as stream:
        outs, i = [], 0
        while i < x.shape[1]:
            k = int(rng.integers(1, 5000))
            outs.append(stream.process(x[:, i:i + k]))
            i += k
        outs.append(stream.flush())
    assert np.array_equal(np.concatenate(outs, axis=1), ref)


def test_closed_and_bad_path():
    m = dfn3.DFN3()
    m.close()
    m.close()  # idempotent
    with pytest.raises(RuntimeError):
        m.enhance(np.zeros((1, 480), np.float32))
    with pytest.raises(FileNotFoundError):
        dfn3.DFN3(model_path="/nonexistent/model.tar.gz")


def test_module_enhance():
    x = _speechlike()[None]
    assert dfn3.enhance(x).shape == x.shape
