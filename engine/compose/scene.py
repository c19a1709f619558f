"""The scene model (DESIGN section 5): known sources of one mix, their JSON form, and rendering.

A :class:`Source` is one clip (a file, or audio handed over at runtime) with where it sits in
time (``offset``), how loud it is (``db``, plus an optional peak normalisation ``peak``), where
it sits in space (``at``; null = an already placed stereo stem used as is), and the effects
edits have put on it (reverb, timbre, in order). A :class:`Scene` is the sum of its sources cut
or padded to ``seconds`` at ``sample_rate``.

Rendering goes clip -> (mono unless ``at`` is null) -> resample -> peak -> effects -> pan ->
place at ``offset``; the result of each stage is cached (LRU, bounded by bytes), keyed by
everything it depends on, so re-rendering a scene after one edit only redoes the edited
source and a gain-weighted sum.
"""

from __future__ import annotations

import json
import math
import os
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from smartdj.bridge.language import LOCATIONS, QUALITIES
from smartdj.engine.audio import dsp
from smartdj.engine.audio.io import read_audio, resample, to_mono, to_stereo
from smartdj.engine.config import cache_budget_bytes

MAX_SECONDS = 3600.0


class ComposeError(ValueError):
    """A scene or an edit the composer cannot carry out, with what is wrong and how to fix it."""


class SceneError(ComposeError):
    """A scene description (JSON) that is not valid; the message names the field."""


Effect = tuple[str, object]  # ("reverb", level) or ("timbre", quality)


@dataclass(frozen=True)
class Source:
    """One sound event of a scene. ``audio``/``audio_sr`` carry runtime audio instead of a file."""

    label: str
    path: str | None = None
    offset: float = 0.0
    db: float = 0.0
    at: str | None = "front"
    peak: float | None = None
    effects: tuple[Effect, ...] = ()
    audio: np.ndarray | None = field(default=None, repr=False, compare=False)
    audio_sr: int | None = None
    audio_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.audio is not None:
            a = np.asarray(self.audio, dtype=np.float32)
            if a.ndim == 1:
                a = a[None, :]
            if a.ndim != 2 or a.shape[0] == 0:
                raise SceneError(f"source {self.label!r}: audio must be [channels, samples], got shape {a.shape}")
            a.setflags(write=False)
            object.__setattr__(self, "audio", a)
            if not self.audio_sr or self.audio_sr <= 0:
                raise SceneError(f"source {self.label!r}: runtime audio needs its sample rate (audio_sr)")
            if self.audio_key is None:
                object.__setattr__(self, "audio_key", uuid.uuid4().hex)
        elif not self.path:
            raise SceneError(f"source {self.label!r}: give a 'path' to its audio file")
        if self.at is not None and self.at not in LOCATIONS:
            raise SceneError(f"source {self.label!r}: 'at' {self.at!r} is not one of {', '.join(LOCATIONS)} or null")

    @property
    def gain(self) -> float:
        return dsp.db_to_gain(self.db)

    def to_json(self) -> dict:
        obj: dict = {"path": self.path, "label": self.label, "at": self.at, "db": round(self.db, 6),
                     "offset": round(self.offset, 6)}
        if self.peak is not None:
            obj["peak"] = self.peak
        if self.effects:
            obj["effects"] = [{"op": "reverb", "level": v} if op == "reverb" else {"op": "timbre", "quality": v}
                              for op, v in self.effects]
        return obj

    @classmethod
    def from_json(cls, obj: object, where: str = "source") -> Source:
        if not isinstance(obj, dict):
            raise SceneError(f"{where}: expected an object with path, label, at, db, offset")
        unknown = set(obj) - {"path", "label", "at", "db", "offset", "peak", "effects", "gain"}
        if unknown:
            raise SceneError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        label = obj.get("label")
        if not isinstance(label, str) or not label.strip():
            raise SceneError(f"{where}.label: missing; name the sound (e.g. 'dog barking')")
        path = obj.get("path")
        if not isinstance(path, str) or not path:
            raise SceneError(f"{where}.path: missing; give the audio file of {label!r}")
        at = obj.get("at", "front")
        if at is not None:
            if not isinstance(at, str) or " ".join(at.lower().replace("-", " ").split()) not in LOCATIONS:
                raise SceneError(f"{where}.at: {at!r} is not one of {', '.join(LOCATIONS)} or null")
            at = " ".join(at.lower().replace("-", " ").split())
        db = _num(f"{where}.db", obj.get("db", obj.get("gain", 0.0)), -120.0, 60.0)
        offset = _num(f"{where}.offset", obj.get("offset", 0.0), -MAX_SECONDS, MAX_SECONDS)
        peak = obj.get("peak")
        if peak is not None:
            peak = _num(f"{where}.peak", peak, 1e-6, 100.0)
        effects: list[Effect] = []
        for i, e in enumerate(obj.get("effects") or []):
            w = f"{where}.effects[{i}]"
            if isinstance(e, dict) and e.get("op") == "reverb":
                effects.append(("reverb", _num(f"{w}.level", e.get("level"), 0.0, 10.0)))
            elif isinstance(e, dict) and e.get("op") == "timbre" and e.get("quality") in QUALITIES:
                effects.append(("timbre", e["quality"]))
            else:
                raise SceneError(f"{w}: expected {{'op': 'reverb', 'level': N}} or "
                                 f"{{'op': 'timbre', 'quality': one of {', '.join(QUALITIES)}}}, got {e!r}")
        return cls(label=" ".join(label.split()), path=path, offset=offset, db=db, at=at, peak=peak,
                   effects=tuple(effects))


