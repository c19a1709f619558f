"""Show installed model checkpoints (name, kind, config, source, licence, path); reads only config.json."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--path", action="append", default=[], help="another folder to scan (or a checkpoint folder)")
    p.add_argument("--json", action="store_true")


def models_dir() -> Path:
    try:
        from smartdj.engine.config import models_dir as engine_models_dir
    except ImportError:
        engine_models_dir = None
    if engine_models_dir is not None:
        return Path(engine_models_dir())
    home = os.environ.get("SMARTDJ_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share", "smartdj")
    return Path(home) / "models"


def describe(folder: Path) -> dict | None:
    cfg = folder / "config.json"
    if not cfg.is_file():
        return None
    try:
        doc = json.loads(cfg.read_text())
    except ValueError:
        return {"name": folder.name, "kind": "?", "config": None, "source": None, "licence": None,
                "path": str(folder), "error": "unreadable config.json"}
    if doc.get("format") != "smartdj-checkpoint":
        return None
    meta, conf = doc.get("meta") or {}, doc.get("config") or {}
    return {"name": folder.name, "kind": doc.get("kind"), "config": meta.get("config_name") or conf.get("name"),
            "source": meta.get("source"), "licence": meta.get("licence") or meta.get("license"),
            "format_version": doc.get("format_version"), "path": str(folder)}


def scan(roots: list[Path]) -> list[dict]:
    rows, seen = [], set()
    for root in roots:
        if not root.is_dir():
            continue
        for f in [root, *sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))]:
            d = describe(f)
            if d and d["path"] not in seen:
                seen.add(d["path"])
                rows.append(d)
    return rows


def run(args: argparse.Namespace) -> int:
    root = models_dir()
    rows = scan([root, *(Path(p) for p in args.path)])
    if args.json:
        print(json.dumps({"models_dir": str(root), "models": rows}, indent=2))
        return 0
    print(f"models dir: {root}{'' if root.is_dir() else ' (does not exist yet)'}")
    if not rows:
        print("no checkpoints installed (train one with `smartdj train editor`, or `smartdj models pull`)")
        return 0
    for r in rows:
        print(f"  {r['name']:<24} {str(r['kind']):<8} {str(r['config']):<10} {str(r['source'] or '-'):<36} "
              f"{str(r['licence'] or '-'):<8} {r['path']}")
    return 0
