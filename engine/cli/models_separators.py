"""Separators in ``smartdj models list`` (what edits work on a mixture, with which backend) and ``models pull``.

``rows`` is one of ``models_list.SOURCES``; ``models_pull`` hands ``demucs`` and ``sam-audio`` to ``pull``.
With nothing downloaded, a single mixture takes whole-item ops and add anywhere, and every op on
the voice and on the background (dfn3, bundled with the package).
"""

from __future__ import annotations

import sys
from pathlib import Path

OPS = "remove, extract, volume, direction, shift, reverb, timbre"
SERVES = {"speech": "voice, dialogue, narrator...; background noise, hum, traffic (the rest)",
          "music": "vocals, drums, bass, other", "text": "any sound named in words"}
PULLS = ("demucs", "sam-audio")


def rows(roots: list[Path] | None = None) -> list[dict]:
    """One row per separator backend, in ``models_list``'s row shape plus what it serves on a mixture."""
    from smartdj.engine.config import Settings
    from smartdj.engine.execution import separation_registry as reg

    settings = Settings()
    out = []
    for b in reg.backends(settings):
        ok = reg.installed(b, {}, settings)
        targets = "; ".join(SERVES.get(k, k) for k in b.kinds)
        out.append({"name": b.name, "kind": "separator", "config": "/".join(b.kinds),
                    "source": "installed" if ok else "not installed", "licence": b.licence,
                    "path": f"on a mixture: {OPS} of {targets}" if ok else f"install: {b.install}",
                    "installed": ok, "targets": targets, "mixture_ops": OPS.split(", ") if ok else [],
                    "install": None if ok else b.install})
    return out


def pull(name: str) -> int:
    """``smartdj models pull demucs`` downloads the htdemucs weights; sam-audio says how (gated weights)."""
    from smartdj.engine.config import models_dir
    from smartdj.models.separators import music, text
    from smartdj.models.separators.base import SeparatorUnavailable

    if name == "demucs":
        try:
            path = music.pull(models_dir())
        except SeparatorUnavailable as e:
            print(f"smartdj models pull demucs: {e}", file=sys.stderr)
            return 1
        except Exception as e:  # network, hash mismatch
            print(f"smartdj models pull demucs: could not download {music.WEIGHTS_URL}: {type(e).__name__}: {e}",
                  file=sys.stderr)
            return 1
        print(f"htdemucs weights in {path}")
        return 0
    if not text.sam_package_installed():
        print(f"smartdj models pull sam-audio: {text.SAM_INSTALL}", file=sys.stderr)
        return 1
    try:
        from huggingface_hub import snapshot_download

        path = snapshot_download(text.SAM_REPO)
    except Exception as e:  # gated: licence not accepted, not logged in, offline
        print(f"smartdj models pull sam-audio: could not download {text.SAM_REPO} ({type(e).__name__}: {e}); "
              f"accept the licence at https://huggingface.co/{text.SAM_REPO} and run `huggingface-cli login`",
              file=sys.stderr)
        return 1
    print(f"SAM-Audio weights in {path} (Hugging Face cache)")
    return 0