def _num(where: str, value: object, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SceneError(f"{where}: expected a number, got {value!r}")
    if not lo <= value <= hi:
        raise SceneError(f"{where}: {value} is out of range [{lo:g}, {hi:g}]")
    return float(value)


@dataclass(frozen=True)
class Scene:
    """Known sources of one mix. Immutable: edits return new scenes (sources are shared)."""

    sample_rate: int
    seconds: float
    sources: tuple[Source, ...] = ()
    base_dir: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.sample_rate, bool) or not isinstance(self.sample_rate, (int, np.integer)) \
                or not 1000 <= int(self.sample_rate) <= 768000:
            raise SceneError(f"sample_rate: expected an integer rate in Hz such as 48000, got {self.sample_rate!r}")
        if isinstance(self.seconds, bool) or not isinstance(self.seconds, (int, float)) \
                or not 0 < self.seconds <= MAX_SECONDS:
            raise SceneError(f"seconds: expected a length in (0, {MAX_SECONDS:g}] seconds, got {self.seconds!r}")
        object.__setattr__(self, "sample_rate", int(self.sample_rate))
        object.__setattr__(self, "seconds", float(self.seconds))
        object.__setattr__(self, "sources", tuple(self.sources))

    @property
    def n_samples(self) -> int:
        return int(round(self.seconds * self.sample_rate))

    @property
    def labels(self) -> list[str]:
        return [s.label for s in self.sources]

    def with_sources(self, sources) -> Scene:
        return replace(self, sources=tuple(sources))

    def resolve(self, source: Source) -> Path:
        p = Path(os.path.expanduser(source.path))
        if not p.is_absolute() and self.base_dir is not None:
            p = Path(self.base_dir) / p
        return p

    def to_json(self) -> dict:
        return {"sample_rate": self.sample_rate, "seconds": self.seconds,
                "sources": [s.to_json() for s in self.sources]}

    @classmethod
    def from_json(cls, obj: object, base_dir: str | os.PathLike | None = None) -> Scene:
        if not isinstance(obj, dict):
            raise SceneError("scene: expected an object with sample_rate, seconds and sources")
        if "sources" not in obj or not isinstance(obj["sources"], list):
            raise SceneError("sources: expected a list of {path, label, at, db, offset}")
        sources = [Source.from_json(s, f"sources[{i}]") for i, s in enumerate(obj["sources"])]
        return cls(sample_rate=obj.get("sample_rate", 48000), seconds=obj.get("seconds", 10.0),
                   sources=tuple(sources), base_dir=None if base_dir is None else str(base_dir))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Scene:
        p = Path(path)
        try:
            obj = json.loads(p.read_text())
        except FileNotFoundError:
            raise SceneError(f"{p}: no such scene file") from None
        except json.JSONDecodeError as e:
            raise SceneError(f"{p}: not valid JSON ({e})") from None
        return cls.from_json(obj, base_dir=p.parent)

    def render(self) -> np.ndarray:
        return render(self)


# --- scenes handed over as job items (the engine) and scene files handed to the engine (the CLI) ---------

def scene_from_items(loaded: list[tuple[dict, np.ndarray, int]], sample_rate: int | None = None,
                     seconds: float | None = None, origin: float | None = None) -> Scene:
    """The scene of a job's items ``(item, audio, sr)``: each item one source, with runtime audio.

    An item's ``position`` is where it starts on a timeline; the scene starts at ``origin``. A scene
    file sends its ``offset`` as the position and origin 0 (the delay from the scene's start, as
    section 5 says); REAPER sends timeline positions and no origin, and the scene then starts at
    the earliest item (an item without a position sits at 0). Default rate: the highest item rate;
    default length: the end of the last source.
    """
    if origin is None:
        origin = min((it["position"] or 0.0 for it, _, _ in loaded), default=0.0)
    rate = int(sample_rate or max(sr for _, _, sr in loaded))
    sources, end = [], 0.0
    for it, audio, sr in loaded:
        offset = it["position"] - origin if it["position"] is not None else 0.0
        end = max(end, offset + audio.shape[-1] / sr)
        label = it["label"] or Path(it["path"]).stem
        try:
            sources.append(Source(label=label, audio=audio, audio_sr=sr, at=it["at"], db=it["db"],
                                  offset=offset, path=it["path"]))
        except ComposeError as e:
            raise SceneError(f"item {it['id']}: {e}") from None
    return Scene(sample_rate=rate, seconds=seconds or max(end, 1.0 / rate), sources=tuple(sources))


