"""Engine and protocol messages in a command-line user's words: wire fields become the flags to use.

The engine speaks the protocol (``options.steps``, ``out_dir``, ``items[0].path``) to every client;
on the command line the user typed flags, so :func:`user_words` names those instead.
"""

from __future__ import annotations

import re

# protocol field -> what the user of `smartdj edit` sets
FLAGS: dict[str, str] = {
    "options.checkpoint": "--checkpoint", "options.steps": "--steps", "options.guidance": "--guidance",
    "options.seed": "--seed", "options.planner": "--planner", "options.executor": "--executor",
    "options.downmix": "--downmix", "options.separator": "--separator", "out_dir": "--out-dir",
}
_FIELD = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(f) for f in sorted(FLAGS, key=len, reverse=True))
                    + r")(?![\w-])")
_ITEM = re.compile(r"\bitems\[(\d+)\](?:\.(\w+))?")
_ITEM_FIELDS = {"path": "file", "label": "label (--label)", "start": "start", "length": "length",
                "id": "name", "at": "location", "db": "level", "position": "offset"}


def _item(m: re.Match, noun: str) -> str:
    what = _ITEM_FIELDS.get(m.group(2) or "", m.group(2) or "")
    if noun != "input":
        what = what.replace(" (--label)", "")
    return f"{noun} {int(m.group(1)) + 1}" + (f"'s {what}" if what else "")


def user_words(message: str, scene: bool = False) -> str:
    """``message`` with protocol field names replaced by flags and input numbers (1-based)."""
    text = _FIELD.sub(lambda m: FLAGS[m.group(1)], message or "")
    return _ITEM.sub(lambda m: _item(m, "scene source" if scene else "input"), text)


def failure(ev: dict, scene: bool = False) -> str:
    """One line for a ``failed`` event: where (item, step; never a missing one), what, and the code."""
    message = user_words(ev.get("message") or "failed", scene)
    where, item = [], ev.get("item")
    if item not in (None, "") and not scene:
        if message.startswith(f"item {item}"):  # the engine's own "item rain: ..."
            message = f"input {item!r}" + message[len(f"item {item}"):]
        else:
            where.append(f"input {item!r}")
    if ev.get("step") is not None and not message.startswith(f"step {ev['step']}"):
        where.append(f"step {ev['step']}")
    return f"{', '.join(where) + ': ' if where else ''}{message} [{ev.get('code')}]"
