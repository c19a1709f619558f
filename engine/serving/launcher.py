"""Start an engine (``smartdj serve``) as a separate process and wait for its ready line.

The demo, the benchmarks and the tests all start engines this one way: free loopback ports
(port 0), the ready line read back with ``protocol.parse_ready`` for the bound endpoints, the
process's stderr kept (``log()``) for reports of why it failed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from smartdj.bridge import protocol as P

FREE_ZMQ = f"tcp://{P.DEFAULT_OSC_HOST}:0"  # loopback, any free port
FREE_OSC = f"{P.DEFAULT_OSC_HOST}:0"


def serve_command(state_dir: str | Path, zmq: str = FREE_ZMQ, osc: str = FREE_OSC,
                  extra: Sequence[str] = ()) -> list[str]:
    return [sys.executable, "-m", "smartdj.engine.cli.main", "serve", "--zmq", zmq, "--osc", osc,
            "--state-dir", str(state_dir), *extra]


class LaunchError(RuntimeError):
    """The engine exited or said nothing ready in time; the message carries its stderr."""


class Launched:
    """A running engine process: ``zmq``, ``osc`` (``host:port`` or ``off``), ``pid``, ``proc``, ``log()``."""

    def __init__(self, proc: subprocess.Popen, lines: list[str]):
        self.proc, self._lines = proc, lines
        self.zmq, self.osc, self.pid, self.resumed = "", "off", proc.pid, 0

    def log(self) -> str:
        return "".join(self._lines)

    @property
    def osc_host(self) -> str:
        return self.osc.rsplit(":", 1)[0]

    @property
    def osc_port(self) -> int:
        return int(self.osc.rsplit(":", 1)[1])

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, then SIGKILL if it has not stopped in ``timeout`` s; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def launch(state_dir: str | Path, *, zmq: str = FREE_ZMQ, osc: str = FREE_OSC, extra: Sequence[str] = (),
           env: Mapping[str, str] | None = None, cwd: str | Path | None = None, timeout: float = 60.0) -> Launched:
    """Start ``smartdj serve`` and return once it printed its ready line (LaunchError otherwise)."""
    proc = subprocess.Popen(serve_command(state_dir, zmq, osc, extra), stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True, errors="replace",
                            env=None if env is None else dict(env), cwd=None if cwd is None else str(cwd))
    lines: list[str] = []
    engine = Launched(proc, lines)
    ready = threading.Event()

    def pump(stream=proc.stderr) -> None:
        for line in stream:
            lines.append(line)
            fields = None if ready.is_set() else P.parse_ready(line)
            if fields:
                engine.zmq, engine.osc, engine.resumed = fields["zmq"], fields["osc"], fields["resumed"]
                ready.set()
    threading.Thread(target=pump, daemon=True, name="smartdj-launcher-log").start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.05):
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
            time.sleep(0.1)  # let the pump read the last lines
            raise LaunchError(f"the engine did not start (exit code {proc.returncode}):\n{engine.log()[-4000:]}")
    return engine
