"""Planner training data: (input mix audio, instruction, scene labels, canonical plan) examples.

Examples come from a synthesized dataset folder (``smartdj synth`` writes ``manifest.jsonl``
with one record per example; ``step_0.wav`` is the input mix), read by ``models/dataset.py``.
CLAP embeddings are computed once per example (:func:`embed_examples`), from the mix downmixed
and read at the encoder's rate, so training never re-encodes audio.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from smartdj.bridge.language import Step, parse_step, step_from_json
from smartdj.models.dataset import read_records, read_wav


@dataclass
class PlannerExample:
    instruction: str
    steps: list[str]  # canonical step texts (edits.Step.text)
    labels: list[str] = field(default_factory=list)  # sources in the input mix
    audio_path: str | None = None  # the input mix (step_0.wav)
    id: str = ""
    audio: tuple[np.ndarray, int] | None = None  # in-memory audio instead of a file (at the encoder's rate)


def _step_text(item: object) -> str:
    if isinstance(item, Step):
        return item.text
    if isinstance(item, str):
        return parse_step(item).text
    if isinstance(item, dict):
        if item.get("op"):
            return step_from_json(item).text
        return parse_step(item["text"]).text
    raise ValueError(f"cannot read a plan step from {item!r}")


def _labels(rec: dict) -> list[str]:
    if rec.get("labels"):
        return [str(x) for x in rec["labels"]]
    sources = rec.get("sources")
    if sources is None and isinstance(rec.get("scene"), dict):
        sources = rec["scene"].get("sources")
    if sources is None and isinstance(rec.get("scenes"), list) and rec["scenes"]:
        sources = rec["scenes"][0].get("sources")  # the input mix: the scene before step 1
    out = []
    for s in sources or []:
        label = s.get("label") if isinstance(s, dict) else getattr(s, "label", s)
        if label:
            out.append(str(label))
    return out


def _audio_path(rec: dict, root: Path) -> str | None:
    for key in ("input", "input_wav", "mix", "audio"):
        v = rec.get(key)
        if isinstance(v, list) and v:
            v = v[0]
        if isinstance(v, dict):
            v = v.get("path") or v.get("file")
        if isinstance(v, str) and v.endswith(".wav"):
            p = Path(v) if Path(v).is_absolute() else root / v
            if p.is_file():
                return str(p)
    for key in ("steps_audio", "step_files", "wavs", "files"):
        v = rec.get(key)
        if isinstance(v, list) and v and isinstance(v[0], str):
            p = Path(v[0]) if Path(v[0]).is_absolute() else root / v[0]
            if p.is_file():
                return str(p)
    for sub in (rec.get("dir"), rec.get("folder"), rec.get("id")):
        if isinstance(sub, str):
            p = root / sub / "step_0.wav"
            if p.is_file():
                return str(p)
    return None


def example_from_record(rec: dict, root: str | os.PathLike) -> PlannerExample:
    plan = rec.get("plan", rec.get("steps"))
    if isinstance(plan, dict):
        plan = plan.get("steps")
    return PlannerExample(instruction=str(rec["instruction"]), steps=[_step_text(s) for s in plan or []],
                          labels=_labels(rec), audio_path=_audio_path(rec, Path(root)),
                          id=str(rec.get("id", rec.get("name", ""))))


def load_examples(data_dir: str | os.PathLike, limit: int | None = None) -> list[PlannerExample]:
    """Examples of a synthesized dataset folder (``manifest.jsonl``)."""
    root = Path(data_dir)
    out = []
    for n, rec in enumerate(read_records(root), 1):
        try:
            out.append(example_from_record(rec, root))
        except (KeyError, ValueError) as e:
            raise ValueError(f"{root}: record {n}: unusable ({e})") from None
        if limit and len(out) >= limit:
            break
    if not out:
        raise ValueError(f"{root}: no examples")
    return out


def load_example_audio(ex: PlannerExample, sr: int) -> np.ndarray | None:
    """The example's input mix, mono, at ``sr`` (the CLAP encoder's rate); None when it has none."""
    if ex.audio is not None:
        audio, rate = ex.audio
        if int(rate) != int(sr):
            raise ValueError(f"example {ex.id!r}: in-memory audio at {rate} Hz; the encoder takes {sr} Hz "
                             f"(resample it first)")
        a = np.asarray(audio, dtype=np.float32)
        return (a[None] if a.ndim == 1 else a).mean(axis=0, keepdims=True)
    if ex.audio_path is None:
        return None
    return read_wav(ex.audio_path, sr, mono=True)


def embed_examples(examples: list[PlannerExample], clap) -> list[torch.Tensor | None]:
    """CLAP window embeddings of every example's input mix (None where it has no audio)."""
    sr = clap.sampling_rate
    out: list[torch.Tensor | None] = []
    for ex in examples:
        audio = load_example_audio(ex, sr)
        out.append(None if audio is None else clap.embed(audio, sr))
    return out


def corpus_texts(examples: list[PlannerExample]) -> list[str]:
    """Texts to train a small tokenizer on: prompts and plans, plus the template words."""
    from smartdj.bridge.language import LOCATIONS, QUALITIES
    from smartdj.models.planner.model import format_prompt, format_target

    texts = [format_prompt(ex.instruction, ex.labels) + format_target(ex.steps) for ex in examples]
    texts.append(" ".join(LOCATIONS + QUALITIES) + " up down dB seconds 0 1 2 3 4 5 6 7 8 9 . -")
    texts.append(format_target([]))  # the refusal line
    return texts
