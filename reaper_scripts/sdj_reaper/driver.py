"""The defer driver: runs an action's flow (a generator) once per REAPER defer tick, errors as one message box.

A script returns control to REAPER at once and never blocks: sockets are non-blocking, work per
tick is bounded, and each tick is wrapped so that an error reaches the user as one message box
(the traceback goes to a log file), never as a Python traceback. All RPR_ calls happen on
REAPER's main thread.
"""

import os
import time

import reaper_client as rc
from reaper_python import *

from .settings import UserError, setting
from .ui import Progress, box, report_internal

_serial = [0]


class Context:
    """What one running action holds: its client socket, pending peaks, the job runs it follows, its undo point."""

    def __init__(self):
        self.client = None
        self.peaks = []
        self.runs = []
        self.undo_desc = ""
        self.changed = False  # something landed in the project: one undo point when the action ends
        self.progress = Progress()
        self.queue_call = None
        self.queue_checked = 0.0

    def connect(self):
        if self.client is None:
            self.client = rc.EngineClient(setting("host"), int(setting("osc_port")))
        return self.client

    def close(self):
        if self.changed:  # the script was stopped mid-job: still leave one undo point
            self.commit_undo()
        if self.client is not None:
            self.client.close()
            self.client = None

    def commit_undo(self):
        if not self.changed:
            return
        RPR_Undo_BeginBlock2(0)
        self.changed = False
        RPR_UpdateArrange()
        RPR_Undo_EndBlock2(0, self.undo_desc or "SmartDJ edit", -1)


def main(g, flow):
    """Run ``flow(ctx)`` (a generator) now and then once per defer tick; errors become one message box."""
    _serial[0] += 1
    name = f"_smartdj_tick_{os.getpid()}_{_serial[0]}_{int(time.time() * 1000) % 100000}"
    ctx = Context()
    state = {"gen": None}

    def finish():
        try:
            ctx.close()
        except Exception as e:  # noqa: BLE001 - the user gets a message, not a traceback
            report_internal(e)

    def tick():
        try:
            if ctx.client is not None:
                ctx.client.poll()
            if state["gen"] is None:
                state["gen"] = flow(ctx)
            next(state["gen"])
        except StopIteration:
            finish()
            return
        except UserError as e:
            finish()
            box(str(e))
            return
        except Exception as e:  # noqa: BLE001
            finish()
            report_internal(e)
            return
        g["RPR_defer"](name + "()")

    g[name] = tick
    g[name + "_exit"] = finish
    g["RPR_atexit"](name + "_exit()")
    tick()
