"""smartdj bench synth: synthesis throughput (examples per second), median of a few runs, beside
the same examples made by one worker process in the same run (the ratio is the parallel speed-up)."""

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
    p.add_argument("--count", type=int, default=32, help="examples per run (default 32)")
    p.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    import sys

    from smartdj.engine.data.synth import synthesize

    if not Path(args.sources).exists():
        print(f"smartdj bench synth: {args.sources} not found; pass --sources", file=sys.stderr)
        return 2
    def rate(seed: int, workers: int) -> float:
        with tempfile.TemporaryDirectory(prefix="smartdj-bench-synth-") as d:
            t = time.perf_counter()
            synthesize(args.sources, d, args.count, seed=seed, workers=workers, progress=False)
            return args.count / (time.perf_counter() - t)

    rates, single = [], []
    for r in range(max(1, args.runs)):
        rates.append(rate(r, args.workers))
        single.append(rate(r, 1))
    res = {"bench": "synth", "sources": args.sources, "count": args.count, "runs": len(rates),
           "workers": args.workers, "sample_rate": 24000, "seconds": 10.0,
           "examples_per_s_median": round(statistics.median(rates), 3), "examples_per_s_runs": [round(x, 3) for x in rates],
           "baseline": "the same examples with 1 worker", "baseline_examples_per_s_median": round(statistics.median(single), 3),
           "ratio": round(statistics.median(rates) / statistics.median(single), 2)}
    print(json.dumps(res) if args.json else f"synth: {res['examples_per_s_median']:.2f} examples/s "
          f"(median of {len(rates)} runs of {args.count}, {args.workers} workers; 1 worker: "
          f"{res['baseline_examples_per_s_median']:.2f}, x{res['ratio']})")
    return 0
