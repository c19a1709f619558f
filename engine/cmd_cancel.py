"""Cancel a job on the running engine (between steps, or inside a step that supports it).

Exit codes: 0 cancelled or cancelling, 1 the job had already ended, 3 no engine, 4 no such job.
"""

from __future__ import annotations

import argparse
import os
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("job", help="the job id")
    p.add_argument("--engine", default=None, help="engine endpoint (default $SMARTDJ_ZMQ or tcp://127.0.0.1:5557)")
    p.add_argument("--token", default=None, help="engine token (default $SMARTDJ_TOKEN)")


def run(args: argparse.Namespace) -> int:
    from smartdj.bridge.zmq_client import EngineClient, EngineError, EngineUnreachable

    endpoint = args.engine or os.environ.get("SMARTDJ_ZMQ") or "tcp://127.0.0.1:5557"
    with EngineClient(endpoint, token=args.token or os.environ.get("SMARTDJ_TOKEN"), timeout=3.0,
                      client="cli") as c:
        try:
            reply = c.cancel(args.job)
        except EngineUnreachable:
            print(f"smartdj cancel: no engine at {endpoint}; start one with `smartdj serve`", file=sys.stderr)
            return 3
        except EngineError as e:
            print(f"smartdj cancel: {e.message}", file=sys.stderr)
            return 4 if e.code == "not_found" else 2
    print(f"job {args.job}: {reply['state']}")
    return 0 if reply["state"] in ("cancelled", "cancelling") else 1
