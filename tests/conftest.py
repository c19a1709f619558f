"""Shared fixtures: a real engine daemon (``smartdj serve``) in a separate process.

``running_engine`` starts one on free loopback ports (port 0, read back from the ready line)
with a temporary state folder and yields an :class:`EngineProcess`:

- ``.zmq`` (``tcp://127.0.0.1:N``), ``.osc_host``, ``.osc_port``, ``.state_dir``, ``.proc``;
- ``.client(**kw)`` -> a ``bridge.zmq_client.EngineClient``; ``.osc_client(**kw)`` -> ``OscEngineClient``;
- ``.stop()`` (SIGTERM, returns the exit code), ``.kill()`` (SIGKILL), ``.restart()`` (same ports,
  same state folder), ``.log()`` (stderr so far).

``engine_factory(*extra_args, env=None)`` starts more (or differently configured) engines; every
engine started through either fixture is killed at the end of the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from smartdj.engine.serving.launcher import FREE_OSC, FREE_ZMQ, Launched, LaunchError, launch, serve_command

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
EXAMPLES = ROOT / "smartdj" / "data" / "audio"


def _shared() -> Path:
    """The workplace's ``shared`` folder (dev clips, conformance vectors, docs): $SMARTDJ_SHARED, the
    checkout's sibling, or /work/shared. Tests that need it skip where none exists (a user's machine)."""
    for cand in (os.environ.get("SMARTDJ_SHARED"), ROOT.parent / "shared", "/work/shared"):
        if cand and (Path(cand) / "audio" / "dev").is_dir():
            return Path(cand)
    return ROOT.parent / "shared"


SHARED = _shared()


class EngineProcess:
    def __init__(self, state_dir: Path, extra: tuple[str, ...] = (), env: dict | None = None,
                 zmq: str = FREE_ZMQ, osc: str = FREE_OSC):
        self.state_dir = Path(state_dir)
        self.extra = tuple(extra)
        self.env = dict(os.environ, HF_HUB_OFFLINE="1", **(env or {}))
        self.env.setdefault("SMARTDJ_HOME", str(self.state_dir.parent / "home"))
        self.zmq, self.osc = zmq, osc
        self.proc: subprocess.Popen | None = None
        self._launched = None
        self.returncode: int | None = None

    osc_host = Launched.osc_host
    osc_port = Launched.osc_port

    def command(self) -> list[str]:
        return serve_command(self.state_dir, self.zmq, self.osc, self.extra)

    def start(self, timeout: float = 30.0) -> EngineProcess:
        self._launched = None
        try:
            self._launched = launch(self.state_dir, zmq=self.zmq, osc=self.osc, extra=self.extra, env=self.env,
                                    cwd=self.state_dir.parent, timeout=timeout)
        except LaunchError as e:
            raise RuntimeError(str(e)) from None
        self.proc = self._launched.proc
        self.zmq, self.osc = self._launched.zmq, self._launched.osc
        return self

    def log(self) -> str:
        return self._launched.log() if self._launched is not None else ""

    def client(self, **kw):
        from smartdj.bridge.zmq_client import EngineClient

        return EngineClient(self.zmq, **kw)

    def osc_client(self, **kw):
        from smartdj.bridge.osc_client import OscEngineClient

        return OscEngineClient(self.osc_host, self.osc_port, **kw)

    def stop(self, timeout: float = 20.0) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout)
        self.returncode = self.proc.returncode if self.proc else None
        return self.returncode

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> EngineProcess:
        if self.proc and self.proc.poll() is None:
            self.stop()
        return self.start()


@pytest.fixture
def engine_factory(tmp_path):
    started: list[EngineProcess] = []

    def make(*extra: str, env: dict | None = None, state_dir: Path | None = None, start: bool = True,
             zmq: str = FREE_ZMQ, osc: str = FREE_OSC) -> EngineProcess:
        e = EngineProcess(state_dir or Path(tempfile.mkdtemp(dir=tmp_path, prefix="state")), extra, env, zmq, osc)
        started.append(e)
        return e.start() if start else e

    yield make
    for e in started:
        e.kill()


@pytest.fixture
def running_engine(engine_factory) -> EngineProcess:
    return engine_factory()


@pytest.fixture
def examples() -> Path:
    """The bundled example clips (smartdj/data/audio, with manifest.csv labels)."""
    return EXAMPLES


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory):
    """One engine for a whole test module (read-mostly tests that do not stop or kill it)."""
    e = EngineProcess(tmp_path_factory.mktemp("shared") / "state")
    e.state_dir.mkdir(parents=True, exist_ok=True)
    e.start()
    yield e
    e.kill()


def scene_items(examples: Path, n: int = 3) -> list[dict]:
    """Items for a scene job over the bundled clips: rain, clock ticking, car horn (+ crow, knocking)."""
    rows = [("10_rain_falling.wav", "rain falling", "front"), ("16_clock_ticking.wav", "clock ticking", "front"),
            ("14_car_horn_honking.wav", "car horn honking", "right"), ("08_crow_caw.wav", "crow caw", "left"),
            ("18_knocking_on_wood.wav", "knocking on wood", "front")]
    return [{"path": str(examples / f), "label": label, "id": label.replace(" ", "_"), "at": at}
            for f, label, at in rows[:n]]


SCENE_INSTRUCTION = "remove the car horn, turn the rain down by 6 dB and put the clock ticking on the left"
