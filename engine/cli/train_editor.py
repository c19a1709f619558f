"""Train the diffusion editor on a synthesized dataset (accelerate: CPU, one GPU or many).

Example: ``smartdj train editor --data DATA --config tiny --out CKPT --steps 500``; for several
GPUs: ``accelerate launch -m smartdj.engine.cli.main train editor ...``.
"""

from __future__ import annotations

import argparse
import json


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="dataset folder with manifest.jsonl (smartdj synth --out)")
    p.add_argument("--config", default="tiny", help="tiny, small, full, full_dit or a FILE.json")
    p.add_argument("--out", required=True, help="checkpoint folder to write")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch", type=int, default=None, help="batch size per process (config default)")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--resume", action="store_true", help="continue from OUT.state (or OUT's weights)")
    p.add_argument("--save-every", type=int, default=None)
    p.add_argument("--val-every", type=int, default=None)
    p.add_argument("--latents-cache", default=None, help="folder for pre-encoded latents")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mixed-precision", choices=["no", "bf16", "fp16"], default="no")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="stop (validate and save) after this much training time, even before --steps")
    p.add_argument("--cpu", action="store_true", help="train on the CPU even when a GPU is present")
    p.add_argument("--json", action="store_true", help="print the final summary as JSON")


def run(args: argparse.Namespace) -> int:
    from smartdj.engine.config import keep_hub_offline

    keep_hub_offline()  # never download weights from here
    from smartdj.models.configs import editor_config
    from smartdj.models.training.editor import train_editor

    cfg = editor_config(args.config)
    res = train_editor(args.data, cfg, args.out, steps=args.steps, batch=args.batch, lr=args.lr, resume=args.resume,
                       save_every=args.save_every, val_every=args.val_every, latents_cache=args.latents_cache,
                       seed=args.seed, mixed_precision=args.mixed_precision, cpu=args.cpu,
                       max_seconds=None if args.max_minutes is None else args.max_minutes * 60)
    summary = {k: v for k, v in res.items() if k != "history"} | {"checkpoint": str(args.out)}
    print(json.dumps(summary, indent=None if args.json else 2))
    return 0
