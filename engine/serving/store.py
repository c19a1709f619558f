"""The job store: jobs, plans and numbered events in SQLite (WAL), in the engine's state folder.

Every event a job produces is appended here first and only then announced, so ``events since N``
answers the same before and after a restart of the engine or of a client. One connection is
shared behind a lock; writes are small and commit at once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from smartdj.bridge.protocol import (
    ACTIVE_STATES,
    CANCELLED,
    DONE,
    FAILED,
    FINAL_STATES,
    QUEUED,
    RUNNING,
    TERMINAL_EVENTS,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, created REAL NOT NULL, updated REAL NOT NULL,
  state TEXT NOT NULL, client TEXT NOT NULL DEFAULT '', instruction TEXT NOT NULL DEFAULT '',
  spec TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS plans (
  job TEXT NOT NULL, item TEXT NOT NULL, steps TEXT NOT NULL, planner TEXT, fallback TEXT, tags TEXT,
  PRIMARY KEY (job, item));
CREATE TABLE IF NOT EXISTS events (
  job TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, time REAL NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (job, seq));
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE TABLE IF NOT EXISTS submit_refs (ref TEXT PRIMARY KEY, job TEXT NOT NULL);
"""

# job states (bridge.protocol): queued -> running -> done | failed | cancelled; the stored values
# are those strings, so a job store written by an earlier engine reads the same.
EVENT_STATE = {DONE: DONE, FAILED: FAILED, CANCELLED: CANCELLED}

Listener = Callable[[str, dict], None]


def new_job_id() -> str:
    return uuid.uuid4().hex[:12]


class Store:
    """Thread-safe access to the job database. ``listeners`` see every appended event."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "jobs.sqlite3"
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._listeners: list[Listener] = []

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One atomic write (the caller holds ``_lock``): all of it, or none of it."""
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add_listener(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    # --- jobs ---------------------------------------------------------------------------

    def create_job(self, spec: dict, job_id: str | None = None, ref: str | None = None,
                   accepted: dict | None = None) -> tuple[str, bool]:
        """``(job id, created)``; a ``ref`` seen before returns that job (a resent submit is idempotent).

        The job, its submit ref and its ``accepted`` event (seq 1, with the fields of ``accepted``)
        are written in one transaction: a job is never seen without the event that announces it.
        """
        job_id = job_id or new_job_id()
        now = time.time()
        event = {"seq": 1, "type": "accepted", "time": round(now, 3), **(accepted or {})}
        with self._lock:
            if ref is not None:
                row = self._db.execute("SELECT job FROM submit_refs WHERE ref = ?", (ref,)).fetchone()
                if row is not None:
                    return row[0], False
            with self._transaction():
                if ref is not None:
                    self._db.execute("INSERT INTO submit_refs (ref, job) VALUES (?, ?)", (ref, job_id))
                self._db.execute("INSERT INTO jobs (id, created, updated, state, client, instruction, spec, last_seq) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
                                 (job_id, now, now, QUEUED, spec.get("client", ""), spec.get("instruction", ""),
                                  json.dumps(spec)))
                self._db.execute("INSERT INTO events (job, seq, type, time, body) VALUES (?, 1, 'accepted', ?, ?)",
                                 (job_id, now, json.dumps(event)))
        self._notify(job_id, event)
        return job_id, True

    def job(self, job_id: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT id, created, updated, state, client, instruction, spec, last_seq "
                                   "FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else self._row(row)

    def jobs(self, limit: int = 50, states: tuple[str, ...] | None = None) -> list[dict]:
        q = "SELECT id, created, updated, state, client, instruction, spec, last_seq FROM jobs"
        args: tuple = ()
        if states:
            q += f" WHERE state IN ({','.join('?' * len(states))})"
            args = states
        q += " ORDER BY created DESC, rowid DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(q, (*args, limit)).fetchall()
        return [self._row(r) for r in rows]

    def active_jobs(self) -> list[dict]:
        """Queued or running jobs, oldest first (the order they resume in)."""
        with self._lock:
            rows = self._db.execute("SELECT id, created, updated, state, client, instruction, spec, last_seq "
                                    "FROM jobs WHERE state IN (?, ?) ORDER BY created, rowid", ACTIVE_STATES).fetchall()
        return [self._row(r) for r in rows]

    @staticmethod
    def _row(row) -> dict:
        return {"job": row[0], "created": row[1], "updated": row[2], "state": row[3], "client": row[4],
                "instruction": row[5], "spec": json.loads(row[6]), "last_seq": row[7]}

    def set_state(self, job_id: str, state: str) -> None:
        with self._lock:
            self._db.execute("UPDATE jobs SET state = ?, updated = ? WHERE id = ?", (state, time.time(), job_id))

    # --- plans --------------------------------------------------------------------------

    def save_plan(self, job_id: str, item: str, steps: list[dict], planner: str | None,
                  fallback: str | None, tags: list | None) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO plans (job, item, steps, planner, fallback, tags) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (job_id, item, json.dumps(steps), planner, fallback, json.dumps(tags or [])))

    def plans(self, job_id: str) -> dict[str, dict]:
        with self._lock:
            rows = self._db.execute("SELECT item, steps, planner, fallback, tags FROM plans WHERE job = ?",
                                    (job_id,)).fetchall()
        return {r[0]: {"steps": json.loads(r[1]), "planner": r[2], "fallback": r[3], "tags": json.loads(r[4])}
                for r in rows}

    # --- events -------------------------------------------------------------------------

    def append(self, job_id: str, type_: str, **fields) -> dict:
        """Append one event (next seq), update the job's state on terminal events, notify listeners."""
        now = time.time()
        with self._lock:
            cur = self._db.execute("SELECT last_seq, state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if cur is None:
                raise KeyError(job_id)
            seq = cur[0] + 1
            event = {"seq": seq, "type": type_, "time": round(now, 3), **fields}
            state = EVENT_STATE.get(type_, RUNNING if type_ in ("step_started", "step_done", "progress")
                                    and cur[1] == QUEUED else cur[1])
            with self._transaction():
                self._db.execute("INSERT INTO events (job, seq, type, time, body) VALUES (?, ?, ?, ?, ?)",
                                 (job_id, seq, type_, now, json.dumps(event)))
                self._db.execute("UPDATE jobs SET last_seq = ?, updated = ?, state = ? WHERE id = ?",
                                 (seq, now, state, job_id))
        self._notify(job_id, event)
        return event

    def _notify(self, job_id: str, event: dict) -> None:
        for fn in list(self._listeners):
            try:
                fn(job_id, event)
            except Exception:  # a listener (e.g. an OSC push) must never break the job
                pass

    def events(self, job_id: str, since: int = 0, limit: int = 200) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM events WHERE job = ? AND seq > ? ORDER BY seq LIMIT ?",
                                    (job_id, since, limit)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def is_final(self, job_id: str) -> bool:
        job = self.job(job_id)
        return job is not None and job["state"] in FINAL_STATES


__all__ = ["Store", "new_job_id", "ACTIVE_STATES", "FINAL_STATES", "TERMINAL_EVENTS"]
