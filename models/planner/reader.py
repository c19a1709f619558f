"""The learned clause reader: what one clause of a request asks for, read by a small network in numpy.

Input is one clause with every source name replaced by ``<x>``. Features are hashed words, word
pairs and letter 3-5-grams (a typo keeps most of its grams) plus the clause's static MiniLM
embedding (models/components/static_embedding.py: words never seen in training still land near
their meaning). One hidden layer feeds five heads: operation, place, tone, amount word, complaint.
Training (models/training/reader.py) is torch; reading is numpy only, so the planner starts fast.
The config is saved beside the weights with a format version.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from smartdj.models.components.static_embedding import StaticEmbedding

FORMAT_VERSION = 1
CONFIG = "reader_config.json"
WEIGHTS = "reader.npz"
PLACEHOLDER = "<x>"  # engine/data/phrasing.py writes the same token (models import nothing from the engine)
_TOKEN = re.compile(r"<x>|[+-]?\d+(?:\.\d+)?|[a-z]+(?:'[a-z]+)?|[^\sa-z\d]")


@dataclass
class ReaderConfig:
    heads: dict[str, list[str]]
    buckets: int = 1 << 15
    hidden: int = 48
    static_dim: int = 64
    grams: tuple[int, int] = (3, 5)
    format_version: int = FORMAT_VERSION
    trained_on: dict = field(default_factory=dict)

    @classmethod
    def tiny(cls, heads: dict[str, list[str]]) -> ReaderConfig:
        """A debug size for tests: trains in seconds."""
        return cls(heads=heads, buckets=1 << 12, hidden=32)


def tokens(text: str) -> list[str]:
    """Lower-case words, numbers as ``<n>`` (keeping a written sign: ``<+n>``), the placeholder kept."""
    out = []
    for t in _TOKEN.findall(text.lower()):
        if t[0].isdigit():
            out.append("<n>")
        elif t[0] in "+-" and len(t) > 1:
            out.append(f"<{t[0]}n>")
        else:
            out.append(t)
    return out


def _hash(feature: str, buckets: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) % buckets


def feature_ids(text: str, config: ReaderConfig) -> list[int]:
    """Hashed ids of the clause's words, word pairs and letter n-grams."""
    toks = tokens(text)
    feats = [f"w:{t}" for t in toks] + [f"b:{a}_{b}" for a, b in zip(["^"] + toks, toks + ["$"], strict=True)]
    lo, hi = config.grams
    for t in toks:
        if t.isalpha() and len(t) >= 3:
            w = f"^{t}$"
            feats.extend(f"c:{w[i:i + n]}" for n in range(lo, hi + 1) for i in range(len(w) - n + 1))
    return [_hash(f, config.buckets) for f in feats] or [_hash("w:<empty>", config.buckets)]


def static_text(text: str) -> str:
    """What the static embedding reads: the words, without the placeholder and numbers."""
    return " ".join(t for t in tokens(text) if t.isalpha())


class Reader:
    """Reads clauses: ``read(texts)`` gives, per clause, each head's label and probability."""

    def __init__(self, config: ReaderConfig, arrays: dict[str, np.ndarray], static: StaticEmbedding | None):
        self.config = config
        self.arrays = {k: v.astype(np.float32) for k, v in arrays.items()}
        self.static = static

    def hidden(self, texts: list[str]) -> np.ndarray:
        a = self.arrays
        bags = np.stack([a["bucket"][feature_ids(t, self.config)].mean(axis=0) for t in texts])
        h = bags + a["bias"]
        if self.static is not None and "project" in a:
            s = np.stack([self.static.embed(static_text(t)) for t in texts])
            h = h + s @ a["project"]
        return np.maximum(h, 0.0)

    def read(self, texts: list[str]) -> list[dict[str, tuple[str, float]]]:
        if not texts:
            return []
        h = self.hidden(texts)
        out: list[dict[str, tuple[str, float]]] = [{} for _ in texts]
        for name, classes in self.config.heads.items():
            logits = h @ self.arrays[f"head_{name}"] + self.arrays[f"head_{name}_bias"]
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            for i, row in enumerate(p):
                k = int(row.argmax())
                out[i][name] = (classes[k], float(row[k]))
        return out

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / CONFIG).write_text(json.dumps(asdict(self.config), indent=1), encoding="utf-8")
        np.savez_compressed(folder / WEIGHTS, **{k: v.astype(np.float16) for k, v in self.arrays.items()})
        if self.static is not None:
            self.static.save(folder)
        return folder

    @classmethod
    def load(cls, folder: Path) -> Reader:
        raw = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
        if raw.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{folder}: reader format {raw.get('format_version')}, this version reads "
                             f"{FORMAT_VERSION}; retrain with `smartdj train reader`")
        raw["grams"] = tuple(raw["grams"])
        config = ReaderConfig(**raw)
        with np.load(folder / WEIGHTS, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        table = folder / "static_embedding.npz"
        static = StaticEmbedding.load(table) if table.exists() else None
        return cls(config, arrays, static)
