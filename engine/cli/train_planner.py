"""Train the audio-language planner (CLAP -> adapter -> LM with LoRA) on synthesized examples.

``smartdj train planner --data DIR --out CKPT [--config tiny|small|FILE] [--lm PATH_OR_NAME]
[--clap PATH_OR_NAME] [--steps N] [--lr LR] [--batch B] [--resume] [--seed S]``
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="synthesized dataset folder (manifest.jsonl from `smartdj synth`)")
    p.add_argument("--out", required=True, help="checkpoint folder to write (kind 'planner')")
    p.add_argument("--config", default="tiny", help="preset (tiny, small) or a JSON file of training settings")
    p.add_argument("--lm", default=None, help="causal LM: a local folder or a name in the Hugging Face cache "
                                              "(e.g. Qwen/Qwen2.5-0.5B-Instruct); 'tiny' = random tiny LM")
    p.add_argument("--clap", default=None, help="CLAP weights: a local folder, a cached name "
                                                "(laion/clap-htsat-unfused), an original LAION .pt, or 'tiny'")
    p.add_argument("--steps", type=int, default=None, help="optimizer steps (more steps on --resume)")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--batch", type=int, default=None)
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint at --out")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="use only the first N examples")


def run(args: argparse.Namespace) -> int:
    from smartdj.engine.config import keep_hub_offline

    keep_hub_offline()  # never download weights from here
    from smartdj.engine.data.designer import design_refusal
    from smartdj.models.planner.data import load_examples
    from smartdj.models.training.planner import train_planner

    try:
        examples = load_examples(args.data, limit=args.limit)
        summary = train_planner(args.data, args.out, config=args.config, lm=args.lm, clap=args.clap,
                                steps=args.steps, lr=args.lr, batch=args.batch, resume=args.resume,
                                seed=args.seed, examples=examples, refusal_phrase=design_refusal)
    except (FileNotFoundError, ValueError, OSError) as e:
        print(f"smartdj train planner: {e}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0
