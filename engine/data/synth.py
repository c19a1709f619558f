"""Data synthesis (SmartDJ's designer-composer): labelled clips -> scenes -> instruction, plan and
the audio after every step, for training the planner and the editor.

Dataset layout (one folder)::

    DIR/manifest.jsonl        one JSON record per line, in example order
    DIR/<id>/step_0.wav       the input mix (stereo float32 WAV at sample_rate)
    DIR/<id>/step_<k>.wav     the mix after plan step k (k = 1..len(plan))

Record format (``load_dataset`` yields these, with ``dir`` added: the dataset folder)::

    {"id": "000012",                       # also the example's folder name
     "seed": [S, 12],                      # numpy default_rng seed of this example
     "instruction": "Mute the dog barking, then add some rain on the right.",
     "plan": [step JSON, ...],             # edits.Step.to_json() (DESIGN section 3)
     "sample_rate": 24000, "seconds": 10.0,
     "scenes": [scene JSON, ...],          # before step 1, then after every step (len(plan)+1)
     "audio": ["000012/step_0.wav", ...],  # relative to DIR, one per scene
     "peaks": [0.41, ...]}                 # absolute peak of every step's audio (no normalisation)

Each scene is ``scene.Scene.to_json()``: ``{"sample_rate", "seconds", "sources": [{"path" (absolute
path of the clip; clips are never copied), "label", "at", "db", "offset", "peak" (the clip is
scaled to this peak before ``db``), "effects"}]}``; ``record_scenes(record)`` rebuilds them and
``scene.render`` re-renders ``audio[k]`` to float tolerance.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from smartdj.bridge.language import LOCATIONS
from smartdj.engine.audio import dsp
from smartdj.engine.audio.io import AudioError, info, new_temp_dir, write_text_atomic, write_wav_atomic
from smartdj.engine.compose.composer import apply_plan, render
from smartdj.engine.compose.scene import Scene, Source
from smartdj.engine.data.designer import design

AUDIO_EXTS = {".wav", ".flac", ".ogg", ".aif", ".aiff", ".mp3"}
MANIFEST = "manifest.jsonl"


class SynthError(ValueError):
    """Bad synthesis input (library, output folder, options), with how to fix it."""


@dataclass(frozen=True)
class Clip:
    path: str
    label: str
    seconds: float


def _label_from_name(name: str) -> str:
    stem = re.sub(r"^\d+[_\- ]*", "", Path(name).stem)
    return " ".join(stem.replace("_", " ").replace("-", " ").split())


def load_library(sources: str | os.PathLike) -> list[Clip]:
    """Labelled clips from a manifest CSV (``file,label`` columns, paths relative to the CSV) or
    a folder of audio files named by label (``03_rooster_crowing.wav`` -> "rooster crowing")."""
    p = Path(sources)
    rows: list[tuple[Path, str]] = []
    if p.is_dir():
        rows = [(f, _label_from_name(f.name)) for f in sorted(p.iterdir()) if f.suffix.lower() in AUDIO_EXTS]
    elif p.is_file():
        with p.open(newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"file", "label"} <= set(reader.fieldnames):
                raise SynthError(f"{p}: a sources manifest needs 'file' and 'label' columns "
                                 f"(found {reader.fieldnames}); or pass a folder of audio files")
            for i, row in enumerate(reader, 2):
                if not (row.get("file") or "").strip() or not (row.get("label") or "").strip():
                    raise SynthError(f"{p}:{i}: empty file or label")
                rows.append((p.parent / row["file"].strip(), " ".join(row["label"].split())))
    else:
        raise SynthError(f"{p}: no such manifest or folder; pass a CSV with file,label columns or a folder of clips")
    clips: dict[str, Clip] = {}
    for path, label in rows:
        try:
            meta = info(path)
        except AudioError as e:
            raise SynthError(str(e)) from None
        if label.casefold() not in clips:  # one clip per label keeps every target unambiguous
            clips[label.casefold()] = Clip(str(path.resolve()), label, meta.frames / float(meta.samplerate))
    if len(clips) < 3:
        raise SynthError(f"{p}: found {len(clips)} distinct labelled clips; synthesis needs at least 3")
    return list(clips.values())


def make_example(index: int, seed: int, clips: list[Clip], out_dir: str, sr: int = 24000, seconds: float = 10.0,
                 locations: tuple[str, ...] = LOCATIONS) -> dict:
    """Build, render and write one example; returns its manifest record."""
    rng = np.random.default_rng([seed, index])
    k = int(rng.integers(2, 6))
    chosen = [clips[i] for i in rng.choice(len(clips), size=min(k, len(clips) - 1), replace=False)]
    sources = [Source(label=c.label, path=c.path, at=locations[int(rng.integers(len(locations)))],
                      db=round(float(rng.uniform(-6.0, 0.0)), 1), peak=dsp.ADD_PEAK,
                      offset=round(float(rng.uniform(0.0, max(0.0, seconds - c.seconds))), 3))
               for c in chosen]
    scene = Scene(sr, seconds, sources)
    names = {c.label for c in chosen}
    pool = {c.label: c.path for c in clips if c.label not in names}
    instruction, steps = design([(s.label, s.at) for s in sources], list(pool), rng, locations=locations)
    scenes = [scene, *apply_plan(scene, steps, clips=pool, rng=rng)]
    ex_id = f"{index:06d}"
    out = Path(out_dir)
    tmp = new_temp_dir(out, f".{ex_id}.")  # mode from the umask, like the files in it
    try:
        peaks = []
        for j, s in enumerate(scenes):
            audio = render(s)
            peaks.append(round(float(np.max(np.abs(audio))), 6))
            write_wav_atomic(tmp / f"step_{j}.wav", audio, sr)
        final = out / ex_id
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"id": ex_id, "seed": [int(seed), int(index)], "instruction": instruction,
            "plan": [s.to_json() for s in steps], "sample_rate": sr, "seconds": seconds,
            "scenes": [s.to_json() for s in scenes], "audio": [f"{ex_id}/step_{j}.wav" for j in range(len(scenes))],
            "peaks": peaks}


def _job(args: tuple) -> dict:
    return make_example(*args)


def synthesize(sources: str | os.PathLike, out_dir: str | os.PathLike, count: int, seed: int = 0,
               sr: int = 24000, seconds: float = 10.0, workers: int = 2, locations: tuple[str, ...] = LOCATIONS,
               overwrite: bool = False, progress: bool | None = None) -> Path:
    """Write ``count`` examples and ``manifest.jsonl`` under ``out_dir``; returns the manifest path.

    Example ``i`` depends only on (seed, i), so the output is the same for any worker count.
    """
    if count < 1:
        raise SynthError(f"--count must be at least 1, got {count}")
    if not 8000 <= sr <= 192000:
        raise SynthError(f"--sr {sr} is not a usable sample rate (8000..192000)")
    if not 0.5 <= seconds <= 600:
        raise SynthError(f"--seconds {seconds} is out of range (0.5..600)")
    clips = load_library(sources)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / MANIFEST
    if manifest.exists() and not overwrite:
        raise SynthError(f"{out} already holds a dataset ({MANIFEST}); choose an empty folder or pass --overwrite")
    jobs = [(i, seed, clips, str(out), sr, seconds, tuple(locations)) for i in range(count)]
    if progress is None:
        progress = sys.stderr.isatty()
    from tqdm import tqdm

    bar = tqdm(total=count, unit="ex", disable=not progress, file=sys.stderr, desc="synth")
    records: list[dict] = []
    try:
        if workers <= 1:
            for j in jobs:
                records.append(_job(j))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for rec in pool.map(_job, jobs, chunksize=max(1, min(8, count // (4 * workers)))):
                    records.append(rec)
                    bar.update()
    finally:
        bar.close()
    write_text_atomic(manifest, "".join(json.dumps(rec) + "\n" for rec in records))
    return manifest


def load_dataset(path: str | os.PathLike) -> Iterator[dict]:
    """The records of a synthesized dataset, in order, each with ``dir`` (the dataset folder)."""
    p = Path(path)
    manifest = p / MANIFEST if p.is_dir() else p
    if not manifest.is_file():
        raise SynthError(f"{manifest}: no dataset manifest here; run 'smartdj synth --out {p}' first")
    with manifest.open() as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    raise SynthError(f"{manifest}:{n}: not valid JSON ({e})") from None
                rec["dir"] = str(manifest.parent)
                yield rec


def record_scenes(record: dict) -> list[Scene]:
    """The scenes of a record (before the plan, then after each step), ready to render."""
    return [Scene.from_json(s) for s in record["scenes"]]


def record_audio_paths(record: dict) -> list[Path]:
    return [Path(record["dir"]) / a for a in record["audio"]]
