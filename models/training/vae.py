"""Training of the stereo VAE (a mono diffusers ``AutoencoderOobleck`` run per channel) under
``accelerate``: multi-resolution STFT loss (spectral convergence + log magnitude) + KL term.
The data is any folder of audio files (searched recursively); random crops of ``seconds``."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from smartdj.models.dataset import as_stereo, read_wav

AUDIO_EXT = {".wav", ".flac", ".ogg", ".aiff", ".aif", ".mp3"}


def mrstft_loss(x: torch.Tensor, y: torch.Tensor, fft_sizes=(1024, 512, 256, 128, 64),
                eps: float = 1e-7) -> torch.Tensor:
    """Multi-resolution STFT loss of ``x`` against ``y`` ([B, n]): spectral convergence + L1 log magnitude."""
    total = x.new_zeros(())
    for n_fft in fft_sizes:
        if x.shape[-1] < n_fft:
            continue
        win = torch.hann_window(n_fft, device=x.device)
        sx = torch.stft(x.float(), n_fft, n_fft // 4, window=win, return_complex=True).abs()
        sy = torch.stft(y.float(), n_fft, n_fft // 4, window=win, return_complex=True).abs()
        sc = torch.linalg.norm(sy - sx) / (torch.linalg.norm(sy) + eps)
        mag = torch.mean(torch.abs(torch.log(sx + eps) - torch.log(sy + eps)))
        total = total + sc + mag
    return total / len(fft_sizes)


def audio_files(data: str | os.PathLike) -> list[Path]:
    files = sorted(p for p in Path(data).rglob("*") if p.suffix.lower() in AUDIO_EXT and p.is_file())
    if not files:
        raise FileNotFoundError(f"{data}: no audio files (wav, flac, ogg, aiff, mp3)")
    return files


def train_vae(data: str | os.PathLike, config: dict, out: str | os.PathLike, *, steps: int = 1000,
              batch: int | None = None, lr: float | None = None, seed: int = 0, cpu: bool = False,
              mixed_precision: str = "no", save_every: int | None = None,
              report: Callable[[str], None] = print) -> dict:
    from accelerate import Accelerator
    from smartdj.models.checkpoint import save_checkpoint
    from smartdj.models.components.editor import count_parameters
    from smartdj.models.components.latents import build_codec

    acc = Accelerator(cpu=cpu, mixed_precision=mixed_precision)
    tcfg = config.get("training", {})
    batch, lr = int(batch or tcfg.get("batch", 8)), float(lr or tcfg.get("lr", 1e-4))
    kl_w = float(tcfg.get("kl_weight", 1e-4))
    torch.manual_seed(seed)
    rng = random.Random(seed + acc.process_index)
    lat_cfg = dict(config["latent"])
    codec = build_codec(lat_cfg).requires_grad_(True).train()
    sr = codec.sample_rate
    length = int(config.get("seconds", 1.0) * sr)
    length -= length % codec.hop
    clips = []
    for f in audio_files(data):
        a = as_stereo(read_wav(f, sr))
        clips.extend([a[0], a[1]])  # mono items: the VAE is mono, run per channel
    opt = torch.optim.AdamW(codec.parameters(), lr=lr, betas=(0.8, 0.99), weight_decay=1e-3)
    codec, opt = acc.prepare(codec, opt)
    inner = acc.unwrap_model(codec)
    report(f"training VAE '{config.get('name')}' on {acc.device}: {len(clips)} mono clips, "
           f"{count_parameters(inner):,} parameters, hop {inner.hop}, {inner.mono_channels} latent channels")

    def crop() -> np.ndarray:
        c = clips[rng.randrange(len(clips))]
        if len(c) <= length:
            return np.pad(c, (0, length - len(c)))
        s = rng.randint(0, len(c) - length)
        return c[s:s + length]

    def save(step: int, loss: float) -> None:
        if acc.is_main_process:
            meta = {"config_name": config.get("name"), "step": step, "loss": loss, "licence": "MIT",
                    "source": "trained with smartdj train vae"}
            save_checkpoint(out, "vae", {"name": config.get("name"), "latent": lat_cfg},
                            {k: v.detach().clone() for k, v in acc.unwrap_model(codec).state_dict().items()}, meta)
        acc.wait_for_everyone()

    t0, hist = time.perf_counter(), []
    every = max(1, min(100, steps // 10 or 1))
    for step in range(1, steps + 1):
        x = torch.from_numpy(np.stack([crop() for _ in range(batch)])).to(acc.device)[:, None]
        with acc.autocast():
            dist = inner.vae.encode(x).latent_dist
            z = dist.sample()
            y = inner.vae.decode(z).sample[..., : x.shape[-1]]
            rec = mrstft_loss(y[:, 0], x[:, 0])
            kl = dist.kl().mean() / z.shape[-1]
            loss = rec + kl_w * kl
        acc.backward(loss)
        acc.clip_grad_norm_(codec.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        hist.append(loss.item())
        if step % every == 0 or step == steps:
            report(f"step {step}/{steps} loss {np.mean(hist[-every:]):.4f} (stft {rec.item():.4f}, kl {kl.item():.2f}) "
                   f"{time.perf_counter() - t0:.1f} s")
        if save_every and step % save_every == 0:
            save(step, hist[-1])
    save(steps, float(np.mean(hist[-every:])))
    return {"steps": steps, "loss": float(np.mean(hist[-every:])), "first_loss": hist[0],
            "seconds": time.perf_counter() - t0, "parameters": count_parameters(inner)}


