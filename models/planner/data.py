"""Planner training data: (input mix audio, instruction, scene labels, canonical plan) examples.

Examples come from a synthesized dataset folder (``smartdj synth`` writes ``manifest.jsonl``
with one record per example; ``step_0.wav`` is the input mix). CLAP embeddings are computed
once per example (:func:`embed_examples`) so training never re-encodes audio.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from smartdj.bridge.language import Step, parse_step, step_from_json


@dataclass
class PlannerExample:
    instruction: str
    steps: list[str]  # canonical step texts (edits.Step.text)
    labels: list[str] = field(default_factory=list)  # sources in the input mix
    audio_path: str | None = None  # the input mix (step_0.wav)
    id: str = ""
    audio: tuple[np.ndarray, int] | None = None  # in-memory audio instead of a file


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
    from smartdj.engine.data.synth import SynthError, load_dataset

    root = Path(data_dir)
    out = []
    try:
        for n, rec in enumerate(load_dataset(root), 1):
            try:
                out.append(example_from_record(rec, rec.get("dir", root)))
            except (KeyError, ValueError) as e:
                raise ValueError(f"{root}: record {n}: unusable ({e})") from None
            if limit and len(out) >= limit:
                break
    except SynthError as e:
        raise FileNotFoundError(str(e)) from None
    if not out:
        raise ValueError(f"{root}: no examples")
    return out


def load_example_audio(ex: PlannerExample) -> tuple[np.ndarray, int] | None:
    if ex.audio is not None:
        return ex.audio
    if ex.audio_path is None:
        return None
    from smartdj.engine.audio.io import read_audio

    return read_audio(ex.audio_path)


def embed_examples(examples: list[PlannerExample], clap) -> list[torch.Tensor | None]:
    """CLAP window embeddings of every example's input mix (None where it has no audio)."""
    out: list[torch.Tensor | None] = []
    for ex in examples:
        audio = load_example_audio(ex)
        out.append(None if audio is None else clap.embed(*audio))
    return out


def corpus_texts(examples: list[PlannerExample]) -> list[str]:
    """Texts to train a small tokenizer on: prompts and plans, plus the template words."""
    from smartdj.bridge.language import LOCATIONS, QUALITIES
    from smartdj.models.planner.model import format_prompt, format_target

    texts = [format_prompt(ex.instruction, ex.labels) + format_target(ex.steps) for ex in examples]
    texts.append(" ".join(LOCATIONS + QUALITIES) + " up down dB seconds 0 1 2 3 4 5 6 7 8 9 . -")
    texts.append(format_target([]))  # the refusal line
    return texts
