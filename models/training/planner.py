"""Training loop of the audio-language planner (adapter + LoRA only) under ``accelerate``.

CLAP embeddings of every example are computed once up front. Refusal examples (requests with no
valid plan, whose target is the refusal line) are phrased by a function the caller passes in. Presets: ``tiny`` (random tiny
LM + CLAP + a BPE tokenizer trained on the data: tests and smoke runs), ``small`` (a local
causal LM, e.g. Qwen2.5-0.5B-Instruct, and LAION CLAP), or a JSON file with the same keys.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

log = logging.getLogger(__name__)

PRESETS: dict[str, dict[str, Any]] = {
    "tiny": dict(lm="tiny", clap="tiny", steps=300, lr=3e-3, batch=16, warmup=20, weight_decay=0.0,
                 audio_dropout=0.2, vocab_size=1000, lora=None, adapter={"hidden": 128}, refusals=0.1),
    "small": dict(lm=None, clap="laion/clap-htsat-unfused", steps=2000, lr=2e-4, batch=8, warmup=100,
                  weight_decay=0.0, audio_dropout=0.2, vocab_size=None, refusals=0.1,
                  lora=dict(r=16, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear"),
                  adapter={"hidden": 1024}),
}
OPTIMIZER_FILE = "optimizer.safetensors"
# (labels in the mix, every label of the data, numpy Generator) -> a request with no valid plan there
RefusalPhrase = Callable[[list[str], list[str], Any], str]


def resolve_config(config: str | dict | None) -> dict:
    if isinstance(config, dict):
        return {**PRESETS["tiny"], **config}
    name = config or "tiny"
    if name in PRESETS:
        return dict(PRESETS[name])
    p = Path(name)
    if not p.is_file():
        raise FileNotFoundError(f"--config {name!r}: not a preset ({', '.join(PRESETS)}) or a JSON file")
    doc = json.loads(p.read_text())
    base = PRESETS.get(doc.pop("preset", "tiny"), PRESETS["tiny"])
    return {**base, **doc}


def _flat_optimizer_state(opt: torch.optim.Optimizer, names: dict[int, str]) -> dict[str, torch.Tensor]:
    opt = getattr(opt, "optimizer", opt)  # accelerate's wrapper
    out = {}
    for group in opt.param_groups:
        for p in group["params"]:
            st = opt.state.get(p, {})
            for k, v in st.items():
                out[f"{k}::{names[id(p)]}"] = v if torch.is_tensor(v) else torch.tensor(float(v))
    return out


def _restore_optimizer_state(opt: torch.optim.Optimizer, names: dict[int, str], flat: dict[str, torch.Tensor]) -> None:
    for group in opt.param_groups:
        for p in group["params"]:
            name = names[id(p)]
            st = {k.split("::", 1)[0]: v.to(p.device) for k, v in flat.items() if k.split("::", 1)[1] == name}
            if st:
                opt.state[p] = st


def refusal_examples(exs: list, fraction: float, seed: int, phrase: RefusalPhrase) -> list[tuple[int, Any]]:
    """``(source index, example)`` pairs whose plan is the refusal: the source example's mix and labels
    with a request ``phrase(labels, pool, rng)`` makes up (vague, or about a sound that is not there; the
    engine's CLI passes its designer's ``design_refusal``)."""
    import dataclasses

    import numpy as np

    n = int(round(fraction * len(exs)))
    if n <= 0 or not exs:
        return []
    rng = np.random.default_rng(seed + 7919)
    pool = sorted({lb for x in exs for lb in x.labels})
    out = []
    for k in range(n):
        i = int(rng.integers(len(exs)))
        text = phrase(exs[i].labels, pool, rng)
        out.append((i, dataclasses.replace(exs[i], instruction=text, steps=[], id=f"refusal-{k}")))
    return out


def _settings(config: str | dict | None, overrides: dict[str, Any], refusal_phrase: RefusalPhrase | None) -> dict:
    cfg = resolve_config(config)
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    if float(cfg.get("refusals", 0.1)) > 0 and refusal_phrase is None:
        raise ValueError(f"this config mixes in refusals ({cfg.get('refusals', 0.1)}) but no refusal_phrase was "
                         f"given: pass one (`smartdj train planner` passes the designer's) or set refusals 0")
    return cfg


def _build_or_resume(cfg: dict, out: Path, exs: list, resume: bool) -> tuple[Any, int]:
    """``(model, steps already done)``: the checkpoint at ``out`` when resuming, else a new model."""
    from smartdj.models.planner.data import corpus_texts
    from smartdj.models.planner.model import PlannerModel, load_planner, train_bpe_tokenizer

    if resume and (out / "config.json").is_file():
        model, doc = load_planner(out)
        done = int(doc["meta"].get("steps", 0))
        log.info("resuming %s at step %d", out, done)
        return model, done
    if cfg["lm"] is None:
        raise ValueError("this config needs --lm (a local causal LM folder or a cached name, e.g. "
                         "Qwen/Qwen2.5-0.5B-Instruct)")
    # A random LM ("tiny", or {"config": {...}} of any size) gets a BPE tokenizer trained on the data.
    random_lm = cfg["lm"] == "tiny" or (isinstance(cfg["lm"], dict) and "config" in cfg["lm"])
    tok = train_bpe_tokenizer(corpus_texts(exs), cfg["vocab_size"] or 1000) if random_lm else None
    model = PlannerModel.build(lm=cfg["lm"], clap=cfg["clap"], tokenizer=tok, lora=cfg["lora"],
                               adapter=cfg["adapter"])
    return model, 0


def _training_items(exs: list, embs: list, cfg: dict, seed: int, refusal_phrase: RefusalPhrase | None) -> list:
    """``(embedding, prompt, target)`` triples: every example, then the refusals mixed in."""
    from smartdj.models.planner.model import format_prompt, format_target

    items = [(e, format_prompt(x.instruction, x.labels), format_target(x.steps)) for x, e in zip(exs, embs, strict=True)]
    fraction = float(cfg.get("refusals", 0.1))
    if fraction > 0:
        items += [(embs[i], format_prompt(x.instruction, x.labels), format_target([]))
                  for i, x in refusal_examples(exs, fraction, seed, refusal_phrase)]
    return items


def _optimizer(model: Any, cfg: dict, out: Path, done: int) -> tuple[Any, Any, list, dict[int, str]]:
    """``(optimizer, schedule, trained parameters, their names)``, restored to step ``done`` when resuming."""
    from smartdj.models.checkpoint import load_checkpoint

    params = [p for p in model.parameters() if p.requires_grad]
    names = {id(p): n for n, p in model.named_parameters() if p.requires_grad}
    opt = torch.optim.AdamW(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    if done and (out / OPTIMIZER_FILE).is_file():
        _, flat = load_checkpoint(out, "planner", weights=OPTIMIZER_FILE)
        _restore_optimizer_state(opt, names, flat)
    total, warm = done + int(cfg["steps"]), int(cfg["warmup"])

    def lr_at(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at, last_epoch=-1)
    for _ in range(done):
        sched.step()  # restore the schedule position (cheap: a multiplication per step)
    return opt, sched, params, names


def _train_steps(core: Any, accel: Any, opt: Any, sched: Any, params: list, items: list, cfg: dict,
                 steps: range, seed: int, log_every: int) -> list[float]:
    """Run the optimizer ``steps``; returns the loss of each."""
    rng = random.Random(seed + steps.start)
    order: list[int] = []
    losses = []
    for step in steps:
        if len(order) < cfg["batch"]:
            perm = list(range(len(items)))
            rng.shuffle(perm)
            order += perm
        idx, order = order[: cfg["batch"]], order[cfg["batch"]:]
        batch_items = [(None if rng.random() < cfg["audio_dropout"] else items[i][0], items[i][1], items[i][2])
                       for i in idx]
        loss = core.loss(batch_items)
        accel.backward(loss)
        accel.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        if log_every and (step + 1) % log_every == 0:
            log.info("step %d/%d loss %.4f", step + 1, steps.stop, sum(losses[-log_every:]) / len(losses[-log_every:]))
    return losses


def train_planner(data: str | os.PathLike | list, out: str | os.PathLike, *, config: str | dict | None = "tiny",
                  lm: str | None = None, clap: str | None = None, steps: int | None = None, lr: float | None = None,
                  batch: int | None = None, resume: bool = False, seed: int = 0, log_every: int = 50,
                  examples: list | None = None, refusal_phrase: RefusalPhrase | None = None) -> dict:
    """Train and save a ``planner`` checkpoint at ``out``; returns a summary (loss, steps, time).

    ``data`` is a synthesized dataset folder, or pass ``examples`` (``PlannerExample`` list).
    ``refusal_phrase(labels, pool, rng) -> str`` makes up the requests of the refusal examples.
    """
    from accelerate import Accelerator
    from smartdj.models.planner.data import embed_examples, load_examples
    from smartdj.models.planner.model import save_planner

    cfg = _settings(config, dict(lm=lm, clap=clap, steps=steps, lr=lr, batch=batch), refusal_phrase)
    random.seed(seed)
    torch.manual_seed(seed)
    exs = examples if examples is not None else load_examples(data)
    out = Path(out)
    accel = Accelerator(cpu=not torch.cuda.is_available())
    model, done = _build_or_resume(cfg, out, exs, resume)
    model.to(accel.device)
    t0 = time.time()
    embs = embed_examples(exs, model.clap)
    t_embed = time.time() - t0
    items = _training_items(exs, embs, cfg, seed, refusal_phrase)
    opt, sched, params, names = _optimizer(model, cfg, out, done)
    total = done + int(cfg["steps"])
    model, opt = accel.prepare(model, opt)
    core = accel.unwrap_model(model)
    core.train()
    t0 = time.time()
    losses = _train_steps(core, accel, opt, sched, params, items, cfg, range(done, total), seed, log_every)
    core.eval()
    meta = {"steps": total, "examples": len(exs), "seed": seed, "train_config": cfg,
            "final_loss": sum(losses[-20:]) / max(1, len(losses[-20:])) if losses else None}
    accel.wait_for_everyone()
    if accel.is_main_process:
        save_planner(core, out, meta=meta, extra_files={OPTIMIZER_FILE: _flat_optimizer_state(opt, names)})
    return {"out": str(out), "steps": total, "examples": len(exs), "final_loss": meta["final_loss"],
            "embed_s": round(t_embed, 2), "train_s": round(time.time() - t0, 2)}
