"""Checkpoint folders: ``config.json`` (kind, format version, model config, metadata) + safetensors.

Saved and loaded like diffusers/transformers models. The folder is written under a temporary
name and renamed into place, so an interrupted save never leaves a half checkpoint.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

FORMAT = "smartdj-checkpoint"
FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"


class CheckpointError(ValueError):
    """A checkpoint folder that cannot be loaded, and why."""


def save_checkpoint(folder: str | os.PathLike, kind: str, config: dict, state_dict: dict | None = None,
                    meta: dict | None = None, extra_files: dict[str, dict] | None = None) -> Path:
    """Write ``folder`` atomically. ``extra_files`` maps file name -> state dict (more safetensors)."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind,
               "config": config, "meta": meta or {}}
        (tmp / CONFIG_NAME).write_text(json.dumps(doc, indent=2, sort_keys=True))
        files = dict(extra_files or {})
        if state_dict is not None:
            files[WEIGHTS_NAME] = state_dict
        for name, sd in files.items():
            save_file({k: v.detach().contiguous().cpu() for k, v in sd.items()}, str(tmp / name))
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def read_config(folder: str | os.PathLike, kind: str | None = None) -> dict:
    """The checked ``config.json`` document of a checkpoint folder."""
    folder = Path(folder)
    cfg = folder / CONFIG_NAME
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: no such checkpoint folder")
    if not cfg.is_file():
        raise CheckpointError(f"{folder}: not a SmartDJ checkpoint (no {CONFIG_NAME})")
    try:
        doc = json.loads(cfg.read_text())
    except ValueError as e:
        raise CheckpointError(f"{cfg}: unreadable JSON ({e})") from None
    if doc.get("format") != FORMAT:
        raise CheckpointError(f"{folder}: not a SmartDJ checkpoint (format {doc.get('format')!r})")
    if doc.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{folder}: checkpoint format version {doc.get('format_version')!r}; this SmartDJ "
                              f"reads version {FORMAT_VERSION}. Upgrade SmartDJ or re-export the checkpoint")
    if kind is not None and doc.get("kind") != kind:
        raise CheckpointError(f"{folder}: holds a {doc.get('kind')!r} model, expected {kind!r}")
    return doc


def load_checkpoint(folder: str | os.PathLike, kind: str | None = None,
                    weights: str = WEIGHTS_NAME) -> tuple[dict, dict[str, Any]]:
    """``(config document, state dict)``; the state dict is loaded on the CPU."""
    from safetensors.torch import load_file

    doc = read_config(folder, kind)
    path = Path(folder) / weights
    if not path.is_file():
        raise CheckpointError(f"{folder}: missing weights file {weights}")
    try:
        sd = load_file(str(path), device="cpu")
    except Exception as e:  # safetensors raises several types for truncated/corrupt files
        raise CheckpointError(f"{path}: corrupt or truncated weights ({e})") from None
    return doc, sd
