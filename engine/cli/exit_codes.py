"""The exit codes of every ``smartdj`` command, defined once so scripts can tell the outcomes apart.

``EPILOG`` is the table ``smartdj --help`` and the client commands print; the README repeats it.
"""

from __future__ import annotations

OK = 0  # done
FAILED = 1  # the job ran and failed (bad audio, an edit that failed, ...), or cancel found it already ended
USAGE = 2  # a bad flag, argument, input file or setting: the message says which and how to fix it
NO_ENGINE = 3  # no engine answered at the address (start one with `smartdj serve`, or use --local)
NOT_FOUND = 4  # no such job on the engine
NOT_PLANNED = 5  # the instruction could not be planned into steps
UNSUPPORTED = 6  # no executor here can do a step as asked (a timbre it cannot render, a sound inside a
# mix without a separator, a diffusion step without a checkpoint): choose another or install the model
PIPE_CLOSED = 141  # the reader of the output went away (`smartdj status | head`): 128 + SIGPIPE
CANCELLED = 130  # cancelled, or interrupted with Ctrl-C: 128 + SIGINT

MEANINGS: tuple[tuple[int, str], ...] = (
    (OK, "done"),
    (FAILED, "the job failed (the message says why); for cancel: the job had already ended"),
    (USAGE, "bad flag, argument, input or setting (the message names it)"),
    (NO_ENGINE, "no engine at the address: start one with `smartdj serve`, or use --local "
                "(for serve itself: its address is already in use)"),
    (NOT_FOUND, "no such job"),
    (NOT_PLANNED, "the instruction could not be planned: rephrase it"),
    (UNSUPPORTED, "the executor cannot do a step: choose another (--executor) or install its model"),
    (CANCELLED, "cancelled or interrupted (Ctrl-C)"),
    (PIPE_CLOSED, "the output's reader closed the pipe (e.g. `| head`)"),
)

EPILOG = "exit codes:\n" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in MEANINGS)

# failed-event codes that mean "this executor cannot do that step", not "it broke"
_UNSUPPORTED_CODES = {"unsupported_quality", "needs_separation", "no_checkpoint"}


def for_failure(code: str | None) -> int:
    """The exit code for a job that ended with a ``failed`` event of ``code``."""
    if code == "plan_failed":
        return NOT_PLANNED
    if code in _UNSUPPORTED_CODES:
        return UNSUPPORTED
    return FAILED
