"""Score planners on instructions with known plans: exact-plan accuracy, step F1, grounding, refusals.

``smartdj eval planner --data FILE|DIR --planner rules [--planner alm] [--json]``: the data is the
bundled hand-written set by default, or a synthesized dataset folder (``--split heldout`` keeps a
deterministic ``--holdout`` fraction chosen by ``--seed``). Several ``--planner`` flags print
side by side.
"""

from __future__ import annotations

import argparse
import json
import sys

from smartdj.bridge.protocol import PLANNERS

ROWS = ("examples", "plannable", "refusable", "exact_plan_accuracy", "overall_accuracy", "step_precision",
        "step_recall", "step_f1", "op_accuracy", "grounding_accuracy", "refusal_precision", "refusal_recall",
        "false_refusals", "harmful", "harmful_rate", "unsure", "unsure_with_right_reading", "crashes", "failures",
        "ms_per_plan")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default=None, help="JSONL file or dataset folder (default: the bundled hand-written set)")
    p.add_argument("--planner", action="append", choices=PLANNERS,
                   help="planner to score (repeat to compare; default rules)")
    p.add_argument("--checkpoint", default=None, help="checkpoint folder for the alm planner")
    p.add_argument("--split", default="all", choices=("all", "train", "heldout"))
    p.add_argument("--holdout", type=float, default=0.2, help="held-back fraction for --split")
    p.add_argument("--seed", type=int, default=0, help="seed of the held-back choice")
    p.add_argument("--limit", type=int, default=None, help="score only the first N examples")
    p.add_argument("--show-wrong", type=int, default=0, metavar="N", help="list up to N wrong examples per planner")
    p.add_argument("--no-audio", action="store_true",
                   help="do not give planners the input mix of synthesized examples (instruction and labels only)")
    p.add_argument("--run-reader", action="store_true",
                   help="hybrid: run plans only the learned reader could read (by default they are held for "
                        "confirmation and scored as unsure)")
    p.add_argument("--lenient", action="store_true",
                   help="hybrid: run rule plans the learned reader could not read (by default a rule plan is held "
                        "when the reader could not tell what a clause asks for)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "-" if v is None else str(v)


def run(args: argparse.Namespace) -> int:
    from smartdj.engine.evaluation.planner import evaluate, load_examples
    from smartdj.engine.planning.base import get_planner

    try:
        examples = load_examples(args.data, split=args.split, holdout=args.holdout, seed=args.seed)
    except (FileNotFoundError, ValueError) as e:
        print(f"smartdj eval planner: {e}", file=sys.stderr)
        return 2
    if args.limit:
        examples = examples[: args.limit]
    if not examples:
        print("smartdj eval planner: no examples to score", file=sys.stderr)
        return 2
    results: dict[str, dict] = {}
    for name in args.planner or ["rules"]:
        options = {"checkpoint": args.checkpoint} if args.checkpoint and name in ("alm", "llm") else {}
        if name == "hybrid" and args.run_reader:
            options["confirm"] = False
        if name == "hybrid" and args.lenient:
            options["agree"] = False
        planner = get_planner(name, **options)
        fallback = getattr(planner, "reason", None)
        metrics = evaluate(planner, examples, with_audio=not args.no_audio and name != "rules")
        results[name] = {**metrics.summary(), "fallback": fallback, "wrong": metrics.wrong}
    if args.json:
        print(json.dumps({"data": args.data or "handwritten", "split": args.split, "planners": results}, indent=2))
        return 0
    names = list(results)
    width = max(len(r) for r in ROWS)
    print(f"{'metric':<{width}}  " + "  ".join(f"{n:>10}" for n in names))
    for row in ROWS:
        print(f"{row:<{width}}  " + "  ".join(f"{_fmt(results[n][row]):>10}" for n in names))
    for n in names:
        by, ok = results[n]["planned_by"], results[n]["exact_by"]
        said = [f"refused {k} ({ok.get(who, 0)} rightly)" if who == "refused" else
                f"planned by {who} {k} ({ok.get(who, 0)} right)" for who, k in sorted(by.items())]
        print(f"{n}: " + ", ".join(said))
    for n in names:
        if results[n]["fallback"]:
            print(f"note: {n}: {results[n]['fallback']}")
        for w in results[n]["wrong"][: args.show_wrong]:
            mark = " HARMFUL" if w["harmful"] else " unsure" if w["unsure"] else ""
            print(f"[{n}]{mark} {w['instruction']!r}\n    expected {w['expected']}\n    got      {w['got'] or w['error']}")
    return 0
