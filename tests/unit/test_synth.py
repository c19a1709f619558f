"""Data synthesis through the real CLI: records re-render, output is seed-deterministic, inputs are checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import SHARED
from smartdj.bridge.language import plan_from_json
from smartdj.engine.compose.composer import render
from smartdj.engine.data.designer import check_plan
from smartdj.engine.data.synth import (
    SynthError,
    load_dataset,
    load_library,
    record_audio_paths,
    record_scenes,
    synthesize,
)

DEV = SHARED / "audio" / "dev" / "manifest.csv"
needs_dev = pytest.mark.skipif(not DEV.is_file(), reason=f"{DEV} not present (sibling 'shared' folder of the checkout)")


@needs_dev
def test_cli_synth_and_rerender(tmp_path):
    out = tmp_path / "ds"
    proc = subprocess.run([sys.executable, "-m", "smartdj.engine.cli.main", "synth", "--sources", str(DEV), "--out", str(out),
                           "--count", "8", "--seed", "3", "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["count"] == 8
    records = list(load_dataset(out))
    assert [r["id"] for r in records] == [f"{i:06d}" for i in range(8)]
    labels = {c.label for c in load_library(DEV)}
    for rec in records:
        steps = plan_from_json(rec["plan"])
        scenes = record_scenes(rec)
        assert 2 <= len(steps) <= 4 and len(scenes) == len(steps) + 1 == len(rec["audio"])
        assert rec["instruction"] and rec["sample_rate"] == 24000 and rec["seconds"] == 10.0
        first = [(s.label, s.at) for s in scenes[0].sources]
        assert 2 <= len(first) <= 5
        assert check_plan(first, labels - {lab for lab, _ in first}, steps) == []
        for src in scenes[0].sources:
            assert Path(src.path).is_absolute() and Path(src.path).parent == DEV.parent  # a path, no copy
            assert -6 <= src.db <= 0 and 0 <= src.offset <= 10
        for scene, path in zip(scenes, record_audio_paths(rec), strict=True):
            audio, sr = sf.read(path, dtype="float32", always_2d=True)
            assert sr == 24000 and audio.shape == (240000, 2)
            np.testing.assert_allclose(render(scene), audio.T, atol=1e-6)
        assert rec["peaks"][0] == pytest.approx(float(np.max(np.abs(render(scenes[0])))), abs=1e-5)
    assert not list(out.glob(".*"))  # no temporaries left behind
    again = subprocess.run([sys.executable, "-m", "smartdj.engine.cli.main", "synth", "--sources", str(DEV), "--out", str(out),
                            "--count", "2"], capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "already holds a dataset" in again.stderr


@needs_dev
def test_same_seed_same_data_for_any_worker_count(tmp_path):
    synthesize(DEV, tmp_path / "one", 6, seed=11, workers=1)
    synthesize(DEV, tmp_path / "two", 6, seed=11, workers=2)
    a = (tmp_path / "one" / "manifest.jsonl").read_text()
    b = (tmp_path / "two" / "manifest.jsonl").read_text()
    assert a == b
    for rec in load_dataset(tmp_path / "one"):
        for rel in rec["audio"]:
            # samples, not bytes: libsndfile's PEAK chunk in float WAVs carries a timestamp
            np.testing.assert_array_equal(sf.read(tmp_path / "one" / rel, dtype="float32")[0],
                                          sf.read(tmp_path / "two" / rel, dtype="float32")[0])
    synthesize(DEV, tmp_path / "other", 6, seed=12, workers=2)
    assert (tmp_path / "other" / "manifest.jsonl").read_text() != a


def test_folder_library_and_bad_input(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    rng = np.random.default_rng(0)
    for name, ch, rate in [("01_dog_barking.wav", 1, 16000), ("rain-falling.wav", 2, 44100),
                           ("03_car_horn.flac", 1, 22050), ("piano.wav", 2, 48000)]:
        sf.write(lib / name, (rng.standard_normal((int(0.7 * rate), ch)) * 0.1).astype(np.float32), rate)
    (lib / "notes.txt").write_text("not audio")
    assert sorted(c.label for c in load_library(lib)) == ["car horn", "dog barking", "piano", "rain falling"]
    synthesize(lib, tmp_path / "ds", 3, seed=0, sr=16000, seconds=2.0, workers=1)
    for rec in load_dataset(tmp_path / "ds"):
        audio, sr = sf.read(tmp_path / "ds" / rec["audio"][-1], dtype="float32")
        assert sr == 16000 and audio.shape == (32000, 2)
    with pytest.raises(SynthError, match="no such manifest or folder"):
        load_library(tmp_path / "missing")
    bad = tmp_path / "bad.csv"
    bad.write_text("path,name\na.wav,x\n")
    with pytest.raises(SynthError, match="'file' and 'label' columns"):
        load_library(bad)
    with pytest.raises(SynthError, match="--count"):
        synthesize(lib, tmp_path / "x", 0)
    with pytest.raises(SynthError, match="no dataset manifest"):
        list(load_dataset(tmp_path / "nowhere"))
