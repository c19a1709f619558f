"""Reaching the engine: ping it, and start ``smartdj serve`` in the background when nobody answers."""

import os
import subprocess
import tempfile
import time

import reaper_client as rc
from reaper_python import *

from .settings import SECTION, UserError, address, setting

LOG_NAME = "smartdj-engine.log"


def engine_command():
    """The command that starts an engine where the settings say one listens."""
    cmd = [setting("smartdj"), "serve", "--osc", address(), "--zmq", setting("zmq")]
    if setting("state_dir"):
        cmd += ["--state-dir", setting("state_dir")]
    return cmd


def engine_log():
    """The engine's output file: in its state folder when one is set, else in the temp folder."""
    folder = setting("state_dir") or tempfile.gettempdir()
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        folder = tempfile.gettempdir()
    return os.path.join(folder, LOG_NAME)


def start_engine():
    """Start the engine detached; returns (process, log path, where this start's output begins)."""
    cmd = engine_command()
    kw = {"stdin": subprocess.DEVNULL, "close_fds": True}
    if os.name == "nt":
        kw["creationflags"] = 0x00000008 | 0x00000200 | 0x08000000  # DETACHED, NEW_GROUP, NO_WINDOW
    else:
        kw["start_new_session"] = True
    path = engine_log()
    try:
        log = open(path, "ab")
        offset = log.seek(0, 2)
    except OSError:
        log, offset = subprocess.DEVNULL, 0
    try:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, **kw)
    except OSError as e:
        raise UserError(f"Could not start the SmartDJ engine ({' '.join(cmd)}): {e}\n\nSet the path to the "
                        "'smartdj' executable in 'SmartDJ: Settings', or start 'smartdj serve' yourself.") from None
    finally:
        if log is not subprocess.DEVNULL:
            log.close()
    RPR_SetExtState(SECTION, "engine_pid", str(proc.pid), False)
    return proc, path, offset


def log_since(path, offset, n=6):
    """The last ``n`` lines this start wrote to the (shared) log: nothing from earlier starts."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            end = f.tell()
            f.seek(max(offset, end - 4000))
            lines = f.read().decode("utf-8", "replace").strip().splitlines()
    except OSError:
        return ""
    text = "\n".join(lines[-n:])
    return text or "(the engine wrote nothing)"


def _ping(client, timeout, tries):
    call = rc.Call(client, "ping", timeout=timeout, tries=tries)
    while call.check() == "waiting":
        yield
    r = call.result
    return r if r and r.get("type") == "pong" else None


def ensure_engine(ctx, start=True):
    """Ping; when nobody answers, start ``smartdj serve`` and ping until it does (a generator)."""
    client = ctx.connect()
    pong = yield from _ping(client, 0.3, 3)
    if pong is not None or not start:
        return pong
    proc, log, offset = start_engine()
    timeout = float(setting("start_timeout") or 30)
    t0 = time.monotonic()
    command = " ".join(engine_command())
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise UserError(f"The SmartDJ engine stopped at start-up (exit code {proc.returncode}).\n\n"
                            f"Command: {command}\n\n{log_since(log, offset)}\n\nLog: {log}")
        pong = yield from _ping(client, 0.25, 1)
        if pong is not None:
            return pong
    raise UserError(f"The SmartDJ engine did not answer within {timeout:g} s of starting it.\n\n"
                    f"Command: {command}\nAddress: {address()}\n\n{log_since(log, offset)}\n\nLog: {log}")


def wait_call(call):
    """Wait for a :class:`reaper_client.Call` without blocking (a generator); returns its reply or None."""
    while call.check() == "waiting":
        yield
    return call.result
