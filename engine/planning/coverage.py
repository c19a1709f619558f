"""The rule planner's last safety net: an edit the request asks for that is missing from the plan, or one it
rules out that is in it, refuses the plan instead of running a different edit."""

from __future__ import annotations

import re

from smartdj.bridge.language import Step
from smartdj.engine.planning.base import PlanningError
from smartdj.engine.planning.rules_words import _NO_REVERB, _REVERB, _TIMBRE

_EFFECT = re.compile(r"\b(?:distortion|distort\w*|overdrive|fuzz|saturation|bitcrush\w*|flanger|phaser|chorus effect|"
                     r"auto-?tune|vocoder|wah|tremolo|vibrato)\b")
_DEVICE = re.compile(r"\b(?:like|through|over|via|on|in|into) (?:a |an |the )?(?:\w+ )?(?:telephone|phone|radio|"
                     r"walkie-?\s?talkie|megaphone|bullhorn|intercom|tannoy)\b|\bunderwater\b")
_CUT_THROUGH = re.compile(r"\bcut(?:s|ting)? through\b")
_REVERB_OFF = re.compile(r"\b(?:take|get|strip|pull|turn)\b[^,;.]{0,30}\b(?:reverb|verb|echo|room)\b[^,;.]{0,10}\boff\b"
                         r"|\b(?:reverb|verb|echo)\b[^,;.]{0,10}\boff\b")


def check_coverage(text: str, steps: list[Step]) -> None:
    """Raises PlanningError naming the words the plan does not honour (``text`` is the normalised request)."""
    ops = {s.op for s in steps}
    if _CUT_THROUGH.search(text) and "remove" in ops:
        raise PlanningError('"cut through" means be heard, not be cut: say "turn X up by N dB"')
    no_reverb = _REVERB_OFF.search(text)  # the other ways to say it are read as refusals clause by clause
    if no_reverb and "reverb" in ops:
        raise PlanningError(f'"{no_reverb.group(0).strip()}": reverb can only be added, not taken away, in this '
                            "version; nothing was planned")
    if not no_reverb and not re.search(_NO_REVERB, text) and re.search(_REVERB, text) and "reverb" not in ops and "add" not in ops:
        raise PlanningError("the request mentions reverb but no step adds any: say e.g. \"reverb on the X\"")
    time = re.search(r"(?<![\w.])\d+(?:\.\d+)?\s*(?:ms|milliseconds?|secs?|seconds?)\b", text)
    if time and "shift" not in ops:
        raise PlanningError(f'"{time.group(0)}" is not in the plan: no step moves a sound in time; say e.g. '
                            '"move the X 20 ms later"')
    for step in steps:
        effect = _EFFECT.search(step.target or "") if step.op == "add" else None
        if effect:
            raise PlanningError(f'"{effect.group(0)}" is an effect, not a sound to add; SmartDJ can add reverb '
                                "or change the tone (e.g. telephone, radio, megaphone), not other effects")
    added = " ".join(s.target for s in steps if s.op == "add")
    device = _DEVICE.search(text)
    if device and "timbre" not in ops and device.group(0) not in added:
        raise PlanningError(f'"{device.group(0)}" is not in the plan: say it as its own step, e.g. "make the X '
                            'sound like a telephone"')
    for pattern, quality in _TIMBRE:
        found = re.search(pattern, text)
        if found and "timbre" not in ops and found.group(0).strip() not in added:
            raise PlanningError(f'"{found.group(0).strip()}" is not in the plan (a {quality} tone change): '
                                'say it as its own step, e.g. "make the X ' + quality + 'er"'
                                if quality in ("warm", "bright", "dark", "cold") else
                                f'"{found.group(0).strip()}" is not in the plan: say it as its own step')
