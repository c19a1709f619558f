"""Training pairs for the editor from a synthesized dataset (``smartdj synth``'s output).

A dataset folder holds ``manifest.jsonl``, one record per example with the instruction, the
``plan`` (steps with ``"text"``) and the audio after every step (``step_0.wav`` = input,
``step_k.wav`` = after step k). Reading is lenient about where the audio paths live: a list
under ``audio``/``step_audio``/``steps_audio``/``audio_files``/``files``/``wavs``, a per-step
``audio`` entry in the plan plus an ``input``, or a folder (``dir``/``path``/``id``) of
``step_*.wav``. Pair k is (audio before step k, step k's text, audio after step k).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from smartdj.models.dataset import MANIFEST, as_stereo, read_records, read_wav

_LIST_KEYS = ("audio", "step_audio", "steps_audio", "audio_files", "files", "wavs", "step_files")


@dataclass(frozen=True)
class EditPair:
    source: str  # wav path before the step
    target: str  # wav path after the step
    text: str
    example: str  # example id (pairs of one example share a split)


def _step_files(rec: dict, root: Path) -> list[Path] | None:
    for key in _LIST_KEYS:
        v = rec.get(key)
        if isinstance(v, list) and v and all(isinstance(p, str) for p in v):
            return [root / p for p in v]
        if isinstance(v, dict) and v:  # {"step_0": path, ...} or {"0": path}
            items = sorted(v.items(), key=lambda kv: int("".join(c for c in kv[0] if c.isdigit()) or 0))
            return [root / p for _, p in items]
    plan = rec.get("plan") or rec.get("steps") or []
    first = rec.get("input") or rec.get("input_audio") or rec.get("source")
    if first and plan and all(isinstance(s, dict) and s.get("audio") for s in plan):
        return [root / first] + [root / s["audio"] for s in plan]
    for key in ("dir", "path", "folder", "id"):
        v = rec.get(key)
        if isinstance(v, str) and (root / v).is_dir():
            files = sorted((root / v).glob("step_*.wav"), key=lambda p: int(p.stem.split("_")[-1]))
            if files:
                return files
    return None


def _step_texts(rec: dict) -> list[str]:
    plan = rec.get("plan") or rec.get("steps") or []
    out = []
    for s in plan:
        if isinstance(s, str):
            out.append(s)
        elif isinstance(s, dict):
            out.append(str(s.get("text") or s.get("step_text") or s.get("instruction") or ""))
    return out


def record_pairs(rec: dict, root: Path, index: int) -> list[EditPair]:
    files, texts = _step_files(rec, root), _step_texts(rec)
    ex = str(rec.get("id", index))
    if not files or not texts:
        return []
    k = min(len(texts), len(files) - 1)
    return [EditPair(str(files[i]), str(files[i + 1]), texts[i], ex) for i in range(k) if texts[i]]


def split_records(n: int, val_fraction: float = 0.1) -> tuple[list[int], list[int]]:
    """Deterministic split: the last ``round(val_fraction*n)`` records (at least 1 when n >= 5) are held out."""
    n_val = max(1, round(val_fraction * n)) if n >= 5 and val_fraction > 0 else 0
    return list(range(n - n_val)), list(range(n - n_val, n))


def load_pairs(data_dir: str | os.PathLike, val_fraction: float = 0.1) -> tuple[list[EditPair], list[EditPair]]:
    """``(train pairs, held-out pairs)``, split by example."""
    root = Path(data_dir)
    recs = read_records(root)
    tr, va = split_records(len(recs), val_fraction)
    train = [p for i in tr for p in record_pairs(recs[i], root, i)]
    val = [p for i in va for p in record_pairs(recs[i], root, i)]
    if not train:
        raise ValueError(f"{data_dir}: no (before, step text, after) pairs found in {MANIFEST}")
    return train, val


class AudioStore:
    """Stereo float32 audio at one rate, read once and kept in memory."""

    def __init__(self, sample_rate: int):
        self.sr = sample_rate
        self._cache: dict[str, np.ndarray] = {}

    def get(self, path: str) -> np.ndarray:
        if path not in self._cache:
            self._cache[path] = as_stereo(read_wav(path, self.sr))
        return self._cache[path]


def crop_pair(src: np.ndarray, tgt: np.ndarray, length: int, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """The same random ``length``-sample crop of both (zero-padded when shorter)."""
    n = min(src.shape[-1], tgt.shape[-1])
    start = rng.randint(0, n - length) if n > length else 0

    def cut(a: np.ndarray) -> np.ndarray:
        a = a[:, start:start + length]
        return np.pad(a, ((0, 0), (0, length - a.shape[-1]))) if a.shape[-1] < length else a

    return cut(src), cut(tgt)


def cache_key(pair: EditPair, codec_cfg: dict) -> str:
    h = hashlib.sha1(json.dumps([pair.source, pair.target, codec_cfg], sort_keys=True).encode()).hexdigest()
    return h[:20]
