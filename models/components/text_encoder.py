"""The frozen text encoder of the editor: transformers ``T5EncoderModel``.

Full size is FLAN-T5-large loaded from a local folder or the user's Hugging Face cache
(``local_files_only``: nothing is downloaded here). Tiny/small configs use a random T5 with the
byte-level ``ByT5Tokenizer`` (needs no files); its weights are saved in the checkpoint
(``text.safetensors``). Texts are padded/truncated to ``max_length`` tokens. The unconditional
text is, by the release's convention, an empty string padded with spaces to ``max_length``
characters (``uncond: "spaces"``), or the empty string (``uncond: "empty"``). With
``attention_mask: false`` the returned mask is all ones (the release passes no text mask).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

TEXT_WEIGHTS = "text.safetensors"


class TextEncoderError(RuntimeError):
    pass


def _tokenizer(name: str):
    if name == "byt5":
        from transformers import ByT5Tokenizer

        tok = ByT5Tokenizer()
    else:
        from transformers import AutoTokenizer

        try:
            tok = AutoTokenizer.from_pretrained(name, local_files_only=True)
        except (OSError, ValueError) as e:
            raise TextEncoderError(f"tokenizer {name!r} is not installed locally ({e}); "
                                   "put it in the Hugging Face cache or give a local folder") from None
    if len(tok) < 100:  # transformers 5 may return an empty tokenizer offline without raising
        raise TextEncoderError(f"tokenizer {name!r} loaded with only {len(tok)} tokens: its files are missing")
    return tok


class TextEncoder(nn.Module):
    def __init__(self, cfg: dict, folder: str | os.PathLike | None = None, random_ok: bool = True):
        super().__init__()
        from transformers import T5Config, T5EncoderModel

        self.cfg = dict(cfg)
        self.max_length = int(cfg.get("max_length", 100))
        self.uncond_mode = cfg.get("uncond", "spaces")
        self.pretrained_loaded = False
        name = cfg.get("pretrained")
        weights = Path(folder) / TEXT_WEIGHTS if folder is not None else None
        if name and not (weights is not None and weights.is_file()):
            try:
                self.model = T5EncoderModel.from_pretrained(name, local_files_only=True)
                self.tokenizer = _tokenizer(cfg.get("tokenizer") or name)
                self.pretrained_loaded = True
            except (OSError, TextEncoderError) as e:
                if not random_ok or "config" not in cfg:
                    raise TextEncoderError(f"text encoder {name!r} is not installed locally ({e})") from None
                self.model = T5EncoderModel(T5Config(**cfg["config"]))
                self.tokenizer = _byt5_or(cfg.get("tokenizer") or name)
        else:
            self.model = T5EncoderModel(T5Config(**cfg["config"]))
            self.tokenizer = _byt5_or(cfg.get("tokenizer", "byt5"))
            if weights is not None and weights.is_file():
                from safetensors.torch import load_file

                self.model.load_state_dict(load_file(str(weights), device="cpu"))
        self.model.eval().requires_grad_(False)
        self.dim = int(self.model.config.d_model)

    @property
    def needs_saving(self) -> bool:
        """True when the weights are not a named pretrained model (so they go into the checkpoint)."""
        return not self.pretrained_loaded

    @property
    def uncond_text(self) -> str:
        return " " * self.max_length if self.uncond_mode == "spaces" else ""

    @torch.no_grad()
    def forward(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """``(hidden [B, max_length, D] float32, mask [B, max_length] bool)``."""
        device = next(self.model.parameters()).device
        tok = self.tokenizer(list(texts), padding="max_length", truncation=True, max_length=self.max_length,
                             return_tensors="pt")
        ids = tok.input_ids.to(device)
        mask = tok.attention_mask.to(device)
        hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
        if self.cfg.get("attention_mask", True) is False:  # the release attends to text padding
            mask = torch.ones_like(mask)
        return hidden.float(), mask.bool()


def _byt5_or(name: str):
    """Random-weight encoders: the named tokenizer when installed, else byte-level ByT5."""
    if name == "byt5":
        return _tokenizer("byt5")
    try:
        return _tokenizer(name)
    except TextEncoderError:
        return _tokenizer("byt5")


def build_text_encoder(cfg: dict, folder: str | os.PathLike | None = None, random_ok: bool = True) -> TextEncoder:
    if cfg.get("type", "t5") != "t5":
        raise ValueError(f"unknown text encoder type {cfg.get('type')!r} (t5)")
    return TextEncoder(cfg, folder, random_ok=random_ok)
