"""smartdj synth: write (instruction, plan, per-step audio) examples from labelled clips."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sources", required=True,
                   help="labelled clips: a CSV with file,label columns (paths relative to it) or a folder of clips")
    p.add_argument("--out", required=True, help="output dataset folder (manifest.jsonl + one folder per example)")
    p.add_argument("--count", type=int, default=100, help="number of examples (default 100)")
    p.add_argument("--seed", type=int, default=0, help="random seed; example i depends only on (seed, i)")
    p.add_argument("--sr", type=int, default=24000, help="sample rate of the renders (default 24000, SmartDJ's)")
    p.add_argument("--seconds", type=float, default=10.0, help="length of every scene (default 10)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="worker processes (default 2)")
    p.add_argument("--locations", type=int, choices=(3, 5), default=5,
                   help="5 positions (released SmartDJ) or 3 (left/front/right, as in the v1 demos)")
    p.add_argument("--overwrite", action="store_true", help="replace a dataset already in --out")
    p.add_argument("--json", action="store_true", help="print a JSON summary")


def run(args: argparse.Namespace) -> int:
    from smartdj.bridge.language import LOCATIONS
    from smartdj.engine.data.designer import THREE_LOCATIONS
    from smartdj.engine.data.synth import SynthError, synthesize

    t0 = time.perf_counter()
    try:
        manifest = synthesize(args.sources, args.out, args.count, seed=args.seed, sr=args.sr, seconds=args.seconds,
                              workers=max(1, args.workers),
                              locations=THREE_LOCATIONS if args.locations == 3 else LOCATIONS,
                              overwrite=args.overwrite)
    except SynthError as e:
        print(f"smartdj synth: {e}", file=sys.stderr)
        return 2
    dt = time.perf_counter() - t0
    summary = {"manifest": str(manifest), "count": args.count, "seconds": round(dt, 3),
               "examples_per_s": round(args.count / dt, 3)}
    print(json.dumps(summary) if args.json else f"wrote {args.count} examples to {manifest} "
          f"in {dt:.1f} s ({args.count / dt:.2f} examples/s)")
    return 0
