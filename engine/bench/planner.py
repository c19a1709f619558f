"""Planner speed: cold-start ``smartdj plan`` (time, peak RSS) beside a bare ``python -c pass`` from the same
run (with the default hybrid planner, and for a request only the learned reader can read), the engine's first
plan-only job right after ready and 3 s after it, later jobs, and each planner's time per plan in-process over
the development set."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INSTRUCTIONS = ["turn the piano dwon 3 dB", "kick +2, snare -1, hats out",
                "everything except the vocal down 3", "add rain far off on the left, then make it warmer"]
LABELS = "piano;lead vocal;drum kit;kick;snare;hi-hat"
READER_ONLY = "kick L, snare R"  # the rules cannot read it: the hybrid planner loads the learned reader


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", action="store_true")


def _timed(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB (from the child's own rusage) and exit code of one process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, proc.returncode


def _engine_jobs(repeats: int, pause: float = 0.0) -> tuple[float, list[float]]:
    """Seconds of the first plan-only scene job ``pause`` s after ready, and of the ones after it."""
    import numpy as np
    import soundfile as sf
    from smartdj.bridge.zmq_client import EngineClient
    from smartdj.engine.serving.launcher import launch

    with tempfile.TemporaryDirectory() as tmp:
        items = []
        for label in LABELS.split(";"):
            path = Path(tmp) / f"{label.replace(' ', '_')}.wav"
            sf.write(path, np.zeros((4800, 2), np.float32), 48000)
            items.append({"path": str(path), "label": label, "id": label.replace(" ", "_"), "at": None})
        engine = launch(os.path.join(tmp, "state"))
        time.sleep(pause)  # 0: the job races the background warm-up; 3: after it
        times = []
        try:
            with EngineClient(engine.zmq) as c:
                for i in range(repeats + 1):
                    t0 = time.perf_counter()
                    job = c.submit(items, INSTRUCTIONS[i % len(INSTRUCTIONS)], os.path.join(tmp, "out"),
                                   scene=True, mode="plan")
                    final = c.wait(job, poll=0.002, timeout=60)
                    times.append(time.perf_counter() - t0)
                    if final["type"] != "done":
                        raise RuntimeError(f"benchmark job failed: {final}")
        finally:
            engine.stop()
    return times[0], times[1:]


def _in_process(name: str) -> float:
    from importlib import resources

    from smartdj.engine.evaluation.planner import load_examples
    from smartdj.engine.planning.base import PlanningError, get_planner

    planner = get_planner(name)
    examples = load_examples(Path(str(resources.files("smartdj.engine.data") / "planner_dev.jsonl")))
    times = []
    for ex in examples:
        t0 = time.perf_counter()
        try:
            planner.plan(ex.instruction, ex.labels)
        except PlanningError:
            pass
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(args: argparse.Namespace) -> int:
    smartdj = str(Path(sys.executable).parent / "smartdj")
    bare, cold, cold_reader = [], [], []
    for i in range(args.repeats):
        bare.append(_timed([sys.executable, "-c", "pass"]))
        cold.append(_timed([smartdj, "plan", INSTRUCTIONS[i % len(INSTRUCTIONS)], "--labels", LABELS, "--json"]))
        cold_reader.append(_timed([smartdj, "plan", READER_ONLY, "--labels", LABELS, "--json"]))
    failed = [c for c in cold + cold_reader if c[2] != 0]
    first, later = _engine_jobs(args.repeats)
    warm_first, _ = _engine_jobs(1, pause=3.0)
    med = statistics.median
    out = {
        "bare_python_s": round(med(b[0] for b in bare), 4),
        "bare_python_rss_mib": round(med(b[1] for b in bare), 1),
        "cold_plan_s": round(med(c[0] for c in cold), 4),
        "cold_plan_rss_mib": round(med(c[1] for c in cold), 1),
        "cold_plan_over_bare": round(med(c[0] for c in cold) / med(b[0] for b in bare), 2),
        "cold_reader_plan_s": round(med(c[0] for c in cold_reader), 4),
        "cold_reader_plan_rss_mib": round(med(c[1] for c in cold_reader), 1),
        "cold_reader_plan_over_bare": round(med(c[0] for c in cold_reader) / med(b[0] for b in bare), 2),
        "cold_plan_failures": len(failed),
        "engine_first_plan_job_s": round(first, 4),
        "engine_first_plan_job_after_warmup_s": round(warm_first, 4),
        "engine_plan_job_s": round(med(later), 4) if later else None,
        "in_process_ms_per_plan": {n: round(1000 * _in_process(n), 3) for n in ("rules", "reader", "hybrid")},
        "repeats": args.repeats,
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k:<28} {v}")
    return 1 if failed else 0
