"""SmartDJ's released editor weights (``ztlan/SmartDJ``, MIT): their configuration and importer.

The release ships torch pickles: ``smartdj_editor.pt`` (``"model"`` -> UDiT state dict) and
``24k_mono_latent64.ckpt`` (Lightning, ``"state_dict"`` -> keys prefixed ``autoencoder.``).
Unpickling can run arbitrary code, so :func:`import_release` refuses unless the caller passes
``trust_pickle=True``; even then it first tries torch's restricted ``weights_only`` loader and
unpickles fully only where that fails. The result is an ordinary checkpoint folder
(models/checkpoint.py, kind ``"editor"``): ``model.safetensors`` (UDiT, released key names),
``vae.safetensors`` (Oobleck, released names without ``autoencoder.``) and a config whose
``backbone`` / ``latent`` entries build the models via ``UDiT(**cfg)`` and
``StereoOobleck.from_config(cfg)``.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import pickle
from pathlib import Path
from typing import Any

from smartdj.models.configs import DEFAULTS as RELEASE_DEFAULTS
from smartdj.models.configs import EDITOR_CONFIGS, FLAN_T5_LARGE, OOBLECK_RELEASED, SCHEDULER, UDIT_FULL

log = logging.getLogger(__name__)

REPO_ID = "ztlan/SmartDJ"
LICENCE = "MIT"
EDITOR_FILE = "smartdj_editor.pt"
VAE_FILE = "24k_mono_latent64.ckpt"
DEFAULT_NAME = "smartdj-released"
VAE_WEIGHTS = "vae.safetensors"
VAE_PREFIX = "autoencoder."

# The released configuration is written once, in models/configs.py ("full"); these are its parts
# as the importer and the benchmark use them (without the "type" keys the checkpoint config adds).
UDIT_CONFIG: dict[str, Any] = {k: v for k, v in UDIT_FULL.items() if k != "type"}
UDIT_PARAMETERS = 596_828_928
# stable-audio-tools autoencoder config of 24k_mono_latent64 (training sections left out)
VAE_CONFIG: dict[str, Any] = {k: v for k, v in OOBLECK_RELEASED.items() if k != "type"}
VAE_PARAMETERS = 42_305_601
SCHEDULER_CONFIG: dict[str, Any] = SCHEDULER  # diffusers DDIMScheduler keyword arguments
# the release pads the unconditional prompt with spaces and does not pass the text mask
# ("pretrained" is the name models/components/text_encoder.py loads from the local Hugging Face cache)
TEXT_CONFIG: dict[str, Any] = {"name": FLAN_T5_LARGE["pretrained"],
                               **{k: FLAN_T5_LARGE[k] for k in ("type", "pretrained", "max_length", "uncond",
                                                                "attention_mask")}}
DEFAULTS: dict[str, Any] = RELEASE_DEFAULTS
SAMPLE_RATE: int = EDITOR_CONFIGS["full"]["sample_rate"]

_TRUST_HELP = ("these are Python pickles, and unpickling a file can run arbitrary code on this machine. "
               "Pass --trust-pickle only for files you obtained from a source you trust "
               f"(the official release is huggingface.co/{REPO_ID}); they are converted once into "
               "safetensors, which hold only tensors")


class ReleaseError(ValueError):
    """Released weights that cannot be imported, and why."""


def editor_config(udit_config: dict | None = None, vae_config: dict | None = None) -> dict:
    """Checkpoint config of the imported editor (the released configuration by default)."""
    return {
        "backbone": {"type": "udit", **copy.deepcopy(udit_config or UDIT_CONFIG)},
        "latent": {"type": "oobleck_released", **copy.deepcopy(vae_config or VAE_CONFIG)},
        "text": dict(TEXT_CONFIG),
        "scheduler": dict(SCHEDULER_CONFIG),
        "sample_rate": SAMPLE_RATE,
        "defaults": dict(DEFAULTS),
    }


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def load_pickle(path: str | os.PathLike, trust_pickle: bool) -> tuple[Any, str]:
    """``(object, how)`` from a torch pickle; ``how`` is ``"weights_only"`` or ``"full"``."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise ReleaseError(f"{path}: no such file")
    if not trust_pickle:
        raise ReleaseError(f"refusing to open {path.name}: {_TRUST_HELP}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True), "weights_only"
    except pickle.UnpicklingError as e:
        if "weights_only" not in str(e).lower() and "weights only" not in str(e).lower():
            raise ReleaseError(f"{path}: corrupt or truncated file ({_first_line(e)})") from None
        log.info("%s: restricted loading failed (%s); unpickling fully, as trusted", path.name, _first_line(e))
    except Exception as e:  # zip/pickle readers raise several types for truncated or foreign files
        raise ReleaseError(f"{path}: corrupt or truncated file, or not a torch checkpoint ({_first_line(e)})") \
            from None
    try:
        return torch.load(path, map_location="cpu", weights_only=False), "full"
    except ModuleNotFoundError as e:
        raise ReleaseError(f"{path}: unpickling needs the Python module {e.name!r}, which is not installed "
                           f"here") from None
    except Exception as e:
        raise ReleaseError(f"{path}: corrupt or truncated file ({_first_line(e)})") from None


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}"


