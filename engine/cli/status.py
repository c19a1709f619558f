"""Engine status (endpoints, queue, recent jobs), or one job's state and events.

Exit codes (:mod:`exit_codes`): 0 answered, 3 no engine, 4 no such job.
"""

from __future__ import annotations

import argparse
import json

from smartdj.engine.cli import exit_codes as X
from smartdj.engine.cli.engine_flags import add_engine_arguments, client_failure, connect


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("job", nargs="?", help="a job id: show its state and events")
    p.add_argument("--json", action="store_true", help="print the engine's reply as JSON")
    add_engine_arguments(p)


def run(args: argparse.Namespace) -> int:
    from smartdj.bridge.zmq_client import EngineError, EngineUnreachable

    c, endpoint = connect(args)
    with c:
        try:
            if args.job:
                reply = c.status(args.job)
                reply["events"] = c.events(args.job, 0, 1000)["events"]
            else:
                reply = c.status()
        except (EngineUnreachable, EngineError) as e:
            return client_failure("status", endpoint, e)
    if args.json:
        print(json.dumps(reply, indent=2))
    elif args.job:
        from smartdj.engine.cli.progress import event_lines, running_summary

        now = running_summary(reply["events"])
        print(f"job {reply['job']}: {reply['state']}{' - ' + now if now else ''}  ({reply['instruction']})")
        for line in event_lines(reply["events"], scene=bool(reply.get("scene"))):
            print(line)
    else:
        from smartdj.bridge.protocol import RUNNING

        e = reply["engine"]
        print(f"engine {e['version']} pid {e['pid']} up {e['uptime']:.0f} s  zmq={e['endpoints'].get('zmq')} "
              f"osc={e['endpoints'].get('osc')}  queue={e['queue']} {RUNNING}={e[RUNNING]}")
        for j in reply["jobs"]:
            print(f"  {j['job']}  {j['state']:<9} {j['instruction'][:70]}")
    return X.OK
