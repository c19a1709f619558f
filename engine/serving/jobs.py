"""Jobs: the queue, the worker thread, and the execution of one job, step by step.

A submit is stored and answered at once; one worker thread per device runs jobs in order.
Each job: read its items, plan every item (``planned`` events arrive before any render), then
execute step by step, step k's input being step k-1's output, each render written atomically
to ``out_dir/<job>/<item>/step_<k>_<slug>.wav``. Every event goes to the store first.

Cancel is honoured between steps and, inside a step, through the executor's cancel callback.
A cancelled or failed job keeps the renders of the steps it finished (complete files, already
announced by ``step_done``) and never leaves a partial one. Stopping the engine interrupts the
running step (nothing is written) and leaves the job active; the next engine start resumes it
from its last completed step, reading that step's render from disk (scenes replay the steps).
"""

from __future__ import annotations

import collections
import logging
import os
import re
import threading
import time
import traceback
from pathlib import Path

from smartdj.engine.config import Settings
from smartdj.engine.execution.executors import ExecError
from smartdj.engine.serving.store import Store

log = logging.getLogger("smartdj.jobs")

PROGRESS_INTERVAL = 0.1  # at most 10 progress events per second


class Cancelled(Exception):
    pass


class Interrupted(Exception):
    """The engine is stopping; the job stays active and resumes at the next start."""


def slug(text: str, limit: int = 48) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return s[:limit].rstrip("_") or "step"


