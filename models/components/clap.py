"""Frozen CLAP audio encoder (transformers ``ClapModel``): windowed embeddings and zero-shot tags.

An item arrives at the encoder's rate (:attr:`ClapEncoder.sampling_rate`, 48 kHz for LAION CLAP;
the engine's adapter resamples), is downmixed to mono, cut into windows (default 5 s with a
2.5 s hop) and encoded to ``[n_windows, dim]`` normalized embeddings: the audio prefix of the
planner. With real CLAP weights the encoder also tags the item zero-shot: cosine similarity of
the whole-item embedding against text embeddings of a label vocabulary (labels the caller gives,
e.g. read from a file with :func:`read_labels`, plus :data:`COMMON_EVENTS`).

Weights load from a local folder, from the user's Hugging Face cache (``local_files_only``),
or from an original LAION-CLAP ``.pt`` checkpoint converted on load (:func:`convert_laion_state_dict`).
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

DEFAULT_CLAP = "laion/clap-htsat-unfused"

COMMON_EVENTS = (
    "dog barking", "cat meowing", "bird singing", "rooster crowing", "cow mooing", "horse neighing",
    "frog croaking", "bee buzzing", "insects buzzing", "rain falling", "thunder", "wind blowing",
    "water flowing", "ocean waves", "fire crackling", "car engine", "car horn", "siren", "train",
    "airplane flying", "helicopter", "footsteps", "door knocking", "door slamming", "clock ticking",
    "bell ringing", "phone ringing", "typing on a keyboard", "vacuum cleaner", "washing machine",
    "toilet flushing", "hammering", "sawing", "applause", "crowd cheering", "laughter", "baby crying",
    "man speaking", "woman speaking", "children playing", "singing", "music", "piano", "guitar",
    "violin", "trumpet", "flute", "drums", "snare drum", "fireworks", "gunshot", "explosion",
)


def read_labels(path: str | os.PathLike) -> list[str]:
    """Labels from a file: a CSV with a ``label`` column (a clips manifest), or one label a line."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such label file (a CSV with a 'label' column, or one label a line)")
    text = p.read_text(encoding="utf-8")
    first = text.splitlines()[0] if text.strip() else ""
    if "," in first and "label" in [c.strip() for c in first.split(",")]:
        return [row["label"].strip() for row in csv.DictReader(text.splitlines()) if (row.get("label") or "").strip()]
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def label_vocabulary(*groups: list[str] | None) -> list[str]:
    """The labels of ``groups`` in order, then :data:`COMMON_EVENTS`, each once."""
    seen: dict[str, None] = {}
    for label in [*(lb for g in groups for lb in (g or [])), *COMMON_EVENTS]:
        seen.setdefault(label, None)
    return list(seen)


# ---- original LAION-CLAP -> transformers key mapping (as in transformers' conversion script) ----
_KEY_MAP = {
    "text_branch": "text_model",
    "audio_branch": "audio_model.audio_encoder",
    "attn": "attention.self",
    "self.proj": "output.dense",
    "attention.self_mask": "attn_mask",
    "mlp.fc1": "intermediate.dense",
    "mlp.fc2": "output.dense",
    "norm1": "layernorm_before",
    "norm2": "layernorm_after",
    "bn0": "batch_norm",
}
_IGNORE = ("text_transform",)