def _expected_shapes(module_factory) -> dict[str, tuple[int, ...]]:
    import torch

    with torch.device("meta"):
        model = module_factory()
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def check_layout(name: str, sd: dict, expected: dict[str, tuple[int, ...]],
                 optional: tuple[str, ...] = ()) -> tuple[dict, list[str]]:
    """``(state dict with only expected keys, dropped keys)``; raises on missing keys or bad shapes."""
    import torch

    missing = [k for k in expected if k not in sd and not k.endswith(optional)]
    if missing:
        raise ReleaseError(f"{name}: not the released layout: {len(missing)} of {len(expected)} expected "
                           f"keys missing (first: {', '.join(missing[:3])})")
    bad = [f"{k} {tuple(sd[k].shape)} != {expected[k]}" for k in expected
           if k in sd and (not isinstance(sd[k], torch.Tensor) or tuple(sd[k].shape) != expected[k])]
    if bad:
        raise ReleaseError(f"{name}: not the released configuration: {len(bad)} tensors have other shapes "
                           f"(first: {'; '.join(bad[:3])})")
    dropped = sorted(k for k in sd if k not in expected)
    if dropped:
        log.warning("%s: ignoring %d keys the model does not use (first: %s)", name, len(dropped),
                    ", ".join(dropped[:3]))
    return {k: v for k, v in sd.items() if k in expected}, dropped


def _strip_prefix(sd: dict, prefix: str) -> dict:
    if sd and all(k.startswith(prefix) for k in sd):
        return {k[len(prefix):]: v for k, v in sd.items()}
    return sd


def editor_state_dict(obj: Any, udit_config: dict, name: str = EDITOR_FILE) -> tuple[dict, list[str]]:
    """The UDiT state dict inside the released editor container, checked against ``udit_config``."""
    from smartdj.models.components.udit import UDiT

    if not isinstance(obj, dict) or not isinstance(obj.get("model"), dict):
        keys = list(obj)[:5] if isinstance(obj, dict) else type(obj).__name__
        raise ReleaseError(f"{name}: not the released editor container (expected a 'model' state dict; "
                           f"found {keys})")
    sd = _strip_prefix(_strip_prefix(dict(obj["model"]), "module."), "_orig_mod.")
    expected = _expected_shapes(lambda: UDiT(**udit_config))
    sd, dropped = check_layout(name, sd, expected, optional=("rotary.inv_freq",))
    missing_rotary = [k for k in expected if k not in sd]
    if missing_rotary:  # rotary frequencies are computed, not learned
        fresh = UDiT(**udit_config).state_dict()
        sd.update({k: fresh[k] for k in missing_rotary})
    return sd, dropped


