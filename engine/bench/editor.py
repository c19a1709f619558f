"""Diffusion editor time per edit step: one atomic edit of a 10 s stereo item with N DDIM steps and
CFG (random weights), median over repeats, peak CUDA memory, parameter counts per component."""

from __future__ import annotations

import argparse
import json
import statistics
import time


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="tiny", help="tiny, small, full, full_dit or FILE.json")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, mps")
    p.add_argument("--dtype", choices=["bf16", "fp16", "fp32"], default=None,
                   help="default: bf16 on CUDA, fp32 elsewhere")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--guidance", type=float, default=4.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", action="store_true")


def bench(config: str, device: str = "auto", dtype: str | None = None, seconds: float = 10.0, steps: int = 50,
          guidance: float = 4.0, repeats: int = 3) -> dict:
    import numpy as np
    import torch
    from smartdj.models.configs import editor_config
    from smartdj.models.pipelines.edit import EditPipeline, select_device

    cfg = editor_config(config)
    dev, _ = select_device(None if device == "auto" else device)
    dtype = dtype or ("bf16" if dev.type == "cuda" else "fp32")
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    t0 = time.perf_counter()
    pipe = EditPipeline.from_config(cfg, device=dev, dtype=dtype)
    build_s = time.perf_counter() - t0
    sr = pipe.sample_rate
    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal((2, int(seconds * sr)))).astype(np.float32)
    # warm-up (kernels, allocator): a 2-step edit
    pipe.edit(audio, sr, "remove the sound of dog barking at the left", seed=0, steps=2, guidance=guidance)
    if dev.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for r in range(repeats):
        t = time.perf_counter()
        res = pipe.edit(audio, sr, "remove the sound of dog barking at the left", seed=r, steps=steps,
                        guidance=guidance)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    counts = pipe.parameter_counts()
    return {"config": cfg.get("name", config), "device": str(dev), "device_name": pipe.device_message,
            "dtype": dtype, "seconds_audio": seconds, "sample_rate": sr, "steps": steps, "guidance": guidance,
            "windows": res.windows, "repeats": repeats, "edit_s_median": med, "edit_s_all": times,
            "per_denoising_step_ms": 1000 * med / (steps * res.windows), "realtime_factor": med / seconds,
            "peak_cuda_mem_gib": (torch.cuda.max_memory_allocated() / 2**30) if dev.type == "cuda" else None,
            "parameters": counts, "parameters_total": sum(counts.values()), "build_s": build_s,
            "text_encoder_pretrained": pipe.text_encoder.pretrained_loaded,
            "attention": "torch SDPA (diffusers AttnProcessor2_0)" if cfg["backbone"]["type"] == "stable_audio_dit"
            else cfg["backbone"]["type"]}


def run(args: argparse.Namespace) -> int:
    from smartdj.engine.config import keep_hub_offline

    keep_hub_offline()  # never download weights from here
    res = bench(args.config, args.device, args.dtype, args.seconds, args.steps, args.guidance, args.repeats)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print(f"editor '{res['config']}' on {res['device']} ({res['dtype']}): {res['seconds_audio']:.0f} s stereo, "
              f"{res['steps']} DDIM steps, CFG {res['guidance']}: median {res['edit_s_median']:.2f} s per edit "
              f"({res['per_denoising_step_ms']:.1f} ms per denoising step, {res['windows']} window(s))")
        if res["peak_cuda_mem_gib"] is not None:
            print(f"  peak CUDA memory {res['peak_cuda_mem_gib']:.2f} GiB")
        print(f"  parameters: {res['parameters']} (total {res['parameters_total']:,})")
    return 0
