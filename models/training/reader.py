"""Trains the clause reader (models/planner/reader.py) on labelled clauses: torch here, numpy when reading."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import numpy as np
from smartdj.models.components.static_embedding import StaticEmbedding
from smartdj.models.planner.reader import Reader, ReaderConfig, feature_ids, static_text


def train_reader(clauses: Sequence[dict], config: ReaderConfig, static: StaticEmbedding | None = None, *,
                 epochs: int = 8, batch: int = 256, lr: float = 3e-3, seed: int = 0,
                 progress: Callable[[int, float], None] | None = None) -> Reader:
    """``clauses``: dicts with ``text`` and one label per head (the head's name as key)."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    rng = random.Random(seed)
    heads = config.heads
    index = {h: {c: i for i, c in enumerate(classes)} for h, classes in heads.items()}
    ids = [feature_ids(c["text"], config) for c in clauses]
    targets = {h: torch.tensor([index[h][str(c[h])] for c in clauses]) for h in heads}
    statics = None
    if static is not None:
        statics = torch.tensor(np.stack([static.embed(static_text(c["text"])) for c in clauses]))

    bag = nn.EmbeddingBag(config.buckets, config.hidden, mode="mean")
    nn.init.normal_(bag.weight, std=0.1)
    bias = nn.Parameter(torch.zeros(config.hidden))
    project = nn.Linear(config.static_dim, config.hidden, bias=False) if statics is not None else None
    outs = nn.ModuleDict({h: nn.Linear(config.hidden, len(c)) for h, c in heads.items()})
    params = list(bag.parameters()) + [bias] + list(outs.parameters())
    params += list(project.parameters()) if project is not None else []
    opt = torch.optim.Adam(params, lr=lr)
    drop = nn.Dropout(0.1)
    order = list(range(len(clauses)))
    for epoch in range(epochs):
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), batch):
            rows = order[start:start + batch]
            flat = torch.tensor([i for r in rows for i in ids[r]])
            offsets = torch.tensor(np.cumsum([0] + [len(ids[r]) for r in rows[:-1]]))
            h = bag(flat, offsets) + bias
            if project is not None:
                h = h + project(statics[rows])
            h = drop(torch.relu(h))
            loss = sum(nn.functional.cross_entropy(outs[n](h), targets[n][rows]) for n in heads)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(rows)
        if progress is not None:
            progress(epoch + 1, total / len(order))
    arrays = {"bucket": bag.weight.detach().numpy(), "bias": bias.detach().numpy()}
    if project is not None:
        arrays["project"] = project.weight.detach().numpy().T
    for n in heads:
        arrays[f"head_{n}"] = outs[n].weight.detach().numpy().T
        arrays[f"head_{n}_bias"] = outs[n].bias.detach().numpy()
    return Reader(config, arrays, static)
