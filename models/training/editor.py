"""Training loop of the diffusion editor under ``accelerate`` (one CPU, one GPU or many).

Pairs (audio before step k, step k text, audio after step k) come from a synthesized dataset
(``editor_data``). The codec and text encoder are frozen; only the backbone trains, with the
v-prediction loss and text dropout for CFG. Checkpoints (``save_checkpoint`` layout, config
included) are written to ``out`` every ``save_every`` steps and at the end; the optimizer state
for ``--resume`` lives beside it in ``<out>.state/``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from smartdj.models.components.editor import build_backbone, count_parameters
from smartdj.models.components.latents import build_codec
from smartdj.models.components.text_encoder import build_text_encoder
from smartdj.models.diffusion.ddim import make_scheduler, training_loss
from smartdj.models.pipelines.edit import save_editor
from smartdj.models.training import editor_data as data

log = logging.getLogger(__name__)


class _Batcher:
    """Random (source latent, target latent, text) batches of one window, from audio or a latent cache."""

    def __init__(self, pairs, codec, sample_rate: int, window: int, device, cache_dir=None, codec_cfg=None):
        self.pairs, self.codec, self.device = pairs, codec, device
        self.window = window
        self.frames = codec.num_frames(window)
        self.store = data.AudioStore(sample_rate)
        self.cache: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        if cache_dir is not None:
            self._fill_cache(Path(cache_dir), codec_cfg or {})

    @torch.no_grad()
    def _fill_cache(self, folder: Path, codec_cfg: dict) -> None:
        from safetensors.torch import load_file, save_file

        folder.mkdir(parents=True, exist_ok=True)
        for i, p in enumerate(self.pairs):
            f = folder / f"{data.cache_key(p, codec_cfg)}.safetensors"
            if not f.is_file():
                gen = torch.Generator("cpu").manual_seed(i)
                src, tgt = self.store.get(p.source), self.store.get(p.target)
                n = min(src.shape[-1], tgt.shape[-1])
                a = torch.from_numpy(np.stack([src[:, :n], tgt[:, :n]])).to(self.device)
                z = self.codec.encode(a, generator=gen).cpu()
                save_file({"src": z[0].contiguous(), "tgt": z[1].contiguous()}, str(f))
            sd = load_file(str(f))
            self.cache[i] = (sd["src"], sd["tgt"])

    @torch.no_grad()
    def batch(self, idx: list[int], rng: random.Random) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
        texts = [self.pairs[i].text for i in idx]
        if self.cache:
            srcs, tgts = [], []
            for i in idx:
                s, t = self.cache[i]
                n = min(s.shape[-1], t.shape[-1])
                st = rng.randint(0, n - self.frames) if n > self.frames else 0
                pad = max(0, self.frames - (n - st))
                srcs.append(torch.nn.functional.pad(s[:, st:st + self.frames], (0, pad)))
                tgts.append(torch.nn.functional.pad(t[:, st:st + self.frames], (0, pad)))
            return torch.stack(srcs).to(self.device), torch.stack(tgts).to(self.device), texts
        crops = [data.crop_pair(self.store.get(self.pairs[i].source), self.store.get(self.pairs[i].target),
                                self.window, rng) for i in idx]
        a = torch.from_numpy(np.stack([c[0] for c in crops] + [c[1] for c in crops])).to(self.device)
        z = self.codec.encode(a)
        return z[: len(idx)], z[len(idx):], texts


class _TextCache:
    def __init__(self, encoder, limit: int = 20000):
        self.encoder, self.limit, self.cache = encoder, limit, {}

    def __call__(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            ctx, mask = self.encoder(missing)
            if len(self.cache) + len(missing) > self.limit:
                self.cache.clear()
            for t, c, m in zip(missing, ctx, mask, strict=True):
                self.cache[t] = (c, m)
        return torch.stack([self.cache[t][0] for t in texts]), torch.stack([self.cache[t][1] for t in texts])


@dataclass
class _Session:
    """Everything one training run holds: the accelerator, the models, the data and the optimizer."""

    acc: Any
    config: dict
    out: Path
    data_dir: str
    backbone: torch.nn.Module
    text: torch.nn.Module
    codec: torch.nn.Module
    scheduler: Any
    opt: Any
    sched: Any
    train: _Batcher
    val: _Batcher
    val_split: str
    texts: _TextCache
    batch: int
    step: int = 0

    @property
    def state_dir(self) -> Path:
        return Path(f"{self.out}.state")


def _session(data_dir, config: dict, out, batch: int | None, lr: float | None, latents_cache, mixed_precision: str,
             cpu: bool, seed: int) -> _Session:
    """Build the run: the models are initialised from ``seed``."""
    from accelerate import Accelerator
    from diffusers.optimization import get_scheduler

    acc = Accelerator(mixed_precision=mixed_precision, cpu=cpu)
    torch.manual_seed(seed)
    tcfg = dict(config.get("training", {}))
    device = acc.device
    train_pairs, val_pairs = data.load_pairs(data_dir, float(tcfg.get("val_fraction", 0.1)))
    val_split = "held-out" if val_pairs else "train (too few examples to hold any out)"
    sr = int(config["sample_rate"])
    codec = build_codec(config["latent"]).to(device)
    text = build_text_encoder(config["text"], random_ok=config["text"].get("pretrained") is None).to(device)
    backbone = build_backbone(config["backbone"])
    window = int(round(config.get("window_seconds", 10.0) * sr))
    window -= window % codec.hop
    cache = Path(latents_cache) if latents_cache else None
    tb = _Batcher(train_pairs, codec, sr, window, device, cache, config["latent"])
    vb = _Batcher(val_pairs or train_pairs, codec, sr, window, device, cache, config["latent"])
    opt = torch.optim.AdamW(backbone.parameters(), lr=float(lr or tcfg.get("lr", 1e-4)),
                            weight_decay=float(tcfg.get("weight_decay", 0.0)))
    sched = get_scheduler("constant_with_warmup", opt, num_warmup_steps=int(tcfg.get("warmup", 0)))
    backbone, opt, sched = acc.prepare(backbone, opt, sched)
    return _Session(acc, config, Path(out), str(data_dir), backbone, text, codec,
                    make_scheduler(config.get("scheduler")), opt, sched, tb, vb, val_split, _TextCache(text),
                    int(batch or tcfg.get("batch", 8)))


def _resume(s: _Session, report: Callable[[str], None]) -> None:
    """Continue from the optimizer state beside ``out``, else from its weights alone."""
    if (s.state_dir / "step.json").is_file():
        s.acc.load_state(str(s.state_dir))
        s.step = int(json.loads((s.state_dir / "step.json").read_text())["step"])
        report(f"resumed from {s.state_dir} at step {s.step}")
    elif s.out.is_dir():
        from smartdj.models.checkpoint import load_checkpoint

        doc, sd = load_checkpoint(s.out, kind="editor")
        s.acc.unwrap_model(s.backbone).load_state_dict(sd)
        s.step = int(doc.get("meta", {}).get("step", 0))
        report(f"resumed weights from {s.out} at step {s.step} (no optimizer state)")


@torch.no_grad()
def _validate(s: _Session) -> float:
    m = s.acc.unwrap_model(s.backbone)
    m.eval()
    vrng, vgen = random.Random(1234), torch.Generator("cpu").manual_seed(1234)
    losses = []
    idx = list(range(min(len(s.val.pairs), 64)))
    for k in range(0, len(idx), s.batch):
        src, tgt, tx = s.val.batch(idx[k:k + s.batch], vrng)
        ctx, mask = s.texts(tx)
        with s.acc.autocast():
            losses.append(float(training_loss(m, s.scheduler, tgt, src, ctx, mask, vgen)))
    m.train()
    return float(np.mean(losses)) if losses else math.nan


def _save(s: _Session, train_loss: float, val_loss: float) -> None:
    if s.acc.is_main_process:
        meta = {"config_name": s.config.get("name"), "step": s.step, "train_loss": train_loss, "val_loss": val_loss,
                "source": "trained with smartdj train editor", "data": s.data_dir, "licence": "MIT"}
        save_editor(s.out, s.config, s.acc.unwrap_model(s.backbone), s.text, s.codec, meta)
        s.acc.save_state(str(s.state_dir))
        (s.state_dir / "step.json").write_text(json.dumps({"step": s.step}))
    s.acc.wait_for_everyone()


def _train_step(s: _Session, rng: random.Random, gen: torch.Generator, drop: float) -> float:
    idx = [rng.randrange(len(s.train.pairs)) for _ in range(s.batch)]
    src, tgt, tx = s.train.batch(idx, rng)
    tx = [s.text.uncond_text if rng.random() < drop else t for t in tx]
    ctx, mask = s.texts(tx)
    with s.acc.autocast():
        loss = training_loss(s.backbone, s.scheduler, tgt, src, ctx, mask, gen)
    s.acc.backward(loss)
    s.acc.clip_grad_norm_(s.backbone.parameters(), 1.0)
    s.opt.step()
    s.sched.step()
    s.opt.zero_grad(set_to_none=True)
    s.step += 1
    return loss.item()


def train_editor(data_dir: str | os.PathLike, config: dict, out: str | os.PathLike, *, steps: int = 1000,
                 batch: int | None = None, lr: float | None = None, resume: bool = False,
                 save_every: int | None = None, val_every: int | None = None,
                 latents_cache: str | os.PathLike | None = None, seed: int = 0, mixed_precision: str = "no",
                 cpu: bool = False, max_seconds: float | None = None,
                 report: Callable[[str], None] = print) -> dict:
    """Train (for ``steps``, or until ``max_seconds`` have passed); returns ``{"step", "train_loss", "val_loss", "history", "parameters", "seconds"}``."""
    s = _session(data_dir, config, out, batch, lr, latents_cache, mixed_precision, cpu, seed)
    rng = random.Random(seed * 1000 + s.acc.process_index)
    gen = torch.Generator("cpu").manual_seed(seed * 1000 + s.acc.process_index)
    drop = float(config.get("training", {}).get("text_dropout", 0.1))
    if resume:
        _resume(s, report)
    n_params = {"backbone": count_parameters(s.acc.unwrap_model(s.backbone)),
                "text_encoder": count_parameters(s.text), "vae": count_parameters(s.codec)}
    report(f"training editor '{config.get('name', '?')}' on {s.acc.device} ({s.acc.num_processes} process(es)): "
           f"{len(s.train.pairs)} train pairs, {len(s.val.pairs)} val pairs ({s.val_split}), params {n_params}")
    history, t0, last, val_loss = [], time.perf_counter(), math.nan, math.nan
    val_every = val_every or max(1, min(500, steps // 5 or 1))
    s.backbone.train()
    while s.step < steps and (max_seconds is None or time.perf_counter() - t0 < max_seconds):
        last = _train_step(s, rng, gen, drop)
        history.append(last)
        if s.step % val_every == 0 or s.step == steps:
            val_loss = _validate(s)
            report(f"step {s.step}/{steps} train_loss {float(np.mean(history[-val_every:])):.4f} "
                   f"val_loss {val_loss:.4f} ({time.perf_counter() - t0:.1f} s)")
        if save_every and s.step % save_every == 0 and s.step < steps:
            _save(s, last, val_loss)
    if s.step < steps and history:  # stopped by the time limit: validate what is saved
        val_loss = _validate(s)
        report(f"time limit reached at step {s.step}/{steps}: val_loss {val_loss:.4f}")
    recent = float(np.mean(history[-min(len(history), 50):])) if history else math.nan
    _save(s, recent, val_loss)
    return {"step": s.step, "train_loss": recent, "val_loss": val_loss, "history": history, "parameters": n_params,
            "seconds": time.perf_counter() - t0, "device": str(s.acc.device)}
