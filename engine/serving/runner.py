"""The runner of one job: read its units, plan each, then execute step by step, every event stored first.

Step k's input is step k-1's output; each render is written atomically to
``out_dir/<job>/<item>/step_<k>_<slug>.wav``, in a folder checked against the allow-list just
before the write. A render with NaN or infinite samples is an error, never a success. A job that
ran before (the engine stopped or crashed) resumes from its last finished step: that step's render
is read back from disk (scenes replay their steps on the composer, which is exact).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
from smartdj.bridge import protocol as P
from smartdj.engine.config import Settings, debug_step_delay
from smartdj.engine.execution.executors import ExecError
from smartdj.engine.serving.paths import PathPolicy, PathRefused
from smartdj.engine.serving.store import Store
from smartdj.engine.serving.units import (
    Cancelled,
    Interrupted,
    ItemUnit,
    SceneUnit,
    StepDone,
    Unit,
    load_item,
    load_scene,
    render_path,
    safe_name,
)

log = logging.getLogger("smartdj.jobs")

PROGRESS_INTERVAL = 0.1  # at most 10 progress events per second


class JobRunner:
    """Runs one job at a time for the worker; ``should_stop(job)`` says cancel (True) or shutdown."""

    def __init__(self, store: Store, settings: Settings, library, planner: Callable[[str], object],
                 cancelled: Callable[[str], bool], stopping: Callable[[], bool]):
        self.store, self.settings, self.library = store, settings, library
        self.policy = PathPolicy(settings.allowed_dirs)
        self._planner, self._cancelled, self._stopping = planner, cancelled, stopping

    def check(self, job: str) -> None:
        if self._cancelled(job):
            raise Cancelled()
        if self._stopping():
            raise Interrupted()

    def should_stop(self, job: str) -> bool:
        return self._cancelled(job) or self._stopping()

    # --- one job ------------------------------------------------------------------------

    def run(self, job: str) -> None:
        info = self.store.job(job)
        if info is None or info["state"] not in P.ACTIVE_STATES:
            return
        spec = info["spec"]
        history = self.store.events(job, 0, 1_000_000)
        planned = {e["item"] for e in history if e["type"] == "planned"}
        done = {(e["item"], e["step"]): StepDone(e["item"], e["step"], e["path"])
                for e in history if e["type"] == "step_done"}
        self.check(job)
        self.store.set_state(job, P.RUNNING)
        if spec["mode"] != "plan":
            self._out_folder(spec["out_dir"], job)
        units = self._load(spec)
        plans = self._plan_all(job, spec, units, planned)
        if spec["mode"] == "plan":
            self.store.append(job, P.DONE, renders=0)
            return
        renders = len(done)
        resumed = bool(done or planned)
        for unit in units:
            renders += self._execute(job, spec, unit, plans[unit.id], done, resumed)
        self.store.append(job, P.DONE, renders=renders)

    def _out_folder(self, out_dir: str, job: str) -> Path:
        try:
            self.policy.writable_dir(out_dir, "output folder")
            return self.policy.writable_dir(Path(out_dir) / job, "job folder", own=True)
        except PathRefused as e:
            raise ExecError(e.code, str(e)) from None

    def _load(self, spec: dict) -> list[Unit]:
        if spec["scene"]:
            return [load_scene(spec, self.policy)]
        return [load_item(it, spec["options"], self.policy) for it in spec["items"]]

    def _plan_all(self, job: str, spec: dict, units: list[Unit], planned: set[str]) -> dict[str, list]:
        from smartdj.bridge.language import plan_from_json
        from smartdj.engine.serving.planning import plan_unit

        saved = self.store.plans(job)
        plans: dict[str, list] = {}
        for unit in units:
            self.check(job)
            if unit.id in planned and unit.id in saved:
                plans[unit.id] = plan_from_json(saved[unit.id]["steps"])
                continue
            result = plan_unit(spec, unit, self._planner)
            steps = [s.to_json() for s in result["steps"]]
            self.store.save_plan(job, unit.id, steps, result["planner"], result["fallback"], result["tags"])
            unsure = {k: result[k] for k in ("unsure", "alternatives") if k in result}
            self.store.append(job, "planned", item=unit.id, steps=steps, planner=result["planner"],
                              fallback=result["fallback"], tags=result["tags"], **unsure)
            if unsure and spec["mode"] != "plan":
                readings = " | ".join("; ".join(s["text"] for s in alt) for alt in unsure["alternatives"])
                if len(unsure["alternatives"]) > 1:
                    what = f"the instruction has {len(unsure['alternatives'])} readings ({readings}); pick one"
                elif result["planner"] == "reader":
                    what = f"only the learned reader could read the instruction, as: {readings}; confirm it"
                else:
                    what = f"{(result['tags'] or ['part of the instruction was not understood'])[-1]}: {readings}; check it"
                raise ExecError("plan_unsure", f"{what} and send it as the plan (the step texts, as the instruction)",
                                item=unit.id)
            plans[unit.id] = result["steps"]
        return plans

    # --- execution ----------------------------------------------------------------------

    def _executor(self, spec: dict, unit: Unit, steps: list):
        from smartdj.engine.execution import executors

        opts = spec["options"]
        kind, ckpt = executors.choose(opts["executor"], spec["scene"], opts, self.settings, steps,
                                      getattr(unit, "label", ""))
        if kind == "composer":
            return kind, executors.SceneExecutor(unit.scene, self.library, opts.get("seed"))
        if kind == "diffusion":
            if ckpt is not None and not self.policy.allows(ckpt):
                raise ExecError("unauthorized", f"checkpoint {ckpt}: {self.policy.refusal(ckpt)}")
            ex = executors.DiffusionExecutor(ckpt, opts, self.settings.device)
        elif kind == "separation":
            from smartdj.engine.execution.separation import SeparationExecutor

            ex = SeparationExecutor(unit.label, self.library, opts, self.settings)
        else:
            ex = executors.MixtureExecutor(unit.label, self.library, opts.get("seed"))
        ex.check(steps, unit.id)
        return kind, ex

    def _execute(self, job: str, spec: dict, unit: Unit, steps: list, done: dict, resumed: bool) -> int:
        """Run ``unit``'s steps not yet done; returns how many renders this run wrote."""
        kind, ex = self._executor(spec, unit, steps)
        audio = unit.audio if isinstance(unit, ItemUnit) else None
        n, written = len(steps), 0
        for k, step in enumerate(steps, 1):
            self.check(job)
            prev = done.get((unit.id, k))
            if prev is not None and Path(prev.path).is_file():
                if kind == "composer":
                    self._guard(job, lambda ex=ex, step=step: ex.apply(step), unit.id, k, step)
                elif (unit.id, k + 1) not in done:
                    audio = self._read_back(prev, unit.id)
                continue
            self.store.append(job, "step_started", item=unit.id, step=k, of=n, text=step.text,
                              **({"resumed": True} if resumed else {}))
            if kind == "composer":
                self._guard(job, lambda ex=ex, step=step: ex.apply(step), unit.id, k, step)
                self.check(job)
                audio = ex.render()
            else:
                audio = self._guard(job, lambda ex=ex, audio=audio, step=step, k=k: ex.step(
                    audio, unit.sr, step, self._progress(job, unit.id, k), lambda: self.should_stop(job)),
                    unit.id, k, step)
            self._debug_delay(job, unit.id, k)
            self.check(job)
            self._write(job, spec, unit, k, n, step, audio, getattr(ex, "step_info", None))
            written += 1
        return written

    def _read_back(self, prev: StepDone, item: str) -> np.ndarray:
        from smartdj.engine.audio.io import AudioError, read_audio

        try:
            audio, _ = read_audio(self.policy.readable(prev.path, f"step {prev.step} render"))
        except (AudioError, PathRefused, OSError) as e:
            raise ExecError("bad_audio", f"cannot resume from step {prev.step}'s render: {e}", item, prev.step) from None
        return audio

    def _write(self, job: str, spec: dict, unit: Unit, k: int, n: int, step, audio: np.ndarray,
               info: dict | None = None) -> None:
        from smartdj.engine.audio.io import peak, write_wav_atomic

        if not np.isfinite(audio).all():
            raise ExecError("edit_failed", f"step {k} ({step.text}) produced NaN or infinite samples; nothing was "
                            "written (lower the gain or check the input)", unit.id, k)
        out = render_path(spec["out_dir"], job, unit.id, k, step.text)
        try:
            self.policy.writable_dir(out.parent, "item folder", own=True)
            write_wav_atomic(out, audio, unit.sr)
        except PathRefused as e:
            raise ExecError(e.code, str(e), unit.id, k) from None
        except (OSError, RuntimeError) as e:  # disk full, quota, a libsndfile "System error."
            reason = getattr(e, "strerror", None) or str(e)
            raise ExecError("write_failed", f"could not write {out}: {reason} (is the disk full?)", unit.id, k) from None
        pk = peak(audio)
        self.store.append(job, "step_done", item=unit.id, step=k, of=n, text=step.text, path=str(out),
                          sr=int(unit.sr), seconds=round(audio.shape[-1] / unit.sr, 6), peak=round(pk, 6),
                          clipped=bool(pk > 1.0), **(info or {}))

    def _guard(self, job: str, fn, item: str, k: int, step):
        from smartdj.engine.compose.scene import ComposeError

        try:
            return fn()
        except (Cancelled, Interrupted, ExecError):
            raise
        except ComposeError as e:
            self.check(job)
            code = "needs_separation" if type(e).__name__ == "NeedsSeparation" else "edit_failed"
            raise ExecError(code, f"step {k} ({step.text}): {e}", item, k) from None
        except MemoryError:
            raise ExecError("edit_failed", f"step {k} ({step.text}) ran out of memory; try a shorter item",
                            item, k) from None
        except Exception as e:
            self.check(job)  # a pipeline aborted by our cancel callback ends as cancelled
            log.error("step failed:\n%s", traceback.format_exc())
            raise ExecError("edit_failed", f"step {k} ({step.text}) failed: {type(e).__name__}: {e}", item, k) from None

    def _debug_delay(self, job: str, item: str, k: int) -> None:
        delay = debug_step_delay()
        report = self._progress(job, item, k)
        t0 = time.monotonic()
        while (elapsed := time.monotonic() - t0) < delay:
            self.check(job)
            report(elapsed / delay)
            time.sleep(0.02)

    def _progress(self, job: str, item: str, k: int):
        last = [0.0, -1.0]

        def report(fraction: float) -> None:
            now = time.monotonic()
            f = max(0.0, min(1.0, float(fraction)))
            if (now - last[0] >= PROGRESS_INTERVAL and f != last[1]) or (f >= 1.0 > last[1]):
                last[0], last[1] = now, f
                self.store.append(job, "progress", item=item, step=k, fraction=round(f, 4))
        return report


def clean_partials(job: dict) -> None:
    """Remove half-written renders a stopped engine left in a job's folder; never raises (a folder
    the engine cannot use fails the job when it runs, it must not stop the engine from starting)."""
    out_dir = job["spec"].get("out_dir")
    if not out_dir:
        return
    try:
        folder = Path(out_dir) / job["job"]
        if folder.is_symlink() or not folder.is_dir():
            return
        for sub in [folder, *(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())]:
            for p in sub.glob(".*.partial.wav"):
                p.unlink(missing_ok=True)
    except (OSError, ValueError) as e:
        log.warning("job %s: cannot clean its output folder (%s); the job will fail if it cannot write there",
                    job["job"], e)


__all__ = ["JobRunner", "clean_partials", "safe_name", "SceneUnit"]
