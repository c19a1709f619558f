"""The DSP composer: SmartDJ's exact executor on scenes whose sources are known.

``apply_step`` turns a :class:`~smartdj.engine.compose.scene.Scene` and one :class:`Step` into a new
scene (the input is never changed); ``render`` mixes a scene to ``[2, n]`` float32. The ops:

- add: a new source from the sound library (``clips``: an object with ``find(label)``, or a
  mapping label -> path or label -> (audio, sample_rate)), placed at ``to``. Gain follows
  SmartDJ's add path: the clip is scaled to a peak of ``0.3 * 10^((dB - 3) / 20)``, stored as
  ``peak = 0.3 * 10^(-3/20)`` plus ``db = dB`` so later volume steps stay exact. It starts at
  0 s, or at a uniformly drawn time that keeps it inside the scene when ``rng`` is given.
- remove / extract: drop the matched sources / keep only them (extract may name several,
  "a, b and c").
- volume: ``db += step.db`` on the matched stems (an exact linear gain).
- direction: re-pan to ``to`` (a placed stereo stem is downmixed to mono first).
- shift: move the source in time by ``seconds`` (positive = later).
- reverb / timbre: append the effect (dsp.reverb / dsp.timbre) to the source's chain.

Targets match labels through the one label matcher (``smartdj.bridge.labels.find``): exactly, then
case and punctuation aside, then by substring, then by the most shared words; every source in the best tier is edited ("remove the dog" removes both dogs),
and ``at`` narrows the choice when several match. No match raises :class:`ComposeError`
naming the target and the labels that exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
from smartdj.bridge import labels as lab
from smartdj.bridge.language import Step, split_targets
from smartdj.engine.audio import dsp
from smartdj.engine.compose.scene import ComposeError, Scene, Source, clear_cache, render, source_audio

__all__ = ["ComposeError", "Scene", "Source", "apply_step", "apply_plan", "render", "render_plan",
           "match_sources", "find_clip", "clear_cache", "source_audio"]

def match_sources(scene: Scene, target: str, at: str | None = None) -> list[int]:
    """Indices of the sources a target names (see the module docstring); [] when none."""
    hits = lab.find(target, scene.labels)
    if at is not None and len(hits) > 1:
        placed = [i for i in hits if scene.sources[i].at == at]
        hits = placed or hits
    return hits


def _require(scene: Scene, target: str, at: str | None) -> list[int]:
    hits = match_sources(scene, target, at)
    if not hits:
        labels = ", ".join(repr(lab) for lab in scene.labels) or "none"
        raise ComposeError(f"target {target!r} matches no source in the scene (sources: {labels}); "
                           "use one of those labels")
    return hits


def find_clip(clips: object, label: str):
    """A clip for ``label`` from a library object (``find(label)``) or a mapping; None if none."""
    if clips is None:
        return None
    if hasattr(clips, "find"):
        return clips.find(label)
    if isinstance(clips, Mapping):
        if label in clips:
            return clips[label]
        keys = list(clips)
        hits = lab.find(label, [str(k) for k in keys])
        return clips[keys[hits[0]]] if hits else None
    raise ComposeError(f"clips must be a mapping label -> path or an object with find(label), "
                       f"got {type(clips).__name__}")


def _clip_seconds(src: Source, scene: Scene) -> float:
    if src.audio is not None:
        return src.audio.shape[-1] / float(src.audio_sr)
    from smartdj.engine.audio.io import info

    meta = info(scene.resolve(src))
    return meta.frames / float(meta.samplerate)


def _add(scene: Scene, step: Step, clips: object, rng: np.random.Generator | None) -> Scene:
    found = find_clip(clips, step.target)
    if found is None:
        hint = "pass a sound library (clips)" if clips is None else "add a clip with that label to the library"
        raise ComposeError(f"add: no clip for {step.target!r} in the sound library; {hint}")
    kw: dict = {"label": step.target, "at": step.to, "db": step.db, "peak": dsp.ADD_PEAK}
    if isinstance(found, Source):
        src = replace(found, label=step.target, at=step.to, db=step.db, peak=dsp.ADD_PEAK, effects=())
    elif isinstance(found, tuple) and len(found) == 2:
        src = Source(audio=found[0], audio_sr=int(found[1]), **kw)
    elif isinstance(found, (str, Path)):
        src = Source(path=str(Path(found).expanduser().resolve()), **kw)
    else:
        raise ComposeError(f"add: the library gave {type(found).__name__} for {step.target!r}; "
                           "expected a path or (audio, sample_rate)")
    if rng is not None:
        room = max(0.0, scene.seconds - _clip_seconds(src, scene))
        src = replace(src, offset=round(float(rng.uniform(0.0, room)), 3))
    return scene.with_sources([*scene.sources, src])


def apply_step(scene: Scene, step: Step, clips: object = None, rng: np.random.Generator | None = None) -> Scene:
    """The scene after one edit (a new Scene; ``scene`` is left as it was)."""
    if not isinstance(step, Step):
        raise ComposeError(f"expected a Step, got {type(step).__name__}; parse text with edits.parse_step")
    if step.op == "add":
        return _add(scene, step, clips, rng)
    if step.op == "extract":
        parts = split_targets(step.target)
        whole = [i for i, lab in enumerate(scene.labels) if lab.casefold() == step.target.casefold()]
        if whole or len(parts) < 2:
            keep = set(_require(scene, step.target, step.at))
        else:  # "a, b and c": each part on its own
            keep = {i for part in parts for i in _require(scene, part, step.at)}
        return scene.with_sources(s for i, s in enumerate(scene.sources) if i in keep)
    hits = set(_require(scene, step.target, step.at))
    if step.op == "remove":
        return scene.with_sources(s for i, s in enumerate(scene.sources) if i not in hits)

    def edit(src: Source) -> Source:
        if step.op == "volume":
            return replace(src, db=src.db + step.db)
        if step.op == "direction":
            return replace(src, at=step.to)
        if step.op == "shift":
            return replace(src, offset=src.offset + step.seconds)
        if step.op == "reverb":
            return replace(src, effects=(*src.effects, ("reverb", step.level)))
        if step.op == "timbre":
            return replace(src, effects=(*src.effects, ("timbre", step.quality)))
        raise ComposeError(f"unknown op {step.op!r}")

    return scene.with_sources(edit(s) if i in hits else s for i, s in enumerate(scene.sources))


def apply_plan(scene: Scene, steps: Iterable[Step], clips: object = None,
               rng: np.random.Generator | None = None) -> list[Scene]:
    """The scene after each step, in order (the input scene is not included)."""
    out: list[Scene] = []
    for k, step in enumerate(steps, 1):
        try:
            scene = apply_step(scene, step, clips=clips, rng=rng)
        except ComposeError as e:
            raise ComposeError(f"step {k} ({step.text}): {e}") from None
        out.append(scene)
    return out


def render_plan(scene: Scene, steps: Iterable[Step], clips: object = None,
                rng: np.random.Generator | None = None) -> list[np.ndarray]:
    """The input mix followed by the mix after every step."""
    return [render(scene)] + [render(s) for s in apply_plan(scene, steps, clips=clips, rng=rng)]
