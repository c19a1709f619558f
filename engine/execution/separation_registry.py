"""Which separators exist, which are installed, and which one serves a step's target (routing).

Built-in backends (adapters in ``smartdj.models.separators``): ``dfn3`` (speech, always there with
the package), ``demucs`` (music stems, optional), ``sam-audio`` (any sound by text, optional, gated
weights) and ``smartdj-extract`` (the diffusion editor's extract; needs an editor checkpoint).
More backends can be plugged in by the engine's ``separators`` setting: ``module:attr`` entries
naming a class with ``name``, ``kinds``, ``licence`` and ``separate(mix, sr, target)``.

Routing: speech and background words -> speech; vocals/drums/bass/other -> music; anything else
-> text; the first installed backend of the first kind that fits wins. A user's choice (option
``separator``: a backend name or a kind) overrides the routing.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from smartdj.engine.config import Settings, models_dir


@dataclass(frozen=True)
class Backend:
    name: str
    kinds: tuple[str, ...]
    licence: str
    install: str
    neural_editor: bool = False  # the diffusion editor's extract: approximate, chosen only on request or
    extra: dict = field(default_factory=dict, compare=False)  # when no exact route exists


def _plugin_specs(settings: Settings | None) -> list[str]:
    text = getattr(settings, "separators", None) or ""
    return [s.strip() for s in text.replace(";", ",").split(",") if s.strip()]


def _load_plugin(spec: str):
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ValueError(f"separator plugin {spec!r} must look like module:attribute")
    return getattr(importlib.import_module(module), attr)


def backends(settings: Settings | None = None) -> list[Backend]:
    """Every backend the engine knows, installed or not, plugins first."""
    from smartdj.models.separators import music, speech, text

    out = []
    for spec in _plugin_specs(settings):
        cls = _load_plugin(spec)
        out.append(Backend(str(cls.name), tuple(cls.kinds), str(getattr(cls, "licence", "?")),
                           f"plugin {spec}", extra={"cls": cls}))
    out += [
        Backend(speech.NAME, ("speech",), speech.LICENCE, speech.INSTALL),
        Backend(music.NAME, ("music",), music.LICENCE, music.INSTALL),
        Backend(text.SAM_NAME, ("text",), text.SAM_LICENCE, text.SAM_INSTALL),
        Backend(text.EXTRACT_NAME, ("text",), "that of the installed editor checkpoint", text.EXTRACT_INSTALL,
                neural_editor=True),
    ]
    return out


def _checkpoint(options: dict, settings: Settings | None) -> Path | None:
    from smartdj.engine.execution.executors import ExecError, find_checkpoint

    try:
        return find_checkpoint(options.get("checkpoint") or getattr(settings, "checkpoint", None))
    except ExecError:
        return None


def installed(b: Backend, options: dict | None = None, settings: Settings | None = None) -> bool:
    from smartdj.models.separators import music, speech, text

    if "cls" in b.extra:
        return True
    if b.name == speech.NAME:
        return speech.installed()
    if b.name == music.NAME:
        return music.installed(models_dir())
    if b.name == text.SAM_NAME:
        return text.sam_installed()
    if b.name == text.EXTRACT_NAME:
        return importlib.util.find_spec("torch") is not None and _checkpoint(options or {}, settings) is not None
    return False


def candidates(target: str, choice: str | None, settings: Settings | None) -> list[Backend]:
    """The backends that could serve ``target``, best first (installed or not)."""
    from smartdj.models.separators.base import KINDS, route

    every = backends(settings)
    if choice:
        if choice in KINDS:
            return [b for b in every if choice in b.kinds]
        return [b for b in every if b.name == choice]
    kinds = route(target)
    return [b for k in kinds for b in every if k in b.kinds]


def resolve(target: str, choice: str | None, options: dict, settings: Settings | None,
            allow_editor: bool = True) -> Backend | None:
    for b in candidates(target, choice, settings):
        if (allow_editor or not b.neural_editor or choice) and installed(b, options, settings):
            return b
    return None


def missing_message(target: str, choice: str | None, settings: Settings | None) -> str:
    """What to install so that a step on ``target`` can run on a mixture."""
    from smartdj.models.separators.base import route

    cands = candidates(target, choice, settings)
    if choice and not cands:
        names = ", ".join(b.name for b in backends(settings))
        return f"separator {choice!r} is unknown; use one of {names}, or speech | music | text"
    what = f"the separator {choice!r}" if choice else f"a {route(target)[0]} separator"
    fixes = "; or ".join(f"{b.name}: {b.install}" for b in cands[:3])
    return f"no installed separator can find {target!r} in the mix ({what} is needed). Install one — {fixes}"


def create(b: Backend, options: dict, settings: Settings | None):
    """A fresh separator instance for one job."""
    from smartdj.models.separators import music, speech, text

    if "cls" in b.extra:
        return b.extra["cls"]()
    device = getattr(settings, "device", None)
    if b.name == speech.NAME:
        return speech.SpeechSeparator()
    if b.name == music.NAME:
        return music.MusicSeparator(models_dir(), device=device)
    if b.name == text.SAM_NAME:
        return text.SamAudioSeparator(device=device)
    if b.name == text.EXTRACT_NAME:
        return text.ReleasedExtractSeparator(_checkpoint(options, settings), device=device,
                                             seed=options.get("seed"))
    raise ValueError(f"unknown separator {b.name!r}")
