"""Train the stereo VAE (mono Oobleck per channel) on a folder of audio files (accelerate).

Use the result in an editor config with ``"latent": {..., "weights_from": "CKPT"}``."""

from __future__ import annotations

import argparse
import json


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="folder of audio files (searched recursively)")
    p.add_argument("--config", default="tiny", help="tiny, small, full or FILE.json")
    p.add_argument("--out", required=True, help="checkpoint folder to write (kind 'vae')")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--save-every", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mixed-precision", choices=["no", "bf16", "fp16"], default="no")
    p.add_argument("--cpu", action="store_true")


def run(args: argparse.Namespace) -> int:
    from smartdj.engine.config import keep_hub_offline

    keep_hub_offline()  # never download weights from here
    from smartdj.models.configs import vae_config
    from smartdj.models.training.vae import train_vae

    res = train_vae(args.data, vae_config(args.config), args.out, steps=args.steps, batch=args.batch, lr=args.lr,
                    seed=args.seed, cpu=args.cpu, mixed_precision=args.mixed_precision, save_every=args.save_every)
    print(json.dumps(res | {"checkpoint": str(args.out)}))
    return 0
