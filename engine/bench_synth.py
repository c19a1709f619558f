"""smartdj bench synth: synthesis throughput (examples per second), median of a few runs."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

DEV = Path(__file__).resolve().parents[2] / "shared" / "audio" / "dev" / "manifest.csv"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sources", default=str(DEV), help="labelled clips (default: the shared dev manifest)")
    p.add_argument("--count", type=int, default=16, help="examples per run (default 16)")
    p.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    import sys

    from smartdj.engine.synth import synthesize

    if not Path(args.sources).exists():
        print(f"smartdj bench synth: {args.sources} not found; pass --sources", file=sys.stderr)
        return 2
    rates = []
    for r in range(max(1, args.runs)):
        with tempfile.TemporaryDirectory(prefix="smartdj-bench-synth-") as d:
            t = time.perf_counter()
            synthesize(args.sources, d, args.count, seed=r, workers=args.workers, progress=False)
            rates.append(args.count / (time.perf_counter() - t))
    res = {"bench": "synth", "sources": args.sources, "count": args.count, "runs": len(rates),
           "workers": args.workers, "sample_rate": 24000, "seconds": 10.0,
           "examples_per_s_median": round(statistics.median(rates), 3), "examples_per_s_runs": [round(x, 3) for x in rates]}
    print(json.dumps(res) if args.json else f"synth: {res['examples_per_s_median']:.2f} examples/s "
          f"(median of {len(rates)} runs of {args.count}, {args.workers} workers)")
    return 0
