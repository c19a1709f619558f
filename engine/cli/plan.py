"""Plan an instruction into SmartDJ atomic steps (optionally listening to the audio), without executing.

``smartdj plan [IN.wav] "INSTRUCTION" [--labels "a;b"] [--planner rules|alm|llm] [--json]``.
Exit codes (:mod:`exit_codes`): 0 planned, 2 usage (bad arguments, unreadable audio), 5 could not plan.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from smartdj.bridge.protocol import DEFAULT_PLANNER, PLANNERS
from smartdj.engine.cli.exit_codes import NOT_PLANNED


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="[AUDIO] INSTRUCTION",
                   help="the instruction, optionally preceded by an audio file for planners that listen")
    p.add_argument("--labels", default=None, help="the sources present, separated by ';' or ',' (targets are grounded to these)")
    p.add_argument("--planner", default=DEFAULT_PLANNER, choices=PLANNERS)
    p.add_argument("--checkpoint", default=None, help="checkpoint folder for the alm planner")
    p.add_argument("--json", action="store_true",
                   help='print {"steps": [...], "planner": ..., "fallback": ..., "tags": [...]}')


def run(args: argparse.Namespace) -> int:
    from smartdj.bridge.language import plan_text
    from smartdj.engine.planning.base import PlanningError, get_planner

    if len(args.inputs) > 2:
        print('smartdj plan: expected [AUDIO] "INSTRUCTION" (quote the instruction)', file=sys.stderr)
        return 2
    audio = None
    if len(args.inputs) == 2:
        from smartdj.engine.audio.io import AudioError, read_audio

        try:
            audio = read_audio(args.inputs[0])
        except AudioError as e:
            print(f"smartdj plan: {e}", file=sys.stderr)
            return 2
    instruction = args.inputs[-1]
    labels = [x.strip() for x in re.split(r"[;,]", args.labels) if x.strip()] if args.labels else None
    options = {"checkpoint": args.checkpoint} if args.checkpoint and args.planner in ("alm", "llm") else {}
    try:
        planner = get_planner(args.planner, **options)
        result = planner.plan(instruction, labels=labels, audio=audio)
    except PlanningError as e:
        print(f"smartdj plan: {e}", file=sys.stderr)
        return NOT_PLANNED
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(plan_text(result.steps))
        if result.unsure:
            why = (f"{len(result.alternatives)} readings are plausible" if len(result.alternatives) > 1 else
                   "only the learned reader could read this" if result.planner == "reader" else
                   (result.tags or ["part of it was not understood"])[-1])
            print(f"unsure: {why}; check the plan before running it (it is not run unconfirmed)", file=sys.stderr)
            for k, alt in enumerate(result.alternatives[1:], 2):
                print(f"reading {k}:\n{plan_text(alt)}", file=sys.stderr)
        if result.fallback:
            print(f"note: {result.fallback}", file=sys.stderr)
    return 0
