"""Job records kept in the project (so a job survives a restart of REAPER or the engine) and submitting new jobs."""

import json
import time
import uuid

import reaper_client as rc
from reaper_python import *

from .items import find_items, take_tag
from .settings import SECTION, UserError, options, out_dir, pget, pset

ORPHAN_AFTER_S = 3.0
SUBMIT_TIMEOUT_S = 5.0
SUBMIT_RESEND_S = 1.0


class Run:
    """One job followed by this script: its record (kept in project ExtState) and event follower."""

    def __init__(self, ctx, job, rec):
        self.job, self.rec = job, rec
        self.follower = rc.JobFollower(ctx.connect(), job, since=rec.get("last_seq", 0))
        self.items = {}  # item id -> MediaItem pointer
        self.messages = []
        self.steps = {}  # item id -> step texts
        self.unsure = {}  # item id -> (steps, alternatives) of a plan the planner is unsure about
        self.beat = 0.0
        self.ahead = None  # jobs ahead of this one in the engine's queue (None: not queued / unknown)
        self.end = None  # the terminal event
        self.current = {}  # the step running now: item, step, of, text
        self.record = True  # kept in the project's records (False: a plan the Plan dialog asked for)

    def save(self):
        self.rec["last_seq"] = self.follower.last_seq
        if self.record:
            pset("job." + self.job, self.rec)

    @property
    def active(self):
        return not self.follower.finished and not self.follower.error


def job_list():
    """This project's unfinished jobs."""
    return [j for j in pget("jobs", []) if isinstance(j, str)]


def register_job(job, rec):
    pset("job." + job, rec)
    pset("jobs", job_list() + [job])


def unregister_job(job):
    pset("jobs", [j for j in job_list() if j != job])
    pset("job." + job, None)
    RPR_SetExtState(SECTION, "alive." + job, "", False)


def heartbeat(job, now=None):
    """Say that a running script follows ``job`` (so another action does not follow it twice)."""
    RPR_SetExtState(SECTION, "alive." + job, str(time.time() if now is None else now), False)


def followed(job):
    beat = RPR_GetExtState(SECTION, "alive." + job)
    try:
        return bool(beat) and time.time() - float(beat) < ORPHAN_AFTER_S
    except ValueError:
        return False


def orphan_runs(ctx):
    """Jobs of this project that no running script follows (e.g. after a REAPER restart)."""
    runs = []
    for job in job_list():
        if followed(job):
            continue
        rec = pget("job." + job)
        if not isinstance(rec, dict):
            unregister_job(job)
            continue
        run = Run(ctx, job, rec)
        found = find_items(set(v["guid"] for v in rec.get("items", {}).values()))
        run.items = {iid: found[v["guid"]] for iid, v in rec.get("items", {}).items() if v["guid"] in found}
        for item in run.items.values():  # peaks REAPER may not have finished before it closed
            for k in range(RPR_CountTakes(item)):
                tk = RPR_GetTake(item, k)
                if take_tag(tk).startswith(job + "/"):
                    ctx.peaks.append([RPR_GetMediaItemTake_Source(tk), 0])
        heartbeat(job)
        runs.append(run)
    return runs


def _chunks(body, entries, plan, scene):
    """Split the items so that each submit fits one OSC datagram."""
    chunks, pending = [], [entries]
    while pending:
        chunk = pending.pop(0)
        part = {"items": [e["wire"] for e in chunk],
                "plan": {e["wire"]["id"]: plan[e["wire"]["id"]] for e in chunk} if plan else None}
        size = len(rc.osc_message("/smartdj/submit", json.dumps(dict(body, **part)))) + 200
        if size > rc.protocol.OSC_MAX_PAYLOAD and len(chunk) > 1 and not scene:
            pending[:0] = [chunk[: len(chunk) // 2], chunk[len(chunk) // 2:]]
        elif size > rc.protocol.OSC_MAX_PAYLOAD:
            raise UserError("The request is too large for one OSC message (very long file paths?).")
        else:
            chunks.append((chunk, part))
    return chunks


def _send_submit(client, body, part):
    """Submit one chunk, resending with the same submit_id until the engine answers (a generator)."""
    submit_id = uuid.uuid4().hex  # makes a resent submit idempotent: a lost datagram is simply retried
    refs = [client.send("submit", submit_id=submit_id, **body, **part)]
    t0 = sent = time.monotonic()
    reply = None
    while reply is None and time.monotonic() - t0 < SUBMIT_TIMEOUT_S:
        yield
        for ref in refs:
            reply = reply or client.reply(ref)
        if reply is None and time.monotonic() - sent >= SUBMIT_RESEND_S:
            refs.append(client.send("submit", submit_id=submit_id, **body, **part))
            sent = time.monotonic()
    if reply is None:
        raise UserError("The SmartDJ engine did not accept the edit (no answer within "
                        f"{SUBMIT_TIMEOUT_S:g} s). Check 'SmartDJ: Status'.")
    if reply.get("type") != "accepted":
        raise UserError(f"The engine refused the edit: {reply.get('message', reply)}")
    return reply


def submit(ctx, entries, instruction, kind, mode="plan+execute", plan=None, scene=False, record=True):
    """Submit (split into several jobs if one datagram cannot hold every item); returns the new runs.

    ``record=False`` keeps the job out of the project's records (a plan the Plan dialog asks for).
    """
    client = ctx.connect()
    body = {"instruction": instruction, "mode": mode, "out_dir": out_dir() if mode != "plan" else None,
            "options": options(), "client": "reaper", "watch": True, "scene": scene or None}
    runs = []
    for chunk, part in _chunks(body, entries, plan, scene):
        reply = yield from _send_submit(client, body, part)
        job = reply["job"]
        rec = {"kind": kind, "instruction": instruction, "mode": mode, "last_seq": 0,
               "items": {e["wire"]["id"]: {"guid": e["guid"], "label": e["wire"]["label"]} for e in chunk}}
        if scene:
            rec["span"] = [min(e["pos"] for e in chunk), max(e["pos"] + e["len"] for e in chunk)]
        if record:
            register_job(job, rec)
        run = Run(ctx, job, rec)
        run.record = record
        run.items = {e["wire"]["id"]: e["item"] for e in chunk}
        runs.append(run)
    return runs
