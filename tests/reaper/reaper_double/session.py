"""A simulated REAPER session for tests and the REAPER benchmark: resource folder, project, actions.

Installs the scripts with ``smartdj.engine.reaper.install`` into a temporary resource folder
(so the installed copy is what runs), resets the ``reaper_python`` double, points the SmartDJ
settings at a given engine, and runs actions as REAPER would (see ``reaper_host``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import reaper_host  # noqa: E402
import reaper_python as rp  # noqa: E402


def make_wav(path: Path, seconds: float = 10.0, sr: int = 48000, freq: float = 330.0, channels: int = 2) -> Path:
    t = np.arange(int(round(seconds * sr))) / sr
    x = 0.2 * np.sin(2 * np.pi * freq * t)
    data = np.stack([x, 0.7 * x][:channels], 1).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), data, sr, subtype="FLOAT")
    return path


class Reaper:
    """One REAPER instance (the double) with SmartDJ installed and configured."""

    def __init__(self, root: Path, osc_port: int, smartdj: str = "smartdj", state_dir: str = "",
                 start_timeout: float = 30.0):
        from smartdj.engine.reaper.install import install

        self.root = Path(root)
        self.resource = self.root / "REAPER"
        self.resource.mkdir(parents=True, exist_ok=True)
        self.report = install(self.resource, shortcuts=True, running=False)
        self.scripts = self.report.target
        self.media = self.root / "project" / "Media"
        self.media.mkdir(parents=True, exist_ok=True)
        reaper_host.forget_modules()
        reaper_host.reset()
        rp.reset(str(self.resource), str(self.media))
        for key, value in (("host", "127.0.0.1"), ("osc_port", str(osc_port)), ("smartdj", smartdj),
                           ("state_dir", state_dir), ("start_timeout", str(start_timeout))):
            rp.RPR_SetExtState("SmartDJ", "cfg_" + key, value, True)
        rp.STATE.calls.clear()

    @property
    def state(self) -> rp.State:
        return rp.STATE

    def run(self, action: str, answers: list | None = None, **kw) -> int:
        """Run ``smartdj_<action>.py`` and its defer loop until idle; returns the frames it took."""
        rp.STATE.inputs.extend(answers or [])
        reaper_host.run_script(str(self.scripts / f"smartdj_{action}.py"))
        return reaper_host.run_until_idle(**kw)

    def start(self, action: str, answers: list | None = None) -> None:
        """Start an action without running its loop (drive it with ``reaper_host.frame``)."""
        rp.STATE.inputs.extend(answers or [])
        reaper_host.run_script(str(self.scripts / f"smartdj_{action}.py"))

    def restart(self) -> None:
        """REAPER quits (running scripts stop) and starts again on the saved project."""
        reaper_host.stop_all()
        reaper_host.reset()
        reaper_host.forget_modules()
        rp.restart()

    def track(self, name: str = "") -> rp.Track:
        return rp.add_track(name)

    @staticmethod
    def errors() -> list[str]:
        return list(reaper_host.errors)
