"""A scene file's offsets are delays from the scene's start (DESIGN section 5), while REAPER's items carry
timeline positions: both render where they say, checked sample by sample against an independent rendering."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import soundfile as sf
from conftest import PYTHON

SR = 16000


def _clips(tmp_path) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    clips = {"rain": (rng.standard_normal(SR // 2) * 0.1).astype(np.float32),
             "bell": (np.sin(2 * np.pi * 440 * np.arange(SR // 4) / SR) * 0.2).astype(np.float32)}
    for name, x in clips.items():
        sf.write(tmp_path / f"{name}.wav", x, SR, subtype="FLOAT")
    return clips


def _contract(clips: dict, sources: list[tuple[str, float, float]], seconds: float) -> np.ndarray:
    """Section 5 by hand: each mono clip delayed by ``offset`` s, scaled by ``db``, at front (both channels)."""
    n = int(round(seconds * SR))
    out = np.zeros(n, dtype=np.float64)
    for name, offset, db in sources:
        x = clips[name].astype(np.float64) * 10 ** (db / 20)
        start = int(round(offset * SR))
        end = min(n, start + x.size)
        out[start:end] += x[: end - start]
    return np.stack([out, out])


def test_scene_file_offsets_are_delays_from_the_scene_start(running_engine, tmp_path):
    clips = _clips(tmp_path)
    scene = {"sample_rate": SR, "seconds": 1.0, "sources": [
        {"path": "rain.wav", "label": "rain", "at": "front", "db": 0.0, "offset": 0.25},
        {"path": "bell.wav", "label": "bell", "at": "front", "db": -3.0, "offset": 0.5}]}
    (tmp_path / "scene.json").write_text(json.dumps(scene))
    out = subprocess.run([PYTHON, "-m", "smartdj.engine.cli.main", "edit", "--scene", str(tmp_path / "scene.json"),
                          "turn down the volume of rain by 6 dB", "--out-dir", str(tmp_path / "out"),
                          "--engine", running_engine.zmq, "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert [s["text"] for s in doc["steps"]] == ["turn down the volume of rain by 6 dB"]
    got, sr = sf.read(doc["renders"][0]["path"], dtype="float32", always_2d=True)
    want = _contract(clips, [("rain", 0.25, -6.0), ("bell", 0.5, -3.0)], 1.0)
    assert sr == SR and got.shape == (SR, 2)
    assert np.max(np.abs(got.T - want)) < 1e-6
    assert np.all(got[: SR // 4] == 0)  # nothing before the first source's offset


def test_reaper_items_start_the_scene_at_the_earliest_position(running_engine, tmp_path):
    clips = _clips(tmp_path)
    items = [{"path": str(tmp_path / "rain.wav"), "label": "rain", "id": "r", "at": "front", "position": 10.25},
             {"path": str(tmp_path / "bell.wav"), "label": "bell", "id": "b", "at": "front", "db": -3.0,
              "position": 10.5}]
    with running_engine.client() as c:
        job = c.submit(items, "", str(tmp_path / "out"), scene=True, plan=["turn down the volume of rain by 6 dB"],
                       seconds=1.0)
        seen: list[dict] = []
        final = c.wait(job, on_event=seen.append, timeout=60)
    assert final["type"] == "done", final
    path = next(e["path"] for e in seen if e["type"] == "step_done")
    got, _ = sf.read(path, dtype="float32", always_2d=True)
    want = _contract(clips, [("rain", 0.0, -6.0), ("bell", 0.25, -3.0)], 1.0)
    assert np.max(np.abs(got.T - want)) < 1e-6
