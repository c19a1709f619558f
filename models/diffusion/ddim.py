"""Diffusion for the editor: the release's DDIM scheduler, the v-prediction training loss with
text dropout, and the guided sampling loop (CFG batched cond+uncond, rescale, eta, cancellation).

Each denoising step feeds ``concat([scheduler.scale_model_input(noisy), source], dim=1)`` (noisy
first) to the backbone. Guidance is applied when ``guidance > 1``:
``uncond + guidance * (cond - uncond)``, then rescaled (``rescale_noise_cfg``) when ``rescale > 0``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from smartdj.models.configs import SCHEDULER
from torch import nn


class EditCancelled(RuntimeError):
    """``cancel()`` returned True between denoising steps."""


def make_scheduler(cfg: dict | None = None):
    from diffusers import DDIMScheduler

    return DDIMScheduler(**{**SCHEDULER, **(cfg or {})})


def rescale_noise_cfg(noise_cfg: torch.Tensor, noise_pred_text: torch.Tensor, guidance_rescale: float) -> torch.Tensor:
    """Match the guided prediction's std to the conditional one's, mixed by ``guidance_rescale``
    ("Common Diffusion Noise Schedules and Sample Steps are Flawed", section 3.4; diffusers semantics)."""
    dims = list(range(1, noise_pred_text.ndim))
    std_text = noise_pred_text.std(dim=dims, keepdim=True)
    std_cfg = noise_cfg.std(dim=dims, keepdim=True)
    rescaled = noise_cfg * (std_text / std_cfg)
    return guidance_rescale * rescaled + (1 - guidance_rescale) * noise_cfg


def training_loss(backbone: nn.Module, scheduler, target: torch.Tensor, source: torch.Tensor,
                  context: torch.Tensor, context_mask: torch.Tensor,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """MSE between the backbone's output and the v target (DDPM forward noising of ``target``)."""
    b = target.shape[0]
    n_train = scheduler.config.num_train_timesteps
    noise = torch.randn(target.shape, generator=generator, device="cpu" if generator is None else generator.device)
    noise = noise.to(target.device, target.dtype)
    t = torch.randint(0, n_train, (b,), generator=generator,
                      device="cpu" if generator is None else generator.device).to(target.device)
    noisy = scheduler.add_noise(target, noise, t)
    v = scheduler.get_velocity(target, noise, t)
    pred = backbone(torch.cat([scheduler.scale_model_input(noisy, t), source], dim=1), t, context, context_mask)
    return F.mse_loss(pred.float(), v.float())


@torch.no_grad()
def sample(backbone: nn.Module, scheduler_cfg: dict | None, source: torch.Tensor, cond: tuple[torch.Tensor, torch.Tensor],
           uncond: tuple[torch.Tensor, torch.Tensor] | None, *, steps: int = 50, guidance: float = 4.0,
           rescale: float = 0.8, eta: float = 0.0, generator: torch.Generator | None = None,
           on_step: Callable[[int], None] | None = None, cancel: Callable[[], bool] | None = None) -> torch.Tensor:
    """Denoise a latent of ``source``'s shape conditioned on it and on the text ``cond``.

    ``generator`` (a CPU generator gives the same noise on every device) draws the initial noise
    and DDIM's eta noise. ``on_step(i)`` is called after step i (1-based); ``cancel()`` is checked
    before every step and raises ``EditCancelled``.
    """
    scheduler = make_scheduler(scheduler_cfg)
    scheduler.set_timesteps(int(steps), device=source.device)
    gdev = generator.device if generator is not None else torch.device("cpu")
    latent = torch.randn(source.shape, generator=generator, device=gdev).to(source.device, torch.float32)
    latent = latent * scheduler.init_noise_sigma
    use_cfg = uncond is not None and guidance > 1.0
    ctx, mask = cond
    if use_cfg:
        ctx = torch.cat([uncond[0].expand_as(cond[0]), cond[0]])
        mask = torch.cat([uncond[1].expand_as(cond[1]), cond[1]])
    src = torch.cat([source, source]) if use_cfg else source
    for i, t in enumerate(scheduler.timesteps):
        if cancel is not None and cancel():
            raise EditCancelled(f"cancelled before denoising step {i + 1}/{steps}")
        x = scheduler.scale_model_input(latent, t)
        x = torch.cat([x, x]) if use_cfg else x
        tt = torch.full((x.shape[0],), int(t), device=source.device, dtype=torch.long)
        pred = backbone(torch.cat([x, src], dim=1), tt, ctx, mask).float()
        if use_cfg:
            pred_u, pred_c = pred.chunk(2)
            pred = pred_u + guidance * (pred_c - pred_u)
            if rescale > 0:
                pred = rescale_noise_cfg(pred, pred_c, rescale)
        latent = scheduler.step(pred, t, latent, eta=eta, generator=generator).prev_sample
        if on_step is not None:
            on_step(i + 1)
    return latent
