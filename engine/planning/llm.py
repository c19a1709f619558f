"""Planner backed by an OpenAI-compatible chat endpoint (stdlib ``urllib`` only).

The user points it at a server (the LLM settings of ``smartdj.engine.config.LLM_VARIABLES``,
or the same as options). The system prompt carries SmartDJ's step
templates and constraints; the reply (one step per line, or JSON) is validated with
``edits`` and against the labels. Any error, timeout or invalid reply falls back to the rule
planner, and ``PlanResult.fallback`` says why.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from dataclasses import replace
from typing import Any

from smartdj.bridge.language import EditError, Step, parse_plan, plan_from_json
from smartdj.bridge.plan_check import MAX_STEPS, check_generated
from smartdj.engine.planning.base import PlanningError, PlanResult

log = logging.getLogger(__name__)

SYSTEM_PROMPT = """You plan audio edits for SmartDJ. Turn the user's instruction into 1 to 4 atomic steps,
one per line, each written exactly in one of these templates (nothing else on the line, no numbering):
add the sound of {target} at the {location} with {db} dB
remove the sound of {target}
extract the sound of {target}
turn up the volume of {target} by {db} dB
turn down the volume of {target} by {db} dB
change the sound of {target} to {location}
shift the sound of {target} by {seconds} seconds
reverb the sound of {target} with reverb level {level}
change the timbre of the sound of {target} to be more {quality}
Rules:
- location is one of: left, left front, front, right front, right.
- quality is one of: bright, dark, warm, cold, muffled. reverb level is in (0, 10].
- Except for add, every target must be one of the sounds present, spelled exactly as listed.
- At most two add steps, placed last. Keep at least one of the present sounds.
- Use 2 to 4 steps when the instruction asks for several changes, 1 for a single change.
- If the instruction cannot be done with these steps, reply with the single line: CANNOT: <reason>.
Reply with the steps only."""


def _user_message(instruction: str, labels: list[str] | None, events: list[str] | None) -> str:
    parts = []
    if labels:
        parts.append("Sounds present (exact labels): " + "; ".join(labels))
    if events:
        parts.append("Sound events detected in the audio: " + "; ".join(events))
    if not parts:
        parts.append("Sounds present: unknown")
    parts.append(f"Instruction: {instruction.strip()}")
    return "\n".join(parts)


def parse_reply(text: str) -> list[Step]:
    """Steps from a reply: JSON (a list, or ``{"steps": [...]}``) or one step per line."""
    body = text.strip()
    fence = re.match(r"^```(?:json|text)?\s*(.*?)\s*```$", body, re.S)
    if fence:
        body = fence.group(1).strip()
    if body[:1] in "[{":
        try:
            return plan_from_json(json.loads(body))
        except json.JSONDecodeError:
            pass
    if not body.strip():
        raise EditError("plan", "empty reply")
    return parse_plan(body)


class LLMPlanner:
    """Chat-completions planner; see the module docstring."""

    name = "llm"

    def __init__(self, url: str, model: str, api_key: str | None = None, *, timeout: float = 30.0,
                 temperature: float = 0.2, max_steps: int = MAX_STEPS):
        self.url = url.rstrip("/")
        if not self.url.endswith("/chat/completions"):
            self.url += "/chat/completions" if self.url.endswith("/v1") else "/v1/chat/completions"
        self.model, self.api_key = model, api_key
        self.timeout, self.temperature, self.max_steps = float(timeout), float(temperature), int(max_steps)
        self._rules: Any = None

    def _chat(self, messages: list[dict]) -> str:
        body = json.dumps({"model": self.model, "messages": messages, "temperature": self.temperature}).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            doc = json.loads(resp.read().decode("utf-8"))
        try:
            return str(doc["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"unexpected reply shape: {str(doc)[:200]}") from None

    def _fallback(self, instruction: str, labels: list[str] | None, audio: Any, reason: str) -> PlanResult:
        if self._rules is None:
            from smartdj.engine.planning.rules import RulePlanner

            self._rules = RulePlanner()
        log.info("llm planner fell back to rules: %s", reason)
        return replace(self._rules.plan(instruction, labels=labels, audio=audio), planner="rules", fallback=reason)

    def plan(self, instruction: str, labels: list[str] | None = None, audio: Any = None,
             events: list[str] | None = None) -> PlanResult:
        if not isinstance(instruction, str) or not instruction.strip():
            raise PlanningError("empty instruction: say what to change, e.g. 'make the dog quieter'")
        messages = [{"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": _user_message(instruction, labels, events)}]
        try:
            reply = self._chat(messages)
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or e
            return self._fallback(instruction, labels, audio, f"llm endpoint failed ({reason}); used rules")
        if reply.strip().upper().startswith("CANNOT"):
            return self._fallback(instruction, labels, audio,
                                  f"llm could not plan it ({reply.strip()[:160]}); used rules")
        try:
            steps = check_generated(parse_reply(reply), labels, self.max_steps)
        except EditError as e:
            return self._fallback(instruction, labels, audio, f"llm reply invalid ({e}); used rules")
        return PlanResult(steps=steps, planner="llm", fallback=None, tags=[f"llm:{self.model}"])


def make_planner(url: str | None = None, model: str | None = None, api_key: str | None = None,
                 timeout: float = 30.0, **_ignored: Any) -> LLMPlanner:
    """From options or the LLM settings in the environment (engine/config.py); no URL is a ValueError."""
    from smartdj.engine.config import LLM_VARIABLES, llm_settings

    env = llm_settings()
    url = url or env["url"]
    model = model or env["model"] or "default"
    api_key = api_key or env["api_key"]
    if not url:
        raise ValueError(f"no LLM endpoint configured: set {LLM_VARIABLES['url']} (e.g. http://127.0.0.1:8000/v1) "
                         f"and {LLM_VARIABLES['model']}")
    return LLMPlanner(url, model, api_key, timeout=timeout)
