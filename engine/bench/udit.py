"""Time per edit step of SmartDJ's released editor configuration, with random weights.

An edit step on a 10 s stereo item: 500 latent frames, classifier-free guidance as one batch of 2,
50 DDIM steps, plus the VAE encoding the source and decoding the result (``--no-vae`` leaves it
out). Reports the median time per denoising step (backbone forward, guidance and rescale), the
time per edit step, peak GPU memory on CUDA, the parameter count and the device.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

EDIT_STEPS = 50
SMALL_OVERRIDES = {"embed_dim": 256, "depth": 4, "num_heads": 4, "ada_sola_rank": 8, "ada_sola_alpha": 8}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", choices=["full", "small"], default="full",
                        help="released configuration (full) or a narrow, shallow one for quick checks")
    parser.add_argument("--device", default="auto", help="auto (cuda if available), cpu, cuda, cuda:1, ...")
    parser.add_argument("--dtype", choices=["auto", "bf16", "fp32"], default="auto",
                        help="auto: bf16 on CUDA, fp32 on CPU")
    parser.add_argument("--steps", type=int, default=None,
                        help="timed denoising steps (default: 10 on CUDA, 1 on CPU)")
    parser.add_argument("--frames", type=int, default=500, help="latent frames (500 = 10 s at 50 Hz)")
    parser.add_argument("--no-vae", dest="vae", action="store_false", help="leave the VAE out of the edit step")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(fn, device) -> float:
    _sync(device)
    t0 = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - t0


def measure(config: str = "full", device: str = "auto", dtype: str = "auto", steps: int | None = None,
            frames: int = 500, vae: bool = True) -> dict:
    import torch
    from smartdj.models.components.oobleck import StereoOobleck
    from smartdj.models.components.udit import UDiT
    from smartdj.models.release.released import DEFAULTS, TEXT_CONFIG, UDIT_CONFIG, VAE_CONFIG

    dev = torch.device("cuda" if device == "auto" and torch.cuda.is_available() else
                       ("cpu" if device == "auto" else device))
    cuda = dev.type == "cuda"
    dt = torch.bfloat16 if dtype == "bf16" or (dtype == "auto" and cuda) else torch.float32
    steps = steps or (10 if cuda else 1)
    warmup = 2 if cuda else 0
    cfg = dict(UDIT_CONFIG, **(SMALL_OVERRIDES if config == "small" else {}), img_size=frames)
    torch.manual_seed(0)
    with torch.device(dev):
        model = UDiT(**cfg).to(dt).eval()
    params = sum(p.numel() for p in model.parameters())
    latent = cfg["out_chans"]
    with torch.device(dev):
        latents = torch.randn(1, latent, frames, dtype=dt)
        source = torch.randn(1, latent, frames, dtype=dt)
        context = torch.randn(2, TEXT_CONFIG["max_length"], cfg["context_dim"], dtype=dt)
        t = torch.full((2,), 999, dtype=torch.long)
    scale, rescale = DEFAULTS["guidance"], DEFAULTS["rescale"]

    def denoise_step() -> None:
        nonlocal latents
        x = torch.cat([latents, source], dim=1).expand(2, -1, -1)
        cond, uncond = model(x, t, context).chunk(2)
        guided = uncond + scale * (cond - uncond)
        dims = list(range(1, guided.ndim))
        factor = cond.std(dim=dims, keepdim=True) / guided.std(dim=dims, keepdim=True)
        guided = rescale * guided * factor + (1 - rescale) * guided
        latents = 0.99 * latents - 0.1 * guided  # DDIM update: elementwise, negligible

    if cuda:
        torch.cuda.reset_peak_memory_stats(dev)
    times = []
    with torch.inference_mode():
        for i in range(warmup + steps):
            s = _timed(denoise_step, dev)
            if i >= warmup:
                times.append(s)
        vae_enc = vae_dec = 0.0
        if vae:
            with torch.device(dev):
                codec = StereoOobleck.from_config(VAE_CONFIG).to(dt).eval()
                audio = torch.randn(1, 2, frames * codec.hop, dtype=dt)
            for _ in range(1 + (1 if cuda else 0)):  # one warm-up on CUDA
                vae_enc = _timed(lambda: codec.encode(audio), dev)
                vae_dec = _timed(lambda: codec.decode(latents), dev)
    step = statistics.median(times)
    return {
        "benchmark": "udit", "config": config, "parameters": params,
        "device": str(dev), "device_name": torch.cuda.get_device_name(dev) if cuda else "cpu",
        "dtype": str(dt).replace("torch.", ""), "frames": frames, "cfg_batch": 2, "timed_steps": steps,
        "step_median_s": step, "step_min_s": min(times),
        "vae_encode_s": vae_enc, "vae_decode_s": vae_dec,
        "edit_step_s": EDIT_STEPS * step + vae_enc + vae_dec, "denoising_steps_per_edit": EDIT_STEPS,
        "peak_gpu_mem_gib": torch.cuda.max_memory_allocated(dev) / 2**30 if cuda else None,
        "torch": torch.__version__, "threads": torch.get_num_threads(),
    }


def run(args: argparse.Namespace) -> int:
    r = measure(args.config, args.device, args.dtype, args.steps, args.frames, args.vae)
    if args.json:
        print(json.dumps(r))
        return 0
    print(f"UDiT {r['config']} ({r['parameters']:,} parameters) on {r['device_name']} [{r['dtype']}], "
          f"{r['frames']} frames, CFG batch 2")
    print(f"  denoising step: median {r['step_median_s'] * 1e3:.1f} ms over {r['timed_steps']} "
          f"(min {r['step_min_s'] * 1e3:.1f} ms)")
    if args.vae:
        print(f"  VAE: encode {r['vae_encode_s'] * 1e3:.1f} ms, decode {r['vae_decode_s'] * 1e3:.1f} ms (10 s stereo)")
    print(f"  edit step ({EDIT_STEPS} steps{' + VAE' if args.vae else ''}): {r['edit_step_s']:.2f} s")
    if r["peak_gpu_mem_gib"] is not None:
        print(f"  peak GPU memory: {r['peak_gpu_mem_gib']:.2f} GiB")
    return 0
