"""Distils the MiniLM sentence encoder into a static word-piece table (models/components/static_embedding.py)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from smartdj.models.components.static_embedding import StaticEmbedding, quantise

_KEEP = re.compile(r"^(?:##)?[a-z0-9'\-]+$")


def distill(model_dir: Path, dim: int = 64, batch: int = 512, max_pieces: int | None = None) -> StaticEmbedding:
    """Every kept word piece through the encoder alone, mean pooled, PCA to ``dim``, int8."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    vocab = [p for p in tok.convert_ids_to_tokens(list(range(tok.vocab_size))) if _KEEP.match(p)]
    vocab = vocab[:max_pieces] if max_pieces else vocab
    ids = tok.convert_tokens_to_ids(vocab)
    out = []
    with torch.inference_mode():
        for i in range(0, len(ids), batch):
            chunk = torch.tensor([[tok.cls_token_id, t, tok.sep_token_id] for t in ids[i:i + batch]])
            hidden = model(input_ids=chunk, attention_mask=torch.ones_like(chunk)).last_hidden_state
            out.append(hidden.mean(dim=1).numpy())
    vectors = np.concatenate(out).astype(np.float64)
    vectors -= vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(vectors, full_matrices=False)
    reduced = (vectors @ vt[:dim].T).astype(np.float32)
    rows, scales = quantise(reduced)
    return StaticEmbedding(vocab, rows, scales, source=f"{Path(model_dir).name} (all-MiniLM-L6-v2), PCA {dim}")