def vae_state_dict(obj: Any, vae_config: dict, name: str = VAE_FILE) -> tuple[dict, list[str]]:
    """The Oobleck state dict (``autoencoder.`` prefix removed) inside the Lightning container."""
    from smartdj.models.components.oobleck import OobleckVAE

    if not isinstance(obj, dict) or not isinstance(obj.get("state_dict"), dict):
        keys = list(obj)[:5] if isinstance(obj, dict) else type(obj).__name__
        raise ReleaseError(f"{name}: not the released VAE container (expected a Lightning 'state_dict'; "
                           f"found {keys})")
    sd = {k[len(VAE_PREFIX):]: v for k, v in obj["state_dict"].items() if k.startswith(VAE_PREFIX)}
    if not sd:
        raise ReleaseError(f"{name}: no '{VAE_PREFIX}*' keys in its state_dict; not the released VAE")
    return check_layout(name, sd, _expected_shapes(lambda: OobleckVAE.from_config(vae_config)))


def _unshare(sd: dict) -> dict:
    """Contiguous tensors, cloning any that share storage (safetensors refuses shared tensors)."""
    seen: set[int] = set()
    out = {}
    for k, v in sd.items():
        v = v.detach().contiguous()
        ptr = v.untyped_storage().data_ptr()
        out[k] = v.clone() if ptr in seen else v
        seen.add(ptr)
    return out


def import_release(editor_path: str | os.PathLike, vae_path: str | os.PathLike, out: str | os.PathLike,
                   trust_pickle: bool = False, udit_config: dict | None = None,
                   vae_config: dict | None = None) -> Path:
    """Convert the released editor + VAE pickles into the checkpoint folder ``out`` (the CLI's default:
    ``DEFAULT_NAME`` under the models folder); returns the folder."""
    from smartdj.models.checkpoint import save_checkpoint

    editor_path, vae_path = Path(editor_path), Path(vae_path)
    for p in (editor_path, vae_path):
        if not p.is_file():
            raise ReleaseError(f"{p}: no such file (the release has {EDITOR_FILE} and {VAE_FILE}; "
                               f"`smartdj models pull smartdj` downloads them)")
    if not trust_pickle:
        raise ReleaseError(f"refusing to open {editor_path.name} and {vae_path.name}: {_TRUST_HELP}")
    udit_config = udit_config or UDIT_CONFIG
    vae_config = vae_config or VAE_CONFIG
    out = Path(out)

    obj, how_vae = load_pickle(vae_path, trust_pickle)
    vae_sd, vae_dropped = vae_state_dict(obj, vae_config, vae_path.name)
    del obj
    obj, how_editor = load_pickle(editor_path, trust_pickle)
    editor_sd, editor_dropped = editor_state_dict(obj, udit_config, editor_path.name)
    del obj

    meta = {
        "source": REPO_ID, "licence": LICENCE,
        "imported_from": {"editor": str(editor_path.resolve()), "vae": str(vae_path.resolve())},
        "sha256": {editor_path.name: sha256_file(editor_path), vae_path.name: sha256_file(vae_path)},
        "unpickled": {editor_path.name: how_editor, vae_path.name: how_vae},
        "ignored_keys": {editor_path.name: len(editor_dropped), vae_path.name: len(vae_dropped)},
    }
    return save_checkpoint(out, "editor", editor_config(udit_config, vae_config), _unshare(editor_sd), meta,
                           {VAE_WEIGHTS: _unshare(vae_sd)})


def load_released(folder: str | os.PathLike, device: str = "cpu", dtype=None):
    """``(UDiT, StereoOobleck, config document)`` from an imported folder, in eval mode."""
    from safetensors.torch import load_file
    from smartdj.models.checkpoint import load_checkpoint
    from smartdj.models.components.oobleck import StereoOobleck
    from smartdj.models.components.udit import UDiT

    doc, sd = load_checkpoint(folder, kind="editor")
    cfg = doc["config"]
    backbone = UDiT(**{k: v for k, v in cfg["backbone"].items() if k != "type"})
    backbone.load_state_dict(sd)
    vae = StereoOobleck.from_config(cfg["latent"])
    vae.load_state_dict(load_file(str(Path(folder) / VAE_WEIGHTS)))
    backbone.to(device=device, dtype=dtype).eval()
    vae.to(device=device).eval()
    return backbone, vae, doc
