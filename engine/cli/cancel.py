"""Cancel a job on the running engine (between steps, or inside a step that supports it).

Exit codes (:mod:`exit_codes`): 0 cancelled or cancelling, 1 the job had already ended, 3 no engine,
4 no such job.
"""

from __future__ import annotations

import argparse

from smartdj.engine.cli import exit_codes as X
from smartdj.engine.cli.engine_flags import add_engine_arguments, client_failure, connect


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("job", help="the job id")
    add_engine_arguments(p)


def run(args: argparse.Namespace) -> int:
    from smartdj.bridge.zmq_client import EngineError, EngineUnreachable

    c, endpoint = connect(args)
    with c:
        try:
            reply = c.cancel(args.job)
        except (EngineUnreachable, EngineError) as e:
            return client_failure("cancel", endpoint, e)
    print(f"job {args.job}: {reply['state']}")
    return X.OK if reply["state"] in ("cancelled", "cancelling") else X.FAILED
