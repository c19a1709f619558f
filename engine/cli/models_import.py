"""Convert SmartDJ's released editor weights (torch pickles) into a SmartDJ checkpoint folder.

``smartdj models import smartdj --from DIR --trust-pickle [--out DIR]`` reads
``smartdj_editor.pt`` and ``24k_mono_latent64.ckpt`` from DIR and writes safetensors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=["smartdj"], help="which release to import")
    parser.add_argument("--from", dest="src", required=True, type=Path,
                        help="folder holding smartdj_editor.pt and 24k_mono_latent64.ckpt")
    add_release_arguments(parser)


def add_release_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags import and pull share: trust in the release's pickles, and the checkpoint folder to write."""
    parser.add_argument("--trust-pickle", action="store_true",
                        help="allow opening the release's pickle files (pickles can run code: only for "
                             "files from a source you trust)")
    parser.add_argument("--out", type=Path, default=None,
                        help="checkpoint folder to write (default: smartdj-released in the models folder)")


def default_out(out: Path | None) -> Path:
    """Where an imported release goes: ``--out``, else its default name in the models folder."""
    from smartdj.engine.config import models_dir
    from smartdj.models.release.released import DEFAULT_NAME

    return out if out is not None else models_dir() / DEFAULT_NAME


def import_files(editor: Path, vae: Path, args: argparse.Namespace, who: str) -> int:
    """Import the release's two files as ``args`` say (``--out``, ``--trust-pickle``); the exit code."""
    from smartdj.models.release.released import ReleaseError, import_release

    try:
        folder = import_release(editor, vae, out=default_out(args.out), trust_pickle=args.trust_pickle)
    except ReleaseError as e:
        print(f"{who}: {e}", file=sys.stderr)
        return 1
    print(f"imported SmartDJ released editor into {folder}")
    return 0


def run(args: argparse.Namespace) -> int:
    from smartdj.models.release.released import EDITOR_FILE, VAE_FILE

    src: Path = args.src
    if not src.is_dir():
        print(f"smartdj models import: {src}: no such folder", file=sys.stderr)
        return 1
    return import_files(src / EDITOR_FILE, src / VAE_FILE, args, "smartdj models import")
