"""Runs ReaScripts against the ``reaper_python`` double the way REAPER runs them.

A script file is executed (not imported) as ``__main__`` in a fresh namespace into which
``RPR_defer``, ``RPR_runloop`` and ``RPR_atexit`` are injected, as REAPER does. Deferred code
strings are evaluated later in that namespace by :func:`run_until_idle`, one round per "UI
frame"; a script whose defer chain stops has its atexit code run. An exception escaping the
script or a deferred call is recorded in :data:`errors` (REAPER would print a traceback to the
user), never raised into the test, so tests can assert that none happened.
"""

from __future__ import annotations

import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import reaper_python  # noqa: E402,F401  (the double, importable under REAPER's module name)

# (globals, code) pairs waiting for the next frame
_pending: list[tuple[dict, str]] = []
_atexit: dict[int, list[str]] = {}
_running: dict[int, dict] = {}
errors: list[str] = []
# module names the SmartDJ scripts import from their folder (and the package's submodules); a REAPER
# restart forgets them
SCRIPT_MODULES = ("sdj_reaper", "reaper_client", "protocol", "language")


def reset() -> None:
    _pending.clear()
    _atexit.clear()
    _running.clear()
    errors.clear()


def forget_modules() -> None:
    """Drop the script-side modules from sys.modules (REAPER restarted its Python)."""
    for name in list(sys.modules):
        if name in SCRIPT_MODULES or name.split(".")[0] in SCRIPT_MODULES:
            sys.modules.pop(name, None)


def run_script(path: str) -> dict:
    """Execute ``path`` as REAPER does (as ``__main__``); returns the script's namespace."""
    g: dict = {"__name__": "__main__", "__file__": os.path.abspath(path), "__builtins__": __builtins__}

    def RPR_defer(code: str) -> None:
        if not isinstance(code, str):
            raise TypeError("RPR_defer takes a string of Python code (REAPER's Python API)")
        _pending.append((g, code))

    def RPR_atexit(code: str) -> None:
        if not isinstance(code, str):
            raise TypeError("RPR_atexit takes a string of Python code")
        _atexit.setdefault(id(g), []).append(code)

    g["RPR_defer"] = RPR_defer
    g["RPR_runloop"] = RPR_defer
    g["RPR_atexit"] = RPR_atexit
    _running[id(g)] = g
    with open(path, encoding="utf-8") as f:
        source = f.read()
    try:
        exec(compile(source, path, "exec"), g)
    except BaseException:
        errors.append(f"{os.path.basename(path)}: {traceback.format_exc()}")
    _finish_idle()
    return g


def _finish_idle() -> None:
    waiting = {id(g) for g, _ in _pending}
    for key in [k for k in _running if k not in waiting]:
        g = _running.pop(key)
        for code in _atexit.pop(key, []):
            try:
                exec(code, g)
            except BaseException:
                errors.append(f"atexit: {traceback.format_exc()}")


def frame() -> int:
    """One UI frame: run every deferred call queued before it; returns how many ran."""
    batch = list(_pending)
    _pending.clear()
    for g, code in batch:
        try:
            exec(code, g)
        except BaseException:
            errors.append(f"deferred {code!r}: {traceback.format_exc()}")
    _finish_idle()
    return len(batch)


def run_until_idle(max_frames: int = 20000, max_seconds: float = 60.0, frame_s: float = 0.01,
                   until=None) -> int:
    """Run frames until no script is deferred (or ``until()`` is true); returns frames run.

    Bounded by a frame count and a wall-clock cap so a script that never stops fails the test
    instead of hanging it.
    """
    t0 = time.monotonic()
    n = 0
    while _pending and n < max_frames and time.monotonic() - t0 < max_seconds:
        frame()
        n += 1
        if until is not None and until():
            break
        time.sleep(frame_s)
    return n


def busy() -> bool:
    return bool(_pending)


def stop_all() -> None:
    """The user terminates every running script: pending defers are dropped, atexit runs."""
    _pending.clear()
    _finish_idle()
