"""Engine status (endpoints, queue, recent jobs), or one job's state and events.

Exit codes: 0 answered, 3 no engine, 4 no such job.
"""

from __future__ import annotations

import argparse
import json
import sys

from smartdj.engine.cli.engine_flags import add_engine_arguments, connect


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
        except EngineUnreachable:
            print(f"smartdj status: no engine at {endpoint}; start one with `smartdj serve`", file=sys.stderr)
            return 3
        except EngineError as e:
            print(f"smartdj status: {e.message}", file=sys.stderr)
            return 4 if e.code == "not_found" else 2
    if args.json:
        print(json.dumps(reply, indent=2))
    elif args.job:
        print(f"job {reply['job']}: {reply['state']}  ({reply['instruction']})")
        for ev in reply["events"]:
            detail = ev.get("path") or ev.get("text") or ev.get("message") or ""
            print(f"  {ev['seq']:>4} {ev['type']:<13} {ev.get('item', '')} {detail}")
    else:
        e = reply["engine"]
        print(f"engine {e['version']} pid {e['pid']} up {e['uptime']:.0f} s  zmq={e['endpoints'].get('zmq')} "
              f"osc={e['endpoints'].get('osc')}  queue={e['queue']} running={e['running']}")
        for j in reply["jobs"]:
            print(f"  {j['job']}  {j['state']:<9} {j['instruction'][:70]}")
    return 0
