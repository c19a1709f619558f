"""Download SmartDJ's released editor weights from Hugging Face, then import them.

``smartdj models pull smartdj --trust-pickle [--out DIR]``. Honours ``HF_HUB_OFFLINE``: offline,
only files already in the Hugging Face cache are used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=["smartdj", "demucs", "sam-audio"],
                        help="which release to download (smartdj: the released editor; demucs, sam-audio: separators)")
    from smartdj.engine.cli.models_import import add_release_arguments

    add_release_arguments(parser)
    parser.add_argument("--revision", default=None, help="a branch, tag or commit of the Hugging Face repo")


def run(args: argparse.Namespace) -> int:
    if args.what != "smartdj":
        from smartdj.engine.cli.models_separators import pull

        return pull(args.what)
    from smartdj.engine.cli.models_import import import_files
    from smartdj.engine.config import hub_offline
    from smartdj.models.release.released import EDITOR_FILE, REPO_ID, VAE_FILE

    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        print("smartdj models pull: needs huggingface_hub (pip install 'smartdj-reaper[models]')", file=sys.stderr)
        return 1
    offline = hub_offline()
    paths = {}
    for name in (EDITOR_FILE, VAE_FILE):
        try:
            paths[name] = Path(hf_hub_download(REPO_ID, name, revision=args.revision, local_files_only=offline))
        except Exception as e:  # hub errors: offline cache miss, network, missing file, auth
            if offline:
                print(f"smartdj models pull: offline (HF_HUB_OFFLINE is set) and {name} is not in the Hugging "
                      f"Face cache; unset HF_HUB_OFFLINE to download it, or download {REPO_ID} elsewhere and "
                      f"run `smartdj models import smartdj --from DIR --trust-pickle`", file=sys.stderr)
            else:
                print(f"smartdj models pull: could not download {name} from {REPO_ID}: "
                      f"{type(e).__name__}: {e}", file=sys.stderr)
            return 1
        print(f"{'found in cache' if offline else 'downloaded'}: {paths[name]}")
    return import_files(paths[EDITOR_FILE], paths[VAE_FILE], args, "smartdj models pull: not imported")
