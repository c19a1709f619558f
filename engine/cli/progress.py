"""A job's progress for a person at a terminal: a live bar while it runs, readable event lines after.

``JobBar`` follows the event log: the bar covers every step of every item, moves within a step
with the engine's ``progress`` events and says which step is running; ``event_lines`` turns a
stored log into lines (hundreds of ``progress`` events become the last one of each step).
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from smartdj.engine.cli.wording import failure


def _short(text: str, n: int = 48) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class JobBar:
    """A tqdm bar over all planned steps; ``on_event`` moves it, ``close`` removes it."""

    def __init__(self, file: TextIO | None = None, enabled: bool = True):
        self.file = file or sys.stderr
        self.enabled = enabled
        self.total = 0
        self.done = 0
        self._bar = None

    def on_event(self, ev: dict) -> None:
        t = ev["type"]
        if t == "planned":
            self.total += len(ev.get("steps") or [])
            if self._bar is not None:
                self._bar.total = self.total
        elif t == "step_started":
            self._show(f"step {ev['step']}/{ev.get('of', '?')}: {_short(ev.get('text', ''))}", 0.0)
        elif t == "progress":
            self._show(None, float(ev.get("fraction") or 0.0))
        elif t == "step_done":
            self.done += 1
            self._show(None, 0.0)

    def _show(self, desc: str | None, fraction: float) -> None:
        if not self.enabled or not self.total:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, file=self.file, leave=False, mininterval=0.1, **self._shape(),
                             bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")
        if desc is not None:
            self._bar.set_description_str(desc, refresh=False)
        self._bar.n = min(self.total, self.done + max(0.0, min(1.0, fraction)))
        self._bar.refresh()

    def _shape(self) -> dict:
        """Nothing (tqdm follows the terminal) unless the terminal reports no size (a bare pty):
        then a fixed one, as tqdm draws nothing in a terminal of 0 rows."""
        try:
            if os.get_terminal_size(self.file.fileno()).columns > 0:
                return {}
        except (OSError, ValueError, AttributeError):
            pass
        return {"ncols": 100, "nrows": 20}

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _line(ev: dict, scene: bool) -> str:
    t, item = ev["type"], ev.get("item", "")
    on = f" on {item}" if item and not scene else ""
    if t == "planned":
        steps = ev.get("steps") or []
        fallback = f", fallback: {ev['fallback']}" if ev.get("fallback") else ""
        head = f"planned {len(steps)} step{'s' * (len(steps) != 1)}{on} ({ev.get('planner')}{fallback})"
        return "\n".join([head] + [f"         {k}. {s['text']}" for k, s in enumerate(steps, 1)])
    if t == "step_started":
        return f"step {ev['step']}/{ev.get('of', '?')} started{on}: {ev.get('text', '')}"
    if t == "progress":
        return f"step {ev['step']}{on}: {100 * float(ev.get('fraction') or 0):.0f}% done"
    if t == "step_done":
        clip = f" (clipped: peak {ev['peak']:.2f})" if ev.get("clipped") else ""
        return f"step {ev['step']}/{ev.get('of', '?')} done{on}: {ev.get('path')}{clip}"
    if t == "done":
        return f"done: {ev.get('renders', 0)} render{'s' * (ev.get('renders') != 1)}"
    if t == "failed":
        return "failed: " + failure(ev, scene)
    return t + (f"{on}" if on else "")


def event_lines(events: list[dict], scene: bool = False) -> list[str]:
    """Readable lines for a job's events; a run of ``progress`` events shows only its last one."""
    out = []
    for i, ev in enumerate(events):
        nxt = events[i + 1] if i + 1 < len(events) else None
        if ev["type"] == "progress" and nxt is not None and nxt["type"] == "progress" \
                and (nxt.get("item"), nxt.get("step")) == (ev.get("item"), ev.get("step")):
            continue
        out.append(f"{ev['seq']:>5}  " + _line(ev, scene))
    return out


def running_summary(events: list[dict]) -> str | None:
    """'step 2 of 3 (45%): remove the sound of dog' for a job that is running a step, else None."""
    current, fraction = None, 0.0
    for ev in events:
        if ev["type"] == "step_started":
            current, fraction = ev, 0.0
        elif ev["type"] == "progress" and current is not None:
            fraction = float(ev.get("fraction") or 0.0)
        elif ev["type"] in ("step_done", "done", "failed", "cancelled"):
            current = None
    if current is None:
        return None
    return f"step {current['step']} of {current.get('of', '?')} ({100 * fraction:.0f}%): {current.get('text', '')}"