def safe_name(item_id: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", item_id).strip("._") or "item"
    return s[:80]


def render_path(out_dir: str, job: str, item: str, k: int, text: str) -> Path:
    return Path(out_dir) / job / safe_name(item) / f"step_{k}_{slug(text)}.wav"


class JobManager:
    """Owns the queue and the worker; all methods are thread-safe."""

    def __init__(self, store: Store, settings: Settings, library=None):
        self.store = store
        self.settings = settings
        self.library = library
        self._queue: collections.deque[str] = collections.deque()
        self._cond = threading.Condition()
        self._current: str | None = None
        self._cancel: set[str] = set()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._planners: dict[str, object] = {}

    # --- lifecycle ----------------------------------------------------------------------

    def start(self, resume: bool = True) -> int:
        """Re-queue jobs a previous engine left active, then start the worker; returns how many resumed."""
        resumed = 0
        if resume:
            for job in self.store.active_jobs():
                self._clean_partials(job)
                with self._cond:
                    self._queue.append(job["job"])
                resumed += 1
                log.info("resuming job %s (%s)", job["job"], job["state"])
        self._thread = threading.Thread(target=self._worker, name="smartdj-worker-cpu", daemon=True)
        self._thread.start()
        return resumed

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def warm_up(self) -> None:
        """Import the composer and rule planner in the background so the first job starts fast."""
        def work() -> None:
            try:
                import smartdj.engine.compose.composer  # noqa: F401
                import smartdj.engine.compose.mixture  # noqa: F401
                self._planner("rules")
            except Exception as e:  # missing parts are reported when a job needs them
                log.debug("warm-up: %s", e)
        threading.Thread(target=work, name="smartdj-warmup", daemon=True).start()

    # --- requests -----------------------------------------------------------------------

    def submit(self, spec: dict, ref: str | None = None) -> str:
        job, created = self.store.create_job(
            spec, ref=ref, accepted={"items": [it["id"] for it in spec["items"]], "mode": spec["mode"]})
        if not created:
            return job
        with self._cond:
            self._queue.append(job)
            self._cond.notify_all()
        return job

    def cancel(self, job: str) -> str | None:
        """Request cancellation; returns the job's state after the request (None if unknown)."""
        with self._cond:
            info = self.store.job(job)
            if info is None:
                return None
            if info["state"] in ("done", "failed", "cancelled"):
                return info["state"]
            if job in self._queue:
                self._queue.remove(job)
                self.store.append(job, "cancelled")
                return "cancelled"
            self._cancel.add(job)
            return "cancelling"

    def queue_length(self) -> int:
        with self._cond:
            return len(self._queue)

    @property
    def current(self) -> str | None:
        return self._current

    # --- worker -------------------------------------------------------------------------

    def _worker(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping.is_set():
                    self._cond.wait(0.5)
                if self._stopping.is_set():
                    return
                job = self._queue.popleft()
                self._current = job
            try:
                self._run(job)
            except Interrupted:
                log.info("job %s interrupted by shutdown; it resumes at the next start", job)
            except Cancelled:
                self.store.append(job, "cancelled")
            except ExecError as e:
                fields = {k: v for k, v in (("item", e.item), ("step", e.step)) if v is not None}
                self.store.append(job, "failed", code=e.code, message=e.message, **fields)
            except Exception as e:  # a bug must fail the job, never the engine
                log.error("job %s crashed:\n%s", job, traceback.format_exc())
                self.store.append(job, "failed", code="internal", message=f"internal error: {type(e).__name__}: {e}")
            finally:
                with self._cond:
                    self._current = None
                    self._cancel.discard(job)

    def _check(self, job: str) -> None:
        if job in self._cancel:
            raise Cancelled()
        if self._stopping.is_set():
            raise Interrupted()

    def _should_stop(self, job: str) -> bool:
        return job in self._cancel or self._stopping.is_set()

    def _planner(self, name: str):
        if name not in self._planners:
            from smartdj.engine.planning.base import get_planner

            self._planners[name] = get_planner(name)
        return self._planners[name]

    @staticmethod
    def _clean_partials(job: dict) -> None:
        out_dir = job["spec"].get("out_dir")
        folder = Path(out_dir) / job["job"] if out_dir else None
        if folder is not None and folder.is_dir():
            for p in folder.rglob(".*.partial.wav"):
                try:
                    p.unlink()
                except OSError:
                    pass

    # --- one job ------------------------------------------------------------------------

    def _run(self, job: str) -> None:
        info = self.store.job(job)
        if info is None or info["state"] not in ("queued", "running"):
            return
        spec = info["spec"]
        history = self.store.events(job, 0, 1_000_000)
        planned = {e["item"] for e in history if e["type"] == "planned"}
        done_steps = {(e["item"], e["step"]): e["path"] for e in history if e["type"] == "step_done"}
        self._check(job)
        self.store.set_state(job, "running")

        out_root = None
        if spec["mode"] != "plan":
            out_root = Path(spec["out_dir"]) / job
            try:
                out_root.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise ExecError("out_dir", f"cannot create the output folder {out_root}: {e.strerror or e}; "
                                "choose a folder you can write to") from None
            if not os.access(out_root, os.W_OK | os.X_OK):
                raise ExecError("out_dir", f"the output folder {out_root} is not writable; choose another")

        from smartdj.engine.audio.io import AudioError

        try:
            if spec["scene"]:
                units = [self._load_scene(spec)]
            else:
                units = [self._load_item(it, spec["options"]) for it in spec["items"]]
        except AudioError as e:
            raise ExecError("bad_audio", str(e)) from None

        saved = self.store.plans(job)
        plans: dict[str, list] = {}
        from smartdj.bridge.language import plan_from_json

        for unit in units:
            self._check(job)
            item = unit["id"]
            if item in planned and item in saved:
                plans[item] = plan_from_json(saved[item]["steps"])
                continue
            result = self._plan(spec, unit)
            steps = result["steps"]
            self.store.save_plan(job, item, [s.to_json() for s in steps], result["planner"],
                                 result["fallback"], result["tags"])
            self.store.append(job, "planned", item=item, steps=[s.to_json() for s in steps],
                              planner=result["planner"], fallback=result["fallback"], tags=result["tags"])
            plans[item] = steps
        if spec["mode"] == "plan":
            self.store.append(job, "done", renders=0)
            return

        from smartdj.engine.execution import executors

        renders = sum(1 for _ in done_steps)
        opts = spec["options"]
        for unit in units:
            item, steps = unit["id"], plans[unit["id"]]
            kind, ckpt = executors.choose(opts["executor"], spec["scene"], opts, self.settings)
            if kind == "composer":
                ex = executors.SceneExecutor(unit["scene"], self.library, opts.get("seed"))
            elif kind == "diffusion":
                ex = executors.DiffusionExecutor(ckpt, opts, self.settings.device)
            else:
                ex = executors.MixtureExecutor(unit["label"], self.library, opts.get("seed"))
            if kind != "composer":
                ex.check(steps, item)
            audio, sr = unit.get("audio"), unit["sr"]
            n = len(steps)
            for k, step in enumerate(steps, 1):
                self._check(job)
                path = done_steps.get((item, k))
                if path and Path(path).is_file():
                    if kind == "composer":
                        self._guard(lambda ex=ex, step=step: ex.apply(step), item, k, step)
                    elif not done_steps.get((item, k + 1)):
                        from smartdj.engine.audio.io import read_audio

                        audio, _ = read_audio(path)
                    continue
                self.store.append(job, "step_started", item=item, step=k, of=n, text=step.text,
                                  **({"resumed": True} if done_steps or planned else {}))
                if kind == "composer":
                    self._guard(lambda ex=ex, step=step: ex.apply(step), item, k, step)
                    self._check(job)
                    audio = ex.render()
                else:
                    audio = self._guard(lambda ex=ex, audio=audio, sr=sr, step=step, k=k, item=item: ex.step(
                        audio, sr, step, self._progress(job, item, k), lambda: self._should_stop(job)),
                        item, k, step, job=job)
                self._debug_delay(job, item, k)
                self._check(job)
                out = render_path(spec["out_dir"], job, item, k, step.text)
                try:
                    from smartdj.engine.audio.io import peak, write_wav_atomic

                    write_wav_atomic(out, audio, sr)
                except OSError as e:
                    raise ExecError("write_failed", f"could not write {out}: {e.strerror or e}", item, k) from None
                pk = peak(audio)
                self.store.append(job, "step_done", item=item, step=k, of=n, text=step.text, path=str(out),
                                  sr=int(sr), seconds=round(audio.shape[-1] / sr, 6), peak=round(pk, 6),
                                  clipped=bool(pk > 1.0))
                renders += 1
        self.store.append(job, "done", renders=renders)

    def _guard(self, fn, item: str, k: int, step, job: str | None = None):
        from smartdj.engine.compose.scene import ComposeError

        try:
            return fn()
        except (Cancelled, Interrupted):
            raise
        except ExecError:
            raise
        except ComposeError as e:
            if job is not None:
                self._check(job)
            code = "needs_separation" if type(e).__name__ == "NeedsSeparation" else "edit_failed"
            raise ExecError(code, f"step {k} ({step.text}): {e}", item, k) from None
        except Exception as e:
            if job is not None:
                self._check(job)  # a pipeline aborted by our cancel callback ends as cancelled
            log.error("step failed:\n%s", traceback.format_exc())
            raise ExecError("edit_failed", f"step {k} ({step.text}) failed: {type(e).__name__}: {e}", item, k) from None

    def _debug_delay(self, job: str, item: str, k: int) -> None:
        """Test hook: ``SMARTDJ_DEBUG_STEP_DELAY`` seconds of cancellable work per step (default none)."""
        delay = float(os.environ.get("SMARTDJ_DEBUG_STEP_DELAY") or 0)
        report = self._progress(job, item, k)
        t0 = time.monotonic()
        while (elapsed := time.monotonic() - t0) < delay:
            self._check(job)
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

    # --- reading and planning -------------------------------------------------------------

    def _load_item(self, item: dict, options: dict) -> dict:
        from smartdj.engine.audio.io import AudioError, read_audio, to_stereo

        try:
            audio, sr = read_audio(item["path"], item["start"], item["length"])
            audio = to_stereo(audio, downmix=options.get("downmix", False), name=item["path"])
        except AudioError as e:
            raise ExecError("bad_audio", f"item {item['id']}: {e}", item=item["id"]) from None
        if audio.shape[-1] == 0:
            raise ExecError("bad_audio", f"item {item['id']}: the slice is empty", item=item["id"])
        from smartdj.engine.compose.library import label_from_name

        # an unlabelled item is named after its file ("10_rain_falling.wav" -> "rain falling")
        label = item["label"] or label_from_name(Path(item["path"]))
        return {"id": item["id"], "label": label, "audio": audio, "sr": sr, "scene": None}

    def _load_scene(self, spec: dict) -> dict:
        from smartdj.engine.audio.io import AudioError, read_audio, to_stereo
        from smartdj.engine.compose.scene import ComposeError, Scene, Source

        loaded = []
        for it in spec["items"]:
            try:
                audio, sr = read_audio(it["path"], it["start"], it["length"])
                if it["at"] is None:
                    audio = to_stereo(audio, downmix=spec["options"].get("downmix", False), name=it["path"])
            except AudioError as e:
                raise ExecError("bad_audio", f"item {it['id']}: {e}", item=it["id"]) from None
            loaded.append((it, audio, sr))
        positions = [it["position"] or 0.0 for it, _, _ in loaded]  # no position = 0 s
        origin = min(positions) if positions else 0.0
        rate = spec.get("sample_rate") or max(sr for _, _, sr in loaded)
        sources, end = [], 0.0
        for it, audio, sr in loaded:
            offset = (it["position"] - origin) if it["position"] is not None else 0.0
            end = max(end, offset + audio.shape[-1] / sr)
            label = it["label"] or Path(it["path"]).stem
            try:
                sources.append(Source(label=label, audio=audio, audio_sr=sr, at=it["at"], db=it["db"],
                                      offset=offset, path=it["path"]))
            except ComposeError as e:
                raise ExecError("invalid", f"item {it['id']}: {e}", item=it["id"]) from None
        try:
            scene = Scene(sample_rate=int(rate), seconds=spec.get("seconds") or max(end, 1.0 / rate),
                          sources=tuple(sources))
        except ComposeError as e:
            raise ExecError("invalid", f"scene: {e}") from None
        return {"id": "scene", "label": "", "audio": None, "sr": scene.sample_rate, "scene": scene,
                "labels": [s.label for s in sources]}

    def _plan(self, spec: dict, unit: dict) -> dict:
        from smartdj.bridge.language import EditError, plan_from_json

        if spec["plan"] is not None:
            plan = spec["plan"]
            if isinstance(plan, dict):
                plan = plan.get(unit["id"])
                if plan is None:
                    raise ExecError("invalid", f"the plan has no steps for item {unit['id']!r}", item=unit["id"])
            try:
                return {"steps": plan_from_json(plan), "planner": "user", "fallback": None, "tags": []}
            except EditError as e:
                raise ExecError("invalid", f"plan for item {unit['id']}: {e}", item=unit["id"]) from None
        from smartdj.engine.planning.base import PlanningError

        if unit["scene"] is not None:
            labels = unit["labels"]
            audio = None
        else:
            labels = [unit["label"]] if unit["label"] else None
            audio = (unit["audio"], unit["sr"])
        planner = self._planner(spec["options"]["planner"])
        try:
            result = planner.plan(spec["instruction"], labels=labels, audio=audio)
        except (PlanningError, EditError) as e:
            # A single item's label names the whole item ("turn it down"), not every sound inside the
            # mix: a sound it does not name ("remove the dog") is planned free, for the diffusion editor.
            if unit["scene"] is not None or labels is None:
                raise ExecError("plan_failed", f"could not plan {spec['instruction'][:80]!r}: {e}",
                                item=unit["id"]) from None
            try:
                result = planner.plan(spec["instruction"], labels=None, audio=audio)
            except (PlanningError, EditError) as e2:
                raise ExecError("plan_failed", f"could not plan {spec['instruction'][:80]!r}: {e2}",
                                item=unit["id"]) from None
        if not result.steps:
            raise ExecError("plan_failed", "the planner found nothing to do in the instruction", item=unit["id"])
        return {"steps": list(result.steps), "planner": result.planner, "fallback": result.fallback,
                "tags": list(result.tags or [])}


def wait_final(store: Store, job: str, timeout: float | None = None) -> str | None:
    """Block until ``job`` ends (in-process callers); returns its final state or None on timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        info = store.job(job)
        if info and info["state"] in ("done", "failed", "cancelled"):
            return info["state"]
        if deadline is not None and time.monotonic() > deadline:
            return None
        time.sleep(0.02)