def scene_submit_fields(path: str | os.PathLike) -> tuple[list[dict], dict]:
    """A scene file as a submit's ``items`` and scene fields (parsed by :meth:`Scene.load`, the one parser).

    Offsets travel as positions with ``origin`` 0, so the engine renders each source exactly
    ``offset`` seconds after the scene's start.
    """
    scene = Scene.load(path)
    if not scene.sources:
        raise SceneError(f"{path}: the scene has no sources; add at least one")
    items = []
    for i, src in enumerate(scene.sources):
        if src.peak is not None or src.effects:
            raise SceneError(f"{path}: sources[{i}] ({src.label}) carries 'peak' or 'effects', which the engine "
                             "does not take in a submit; render it with the composer in-process, or remove them")
        items.append({"path": str(scene.resolve(src).resolve()), "label": src.label, "id": str(i),
                      "at": src.at, "db": src.db, "position": src.offset})
    return items, {"scene": True, "sample_rate": scene.sample_rate, "seconds": scene.seconds, "origin": 0.0}


# --- rendering with caches -----------------------------------------------------------------

class _LRU:
    """A thread-safe LRU of numpy arrays bounded by total bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._d: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            v = self._d.get(key)
            if v is not None:
                self._d.move_to_end(key)
            return v

    def put(self, key, value: np.ndarray) -> np.ndarray:
        value.setflags(write=False)
        with self._lock:
            if key in self._d:
                return self._d[key]
            self._d[key] = value
            self.bytes += value.nbytes
            while self.bytes > self.max_bytes and len(self._d) > 1:
                _, old = self._d.popitem(last=False)
                self.bytes -= old.nbytes
        return value

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
            self.bytes = 0


# One budget for both caches (config: a small share of the machine's memory unless set): a third
# for decoded clips, the rest for processed stems.
_clips = _LRU(cache_budget_bytes() // 3)
_stems = _LRU(cache_budget_bytes() - cache_budget_bytes() // 3)


def clear_cache(clips: bool = True) -> None:
    """Forget processed stems (and, with ``clips``, the decoded and resampled clips)."""
    _stems.clear()
    if clips:
        _clips.clear()


def _clip_key(scene: Scene, src: Source) -> tuple:
    if src.audio is not None:
        return ("mem", src.audio_key, scene.sample_rate)
    p = scene.resolve(src)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ComposeError(f"source {src.label!r}: audio file {p} not found; fix its path in the scene") from None
    return ("file", str(p.resolve()), st.st_mtime_ns, st.st_size, scene.sample_rate)


def _clip(scene: Scene, src: Source, key: tuple) -> np.ndarray:
    got = _clips.get(key)
    if got is not None:
        return got
    if src.audio is not None:
        audio = resample(src.audio, int(src.audio_sr), scene.sample_rate)
    else:
        audio, _ = read_audio(scene.resolve(src), sr=scene.sample_rate)
    return _clips.put(key, np.ascontiguousarray(audio, dtype=np.float32))


def _dry(scene: Scene, src: Source) -> tuple[tuple, np.ndarray]:
    """Clip -> mono (if placed by ``at``) -> peak -> effects, before panning and placement."""
    ck = _clip_key(scene, src)
    mono = src.at is not None
    key = ("dry", ck, mono, src.peak, src.effects)
    got = _stems.get(key)
    if got is not None:
        return key, got
    x = _clip(scene, src, ck)
    if mono:
        x = to_mono(x)
    elif x.shape[0] != 2:
        x = to_stereo(x, downmix=True, name=f"source {src.label!r}")
    if src.peak is not None:
        x = dsp.normalize_peak(x, src.peak)
    for op, value in src.effects:
        x = dsp.reverb(x, float(value), scene.sample_rate) if op == "reverb" else dsp.timbre(x, str(value), scene.sample_rate)
    return key, _stems.put(key, np.ascontiguousarray(x, dtype=np.float32))


def stem(scene: Scene, src: Source) -> np.ndarray:
    """The source panned and placed on the scene's timeline, ``[2, n]`` at unit gain (read only)."""
    dkey, dry = _dry(scene, src)
    n = scene.n_samples
    start = int(round(src.offset * scene.sample_rate))
    key = ("stem", dkey, src.at, start, n)
    got = _stems.get(key)
    if got is not None:
        return got
    x = dsp.pan(dry, src.at, scene.sample_rate) if src.at is not None else dry
    out = np.zeros((2, n), dtype=np.float32)
    a, b = max(start, 0), min(start + x.shape[1], n)  # destination span
    if b > a:
        out[:, a:b] = x[:, a - start: b - start]
    return _stems.put(key, out)


def source_audio(scene: Scene, index: int) -> np.ndarray:
    """One source's contribution to the mix, ``[2, n]`` float32 (a new array)."""
    src = scene.sources[index]
    return stem(scene, src) * np.float32(src.gain)


def render(scene: Scene) -> np.ndarray:
    """The mix, ``[2, n]`` float32: the gain-weighted sum of the sources' stems, no limiting."""
    out = np.zeros((2, scene.n_samples), dtype=np.float32)
    for src in scene.sources:
        s = stem(scene, src)
        g = np.float32(src.gain)
        if g == 1.0:
            out += s
        else:
            out += s * g
    return out
