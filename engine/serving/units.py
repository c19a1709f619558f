"""The typed work units of one job (an item, or a whole scene) and how they are read from the job's spec.

A unit is what gets planned once and edited step by step: an :class:`ItemUnit` is one file slice
whose sources are unknown; a :class:`SceneUnit` is the known sources of one scene (id ``scene``).
Items are read through :class:`~smartdj.engine.serving.paths.PathPolicy`, so a file swapped for a
symlink, or truncated, after submit is refused here with ``bad_audio`` instead of being read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from smartdj.engine.execution.executors import ExecError
from smartdj.engine.serving.paths import PathPolicy, PathRefused


class Cancelled(Exception):
    """The client cancelled the job."""


class Interrupted(Exception):
    """The engine is stopping; the job stays active and resumes at the next start."""


@dataclass
class ItemUnit:
    """One file slice, edited as a whole (mixture ops, diffusion, separation)."""

    id: str
    label: str
    audio: np.ndarray = field(repr=False)
    sr: int


@dataclass
class SceneUnit:
    """The known sources of one scene, edited exactly by the composer; renders belong to ``scene``."""

    scene: object  # compose.scene.Scene (imported lazily: numpy-only jobs never need it up front)
    labels: list[str]
    id: str = "scene"
    label: str = ""

    @property
    def sr(self) -> int:
        return int(self.scene.sample_rate)


Unit = ItemUnit | SceneUnit


@dataclass(frozen=True)
class StepDone:
    """A step an earlier run of the job finished: its render is the next step's input."""

    item: str
    step: int
    path: str


def slug(text: str, limit: int = 48) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return s[:limit].rstrip("_") or "step"


def safe_name(item_id: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", item_id).strip("._") or "item"
    return s[:80]


def render_path(out_dir: str, job: str, item: str, k: int, text: str) -> Path:
    return Path(out_dir) / job / safe_name(item) / f"step_{k}_{slug(text)}.wav"


def read_item(item: dict, policy: PathPolicy, downmix: bool | None = False) -> tuple[np.ndarray, int]:
    """Read one item's slice (checked against the allow-list now, not only at submit).

    ``downmix`` None keeps the channels as they are (a scene source placed by ``at``);
    otherwise the audio is made stereo. An input that shrank since submit, or that is shorter
    than the item asks for, is ``bad_audio`` with what changed.
    """
    from smartdj.engine.audio.io import AudioError, read_audio, to_stereo

    where = f"item {item['id']}"
    try:
        with policy.opened(item["path"], f"{where}: input") as (path, st):
            size = item.get("size")
            if isinstance(size, int) and st.st_size < size:
                raise ExecError("bad_audio", f"{where}: {item['path']} shrank from {size} to {st.st_size} bytes since "
                                "the job was submitted (truncated or replaced); submit it again", item=item["id"])
            audio, sr = read_audio(path, item["start"], item["length"])
        if downmix is not None:
            audio = to_stereo(audio, downmix=bool(downmix), name=item["path"])
    except PathRefused as e:
        raise ExecError(e.code, str(e), item=item["id"]) from None
    except AudioError as e:
        raise ExecError("bad_audio", f"{where}: {str(e).replace(str(path), item['path'])}", item=item["id"]) from None
    except (OSError, RuntimeError, ValueError) as e:  # an unreadable file, a library error
        raise ExecError("bad_audio", f"{where}: {item['path']} could not be read ({type(e).__name__}: {e})",
                        item=item["id"]) from None
    if audio.shape[-1] == 0:
        raise ExecError("bad_audio", f"{where}: the slice is empty", item=item["id"])
    if item["length"] is not None and audio.shape[-1] < int(round(item["length"] * sr)) - 1:
        raise ExecError("bad_audio", f"{where}: {item['path']} holds only {audio.shape[-1] / sr:.3f} s from "
                        f"{item['start']:g} s, shorter than the item's {item['length']:g} s", item=item["id"])
    if not np.isfinite(audio).all():
        raise ExecError("bad_audio", f"{where}: {item['path']} contains NaN or infinite samples", item=item["id"])
    return audio, sr


def load_item(item: dict, options: dict, policy: PathPolicy) -> ItemUnit:
    from smartdj.engine.compose.library import label_from_name

    audio, sr = read_item(item, policy, options.get("downmix", False))
    # an unlabelled item is named after its file ("10_rain_falling.wav" -> "rain falling")
    label = item["label"] or label_from_name(Path(item["path"]))
    return ItemUnit(id=item["id"], label=label, audio=audio, sr=sr)


def load_scene(spec: dict, policy: PathPolicy) -> SceneUnit:
    """The scene of a scene job: each item a source, placed by the one rule in ``compose.scene``."""
    from smartdj.engine.compose.scene import ComposeError, scene_from_items

    downmix = spec["options"].get("downmix", False)
    loaded = [(it, *read_item(it, policy, downmix if it["at"] is None else None)) for it in spec["items"]]
    try:
        scene = scene_from_items(loaded, spec.get("sample_rate"), spec.get("seconds"), spec.get("origin"))
    except ComposeError as e:
        raise ExecError("invalid", f"scene: {e}") from None
    return SceneUnit(scene=scene, labels=[s.label for s in scene.sources])
