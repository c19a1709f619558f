"""What the user sees besides dialogs: message boxes, the progress line in REAPER's status area, the error log."""

import os
import tempfile
import time
import traceback

from reaper_python import *

TITLE = "SmartDJ"
LOG = os.path.join(tempfile.gettempdir(), "smartdj-reaper.log")
PROGRESS_EVERY_S = 0.25  # at most a few status-line updates a second (each is a UI call)


def is_null(ptr) -> bool:
    """A NULL pointer string (REAPER returns the zero address, still a truthy string)."""
    s = str(ptr)
    return not s or s.endswith("x0000000000000000") or s in ("0", "None")


def box(msg, kind=0):
    """One message box; returns REAPER's answer (1 OK, 6 yes, 7 no...)."""
    return RPR_ShowMessageBox(str(msg), TITLE, kind)


def status_line(text):
    """Show ``text`` in REAPER's help/status area (temporary help: it does not pop up a console)."""
    RPR_Help_Set(str(text)[:250], True)


class Progress:
    """Throttled status-line updates: always on a new step or the end, otherwise a few per second."""

    def __init__(self):
        self.last = 0.0
        self.text = ""

    def show(self, text, force=False):
        now = time.monotonic()
        if text == self.text or not force and now - self.last < PROGRESS_EVERY_S:
            return
        self.last, self.text = now, text
        status_line(text)


def report_internal(exc):
    """An unexpected error: the traceback goes to the log, the user gets one box pointing at it."""
    try:
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(time.strftime("%Y-%m-%d %H:%M:%S ") + traceback.format_exc() + "\n")
    except OSError:
        pass
    box(f"SmartDJ hit an internal error: {type(exc).__name__}: {exc}\n\nDetails: {LOG}")
