"""Edit quality of a diffusion editor checkpoint: LSD and SI-SDR of its output against the composer's
target, and of the unedited input against the target, over the dataset's held-back examples."""

from __future__ import annotations

import argparse
import json


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="dataset folder with manifest.jsonl")
    p.add_argument("--checkpoint", required=True, help="editor checkpoint folder")
    p.add_argument("--limit", type=int, default=20, help="at most this many pairs")
    p.add_argument("--split", choices=["val", "train", "all"], default="val",
                   help="held-back examples (default), training ones, or all")
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--guidance", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None, help="auto (default), cpu, cuda, mps")
    p.add_argument("--json", action="store_true")


def evaluate(pipe, pairs, *, steps=None, guidance=None, seed: int = 0) -> dict:
    """Mean metrics over ``pairs`` (``editor_data.EditPair``) and per-pair rows."""
    import numpy as np
    from smartdj.models.metrics import lsd, si_sdr
    from smartdj.models.training.editor_data import AudioStore

    store = AudioStore(pipe.sample_rate)
    rows = []
    for p in pairs:
        src, tgt = store.get(p.source), store.get(p.target)
        out = pipe.edit(src, pipe.sample_rate, p.text, seed=seed, steps=steps, guidance=guidance).audio
        rows.append({"text": p.text, "example": p.example,
                     "lsd_output": lsd(out, tgt), "lsd_input": lsd(src, tgt),
                     "si_sdr_output": si_sdr(out, tgt), "si_sdr_input": si_sdr(src, tgt)})
    keys = ["lsd_output", "lsd_input", "si_sdr_output", "si_sdr_input"]
    mean = {k: float(np.mean([r[k] for r in rows])) if rows else None for k in keys}
    return {"pairs": len(rows), "mean": mean, "rows": rows}


def run(args: argparse.Namespace) -> int:
    from smartdj.engine.config import keep_hub_offline

    keep_hub_offline()  # never download weights from here
    from smartdj.models.pipelines.edit import EditPipeline
    from smartdj.models.training.editor_data import load_pairs

    train, val = load_pairs(args.data)
    pairs = {"val": val, "train": train, "all": train + val}[args.split]
    split = args.split
    if not pairs:
        pairs, split = train, "train (no held-back examples in this dataset)"
    pipe = EditPipeline.from_checkpoint(args.checkpoint, device=args.device)
    res = evaluate(pipe, pairs[: args.limit], steps=args.steps, guidance=args.guidance, seed=args.seed)
    res.update({"split": split, "checkpoint": str(args.checkpoint), "device": str(pipe.device)})
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        m = res["mean"]
        print(f"{res['pairs']} pairs ({split}) on {pipe.device}")
        print(f"  LSD    output {m['lsd_output']:.2f} dB   input {m['lsd_input']:.2f} dB   (lower is better)")
        print(f"  SI-SDR output {m['si_sdr_output']:.2f} dB   input {m['si_sdr_input']:.2f} dB   (higher is better)")
    return 0
