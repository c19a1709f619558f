"""Jobs: the queue and the worker thread that runs them one at a time (see ``runner`` for one job).

A submit is stored and answered at once; the worker takes jobs in order. Cancel is honoured
between steps and, inside a step, through the executor's cancel callback. Stopping the engine
interrupts the running step (nothing is written) and leaves the job active; the next start
resumes it. A fault in one job (disk full, out of memory, a library error, a bug) fails that job
and leaves the worker running; if the worker itself dies, ``health()`` says so and why.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import traceback

from smartdj.bridge import protocol as P
from smartdj.engine.config import Settings
from smartdj.engine.execution.executors import ExecError
from smartdj.engine.serving.runner import JobRunner, clean_partials
from smartdj.engine.serving.store import Store
from smartdj.engine.serving.units import Cancelled, Interrupted, render_path, safe_name, slug

log = logging.getLogger("smartdj.jobs")

STORE_RETRY_S = 1.0  # a store that cannot write (disk full) is retried, never fatal to the worker


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
        self._express: threading.Thread | None = None
        self._current_heavy = False
        self._light: dict[str, bool] = {}  # queued job -> may run beside a heavy one (decided once, at enqueue)
        self._planners: dict[str, object] = {}
        self._worker_error: str | None = None
        self.runner = JobRunner(store, settings, library, self._planner, lambda job: job in self._cancel,
                                self._stopping.is_set)
        self.express_runner = JobRunner(store, settings, library, self._planner, lambda job: job in self._cancel,
                                        self._stopping.is_set)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self, resume: bool = True) -> int:
        """Re-queue jobs a previous engine left active, then start the worker; returns how many resumed."""
        resumed = 0
        if resume:
            for job in self.store.active_jobs():
                clean_partials(job)
                self._enqueue(job["job"], job["spec"])
                resumed += 1
                log.info("resuming job %s (%s)", job["job"], job["state"])
        self._thread = threading.Thread(target=self._worker, name="smartdj-worker-cpu", daemon=True)
        self._thread.start()
        self._express = threading.Thread(target=self._express_worker, name="smartdj-worker-express", daemon=True)
        self._express.start()
        return resumed

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        for thread in (self._thread, self._express):
            if thread is not None:
                thread.join(timeout)

    def warm_up(self) -> None:
        """Import the composer and compile the rule planner before the engine says it is ready, so the
        first job runs at full speed (a job racing a background import waits on Python's import lock)."""
        try:
            import smartdj.engine.compose.composer  # noqa: F401
            import smartdj.engine.compose.mixture  # noqa: F401
            getattr(self._planner("rules"), "warm", lambda: None)()  # compile the rule planner's patterns
            from smartdj.engine.planning.base import PlanningError

            try:  # load the learned reader's tables and fill the planners' word caches
                self._planner(P.DEFAULT_PLANNER).plan("kick L, snare up 2", ["kick", "snare"])
            except PlanningError:
                pass
        except Exception as e:  # missing parts are reported when a job needs them
            log.debug("warm-up: %s", e)

    def health(self) -> dict:
        """``{"worker": "running" | "stopped" | "dead", "worker_error": why it died or None}``."""
        alive = self._thread is not None and self._thread.is_alive()
        state = P.RUNNING if alive else ("stopped" if self._stopping.is_set() or self._thread is None else "dead")
        return {"worker": state, "worker_error": self._worker_error}

    # --- requests -----------------------------------------------------------------------

    def submit(self, spec: dict, ref: str | None = None) -> str:
        job, created = self.store.create_job(
            spec, ref=ref, accepted={"items": [it["id"] for it in spec["items"]], "mode": spec["mode"]})
        if not created:
            return job
        self._enqueue(job, spec)
        return job

    def _enqueue(self, job: str, spec: dict) -> None:
        executor = (spec.get("options") or {}).get("executor", "auto")
        with self._cond:
            self._light[job] = spec.get("mode") == "plan" or bool(spec.get("scene")) or executor == "composer"
            self._queue.append(job)
            self._cond.notify_all()

    def cancel(self, job: str) -> str | None:
        """Request cancellation; returns the job's state after the request (None if unknown)."""
        with self._cond:
            info = self.store.job(job)
            if info is None:
                return None
            if info["state"] in P.FINAL_STATES:
                return info["state"]
            if job in self._queue:
                self._queue.remove(job)
                self._light.pop(job, None)
                self.store.append(job, P.CANCELLED)
                return P.CANCELLED
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
        try:
            while True:
                with self._cond:
                    while not self._queue and not self._stopping.is_set():
                        self._cond.wait(0.5)
                    if self._stopping.is_set():
                        return
                    job = self._queue.popleft()
                    self._current = job
                    self._current_heavy = not self._light.pop(job, False)
                    self._cond.notify_all()  # a heavy job wakes the express lane at once
                try:
                    self._run_one(job)
                finally:
                    with self._cond:
                        self._current, self._current_heavy = None, False
                        self._cancel.discard(job)
                        self._cond.notify_all()
        except BaseException as e:  # only a bug in this loop gets here: say so in status
            self._worker_error = f"{type(e).__name__}: {e}"
            log.critical("the job worker stopped:\n%s", traceback.format_exc())
            raise

    def _express_worker(self) -> None:
        """While the main worker runs a heavy job (a separator or the diffusion editor), light jobs
        (plan only, scenes, the exact composer) run here instead of waiting behind it."""
        while not self._stopping.is_set():
            with self._cond:
                job = next((j for j in self._queue if self._light.get(j)), None) if self._current_heavy else None
                if job is None:
                    self._cond.wait(0.5)
                    continue
                self._queue.remove(job)
                del self._light[job]
            try:
                self._run_one(job, self.express_runner)
            except BaseException:  # never takes the engine down; the main worker still runs everything
                log.error("express lane:\n%s", traceback.format_exc())
            finally:
                with self._cond:
                    self._cancel.discard(job)

    def _run_one(self, job: str, runner: JobRunner | None = None) -> None:
        """Run ``job`` and record how it ended; nothing a job does may escape this."""
        try:
            (runner or self.runner).run(job)
            return
        except Interrupted:
            log.info("job %s interrupted by shutdown; it resumes at the next start", job)
            return
        except Cancelled:
            ending: tuple[str, dict] = (P.CANCELLED, {})
        except ExecError as e:
            fields = {k: v for k, v in (("item", e.item), ("step", e.step)) if v is not None}
            ending = (P.FAILED, {"code": e.code, "message": e.message, **fields})
        except MemoryError:
            ending = (P.FAILED, {"code": "edit_failed", "message": "the engine ran out of memory on this job"})
        except Exception as e:  # a bug, or the store failing (disk full): fail the job, keep the worker
            log.error("job %s crashed:\n%s", job, traceback.format_exc())
            code = "storage_failed" if _is_storage_fault(e) else "internal"
            ending = (P.FAILED, {"code": code, "message": f"{_describe(e)}"})
        self._record_end(job, *ending)

    def _record_end(self, job: str, type_: str, fields: dict) -> None:
        """Store the job's end; a store that cannot write now is retried until the engine stops
        (the job stays active and resumes at the next start if it never could)."""
        while True:
            try:
                self.store.append(job, type_, **fields)
                return
            except Exception as e:
                log.error("job %s: cannot record its end (%s); retrying", job, e)
                if self._stopping.wait(STORE_RETRY_S):
                    return

    def _planner(self, name: str):
        if name not in self._planners:
            from smartdj.engine.planning.base import get_planner

            self._planners[name] = get_planner(name)
        return self._planners[name]


def _is_storage_fault(e: Exception) -> bool:
    import sqlite3

    return isinstance(e, sqlite3.Error) or isinstance(e, OSError) and e.errno in (28, 122)  # ENOSPC, EDQUOT


def _describe(e: Exception) -> str:
    if _is_storage_fault(e):
        return f"the engine's state folder cannot be written ({e}); free some disk space, the job can be resubmitted"
    return f"internal error: {type(e).__name__}: {e}"


def wait_final(store: Store, job: str, timeout: float | None = None) -> str | None:
    """Block until ``job`` ends (in-process callers); returns its final state or None on timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        info = store.job(job)
        if info and info["state"] in P.FINAL_STATES:
            return info["state"]
        if deadline is not None and time.monotonic() > deadline:
            return None
        time.sleep(0.02)


__all__ = ["JobManager", "wait_final", "render_path", "safe_name", "slug", "Cancelled", "Interrupted"]
