"""Show installed models (name, kind, config, source, licence, path); checkpoints are read from config.json only.

Rows come from :data:`SOURCES`, each a function of the folders scanned that returns rows; another
kind of model (e.g. a separator backend) is listed by adding its source there.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--path", action="append", default=[], help="another folder to scan (or a checkpoint folder)")
    p.add_argument("--json", action="store_true")


def describe(folder: Path) -> dict | None:
    from smartdj.models.checkpoint import CONFIG_NAME, FORMAT

    cfg = folder / CONFIG_NAME
    if not cfg.is_file():
        return None
    try:
        doc = json.loads(cfg.read_text())
    except ValueError:
        return {"name": folder.name, "kind": "?", "config": None, "source": None, "licence": None,
                "path": str(folder), "error": "unreadable config.json"}
    if doc.get("format") != FORMAT:
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


# Each source lists rows for the folders scanned; checkpoints first.
SOURCES: list[Callable[[list[Path]], list[dict]]] = [scan]


def _separators(roots: list[Path]) -> list[dict]:
    from smartdj.engine.cli.models_separators import rows as separator_rows

    return separator_rows(roots)


SOURCES.append(_separators)  # separator backends: licence, installed or how to install, ops on a mixture


def rows(roots: list[Path]) -> list[dict]:
    return [row for source in SOURCES for row in source(roots)]


def run(args: argparse.Namespace) -> int:
    from smartdj.engine.config import models_dir

    root = Path(models_dir())
    found = rows([root, *(Path(p) for p in args.path)])
    if args.json:
        print(json.dumps({"models_dir": str(root), "models": found}, indent=2))
        return 0
    print(f"models dir: {root}{'' if root.is_dir() else ' (does not exist yet)'}")
    if not found:
        print("no checkpoints installed (train one with `smartdj train editor`, or `smartdj models pull`)")
        return 0
    for r in found:
        print(f"  {r['name']:<24} {str(r['kind']):<8} {str(r['config']):<10} {str(r['source'] or '-'):<36} "
              f"{str(r['licence'] or '-'):<8} {r['path']}")
    return 0
