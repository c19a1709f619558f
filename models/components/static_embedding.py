"""Static word-piece embeddings distilled from a sentence encoder: the encoder's knowledge without loading it.

Each word piece of the encoder's vocabulary is passed through the encoder once, alone
(``[CLS] piece [SEP]``, mean pooled), and the vectors are reduced by PCA and stored int8 with a scale per
row (Model2Vec's idea). Reading a text is then a WordPiece split and a mean of rows: numpy only,
microseconds, no torch. ``distill`` (in models/training/static_embedding.py) writes the table.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
TABLE = "static_embedding.npz"


def basic_words(text: str) -> list[str]:
    """BERT's basic split: lower case, accents off, punctuation as its own word."""
    text = unicodedata.normalize("NFD", text.lower())
    out, cur = [], []
    for ch in text:
        if unicodedata.category(ch) == "Mn":
            continue
        if ch.isspace():
            if cur:
                out.append("".join(cur))
                cur = []
        elif unicodedata.category(ch).startswith("P") or not ch.isalnum():
            if cur:
                out.append("".join(cur))
                cur = []
            out.append(ch)
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


class StaticEmbedding:
    """A word-piece table: ``vocab`` (pieces, ``##`` marks a continuation) and int8 rows with their scales."""

    def __init__(self, vocab: list[str], rows: np.ndarray, scales: np.ndarray, source: str = ""):
        self.vocab = vocab
        self.index = {p: i for i, p in enumerate(vocab)}
        self.rows = rows
        self.scales = scales.astype(np.float32)
        self.dim = int(rows.shape[1])
        self.source = source

    def pieces(self, word: str, max_chars: int = 40) -> list[int]:
        """Greedy longest-match WordPiece ids of one word (empty when it cannot be split)."""
        if len(word) > max_chars:
            return []
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.index:
                    ids.append(self.index[piece])
                    break
                end -= 1
            if end == start:
                return []
            start = end
        return ids

    def embed(self, text: str) -> np.ndarray:
        """Mean of the rows of the text's pieces, unit length; zeros when nothing is known."""
        ids = [i for w in basic_words(text) for i in self.pieces(w)]
        if not ids:
            return np.zeros(self.dim, np.float32)
        v = (self.rows[ids].astype(np.float32) * self.scales[ids, None]).mean(axis=0)
        n = float(np.linalg.norm(v))
        return v / n if n > 0 else v

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / TABLE
        meta = json.dumps({"format_version": FORMAT_VERSION, "source": self.source, "dim": self.dim})
        np.savez_compressed(path, rows=self.rows, scales=self.scales.astype(np.float16),
                            vocab=np.array("\n".join(self.vocab)), meta=np.array(meta))
        return path

    @classmethod
    def load(cls, path: Path) -> StaticEmbedding:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"{path}: static embedding format {meta.get('format_version')}, expected "
                                 f"{FORMAT_VERSION}; re-run `smartdj train reader --distill`")
            return cls(str(z["vocab"]).split("\n"), z["rows"], z["scales"], meta.get("source", ""))


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and float scales with ``rows * scale ~= vectors``."""
    scale = np.abs(vectors).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    return np.round(vectors / scale[:, None]).astype(np.int8), scale.astype(np.float32)