def convert_laion_state_dict(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename an original LAION-CLAP state dict to ``ClapModel`` keys (audio qkv split in three)."""
    out: dict[str, torch.Tensor] = {}
    for key, value in sd.items():
        key = key.removeprefix("module.")
        if any(ig in key for ig in _IGNORE) or "spectrogram_extractor" in key or "logmel_extractor" in key:
            continue
        for old, new in _KEY_MAP.items():
            if old in key:
                key = key.replace(old, new)
        m = re.match(r".*sequential\.(\d+).*", key)
        if m:
            key = key.replace(f"sequential.{m.group(1)}.", f"layers.{int(m.group(1)) // 3}.linear.")
        else:
            m = re.match(r".*_projection\.(\d+).*", key)
            if m:
                key = key.replace(f"_projection.{m.group(1)}.", f"_projection.linear{1 if m.group(1) == '0' else 2}.")
        if "audio" in key and "qkv" in key:
            q, k, v = value.chunk(3, dim=0)
            out[key.replace("qkv", "query")], out[key.replace("qkv", "key")] = q, k
            out[key.replace("qkv", "value")] = v
        else:
            out[key] = value
    return out


def tiny_clap_config() -> tuple[dict, dict]:
    """(ClapConfig kwargs, feature-extractor kwargs) of a ~0.3M-parameter random CLAP for tests."""
    audio = dict(spec_size=32, num_mel_bins=16, patch_size=4, patch_stride=(4, 4), window_size=2,
                 depths=[1, 1], num_attention_heads=[2, 2], patch_embeds_hidden_size=16, hidden_size=32,
                 projection_dim=32, num_hidden_layers=2)
    text = dict(vocab_size=384, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                intermediate_size=64, projection_dim=32, max_position_embeddings=64)
    clap = dict(audio_config=audio, text_config=text, projection_dim=32)
    fe = dict(feature_size=16, sampling_rate=16000, hop_length=1600, max_length_s=5, fft_window_size=1024,
              frequency_min=50, frequency_max=8000,
              truncation="rand_trunc", padding="repeatpad")
    return clap, fe


class ClapEncoder(nn.Module):
    """A frozen ``ClapModel`` with its feature extractor; ``pretrained`` enables zero-shot tagging."""

    def __init__(self, model: Any, feature_extractor: Any, *, window_s: float = 5.0, hop_s: float = 2.5,
                 tokenizer: Any = None, source: dict | None = None, pretrained: bool = False):
        super().__init__()
        self.model = model.eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.feature_extractor = feature_extractor
        self.tokenizer = tokenizer
        self.window_s, self.hop_s = float(window_s), float(hop_s)
        self.source = source or {}
        self.pretrained = pretrained
        self._label_cache: tuple[tuple[str, ...], torch.Tensor] | None = None

    @property
    def dim(self) -> int:
        return int(self.model.config.projection_dim)

    @property
    def sampling_rate(self) -> int:
        return int(self.feature_extractor.sampling_rate)

    def train(self, mode: bool = True) -> ClapEncoder:  # always frozen, always eval
        super().train(False)
        return self

    def to_config(self) -> dict:
        return {**self.source, "window_s": self.window_s, "hop_s": self.hop_s}

    # ---- audio -> embeddings ----
    def _mono(self, audio: np.ndarray, sr: int) -> np.ndarray:
        if int(sr) != self.sampling_rate:
            raise ValueError(f"audio at {sr} Hz; this CLAP encoder takes {self.sampling_rate} Hz (resample it first: "
                             "the engine's ALM adapter does)")
        a = np.asarray(audio, dtype=np.float32)
        if a.ndim == 1:
            a = a[None]
        return a.mean(axis=0, keepdims=True)[0]

    def windows(self, audio: np.ndarray, sr: int) -> list[np.ndarray]:
        x = self._mono(audio, sr)
        win, hop = int(self.window_s * self.sampling_rate), max(1, int(self.hop_s * self.sampling_rate))
        if x.size <= win:
            return [x if x.size else np.zeros(win, np.float32)]
        starts = list(range(0, x.size - win + 1, hop))
        if starts[-1] + win < x.size:
            starts.append(x.size - win)
        return [x[s:s + win] for s in starts]

    @torch.no_grad()
    def _embed(self, clips: list[np.ndarray]) -> torch.Tensor:
        # rand_trunc crops clips longer than max_length_s at random: clips here never are
        feats = self.feature_extractor(clips, sampling_rate=self.sampling_rate, return_tensors="pt",
                                       truncation="rand_trunc", padding="repeatpad")
        device = next(self.model.parameters()).device
        out = self.model.get_audio_features(input_features=feats["input_features"].to(device))
        emb = out.pooler_output if hasattr(out, "pooler_output") else out
        return emb.float().cpu()

    def embed(self, audio: np.ndarray, sr: int) -> torch.Tensor:
        """``[n_windows, dim]`` unit-norm CLAP embeddings of an item (``[channels, n]`` or ``[n]`` at
        :attr:`sampling_rate`)."""
        return self._embed(self.windows(audio, sr))

    # ---- zero-shot tags ----
    @torch.no_grad()
    def text_embeddings(self, labels: list[str]) -> torch.Tensor:
        if self.tokenizer is None:
            raise RuntimeError("this CLAP encoder has no text tokenizer; zero-shot tagging needs real CLAP weights")
        key = tuple(labels)
        if self._label_cache is None or self._label_cache[0] != key:
            device = next(self.model.parameters()).device
            chunks = []
            for i in range(0, len(labels), 64):
                tok = self.tokenizer([f"the sound of {lb}" for lb in labels[i:i + 64]], padding=True,
                                     return_tensors="pt").to(device)
                out = self.model.get_text_features(**tok)
                chunks.append((out.pooler_output if hasattr(out, "pooler_output") else out).float().cpu())
            self._label_cache = (key, torch.nn.functional.normalize(torch.cat(chunks), dim=-1))
        return self._label_cache[1]

    def tag(self, audio: np.ndarray | None = None, sr: int | None = None, *, embeddings: torch.Tensor | None = None,
            vocabulary: list[str] | None = None, top_k: int = 5, threshold: float = 0.2) -> list[str]:
        """Sound events the item likely contains (best first); empty without real CLAP weights."""
        if not self.pretrained or self.tokenizer is None:
            return []
        emb = self.embed(audio, sr) if embeddings is None else embeddings
        vocab = vocabulary or label_vocabulary()
        text = self.text_embeddings(vocab)
        # a label counts if any window matches it (events are often short), ranked by best window
        sims = (torch.nn.functional.normalize(emb, dim=-1) @ text.T).max(dim=0).values
        order = torch.argsort(sims, descending=True)[:top_k]
        return [vocab[i] for i in order.tolist() if sims[i] >= threshold]


def build_clap(spec: dict | str | None = None, *, window_s: float | None = None,
               hop_s: float | None = None) -> ClapEncoder:
    """A CLAP encoder from a spec: ``"tiny"``, a name/folder/``.pt`` path, or a saved :meth:`to_config`.

    ``{"config": {...}, "feature_extractor": {...}}`` builds a random model (weights loaded by the
    caller); ``{"name_or_path": ...}`` loads pretrained weights without touching the network.
    """
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel

    if spec is None:
        spec = DEFAULT_CLAP
    if isinstance(spec, str):
        if spec == "tiny":
            clap, fe = tiny_clap_config()
            spec = {"config": clap, "feature_extractor": fe, "window_s": 5.0, "hop_s": 2.5}
        else:
            spec = {"name_or_path": spec}
    spec = dict(spec)
    ws = window_s if window_s is not None else spec.get("window_s", 5.0)
    hs = hop_s if hop_s is not None else spec.get("hop_s", ws / 2)
    if "config" in spec:
        model = ClapModel(ClapConfig(**spec["config"]))
        fe = ClapFeatureExtractor(**spec["feature_extractor"])
        src = {"config": spec["config"], "feature_extractor": spec["feature_extractor"], "embedded": True}
        return ClapEncoder(model, fe, window_s=ws, hop_s=hs, source=src, pretrained=False)
    name = str(spec["name_or_path"])
    if name.endswith((".pt", ".ckpt", ".pth")):
        return _from_laion_checkpoint(name, ws, hs)
    from transformers import AutoTokenizer

    try:
        model = ClapModel.from_pretrained(name, local_files_only=True)
        fe = ClapFeatureExtractor.from_pretrained(name, local_files_only=True)
    except OSError as e:
        raise FileNotFoundError(f"CLAP weights {name!r} are not available offline (a local folder or the Hugging "
                                f"Face cache): {e}. Download them once with `huggingface-cli download "
                                f"{DEFAULT_CLAP}` or pass --clap PATH") from None
    fe.truncation = "rand_trunc"
    tok = None
    try:
        tok = AutoTokenizer.from_pretrained(name, local_files_only=True)
        if len(tok) < 1000:  # transformers 5 may return an empty tokenizer offline
            tok = None
    except (OSError, ValueError):
        tok = None
    return ClapEncoder(model, fe, window_s=ws, hop_s=hs, tokenizer=tok,
                       source={"name_or_path": name, "embedded": False}, pretrained=True)


def _from_laion_checkpoint(path: str, window_s: float, hop_s: float) -> ClapEncoder:
    """Convert an original LAION-CLAP (HTSAT-tiny + RoBERTa, unfused) checkpoint on load."""
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel

    raw = torch.load(path, map_location="cpu", weights_only=False)
    sd = raw.get("state_dict", raw) if isinstance(raw, dict) else raw
    model = ClapModel(ClapConfig())
    missing, unexpected = model.load_state_dict(convert_laion_state_dict(sd), strict=False)
    # position_ids buffers are not in the original; anything else means an unsupported variant
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ValueError(f"{path}: not a LAION-CLAP HTSAT unfused checkpoint ({len(missing)} missing keys, e.g. "
                         f"{missing[:3]}; {len(unexpected)} unexpected, e.g. {unexpected[:3]})")
    fe = ClapFeatureExtractor(truncation="rand_trunc")
    return ClapEncoder(model, fe, window_s=window_s, hop_s=hop_s,
                       source={"name_or_path": path, "embedded": False}, pretrained=True)
