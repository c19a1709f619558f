# @noindex
"""Shared machinery of the SmartDJ ReaScripts: settings, the defer driver, items, takes, markers, jobs.

Every action is a generator ("flow") that the driver advances once per REAPER defer tick, so a
script returns control to REAPER at once and never blocks: sockets are non-blocking, work per
tick is bounded, and each tick is wrapped so that an error reaches the user as one message box
(the traceback goes to a log file), never as a Python traceback. All RPR_ calls happen here, on
REAPER's main thread. Job state lives in project ExtState so that a job survives a restart of
REAPER (re-running an action resumes it) or of the engine.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

from reaper_python import *

_HERE = os.path.dirname(os.path.abspath(__file__))
for _d in (_HERE, os.path.join(os.path.dirname(_HERE), "bridge")):  # installed copy, or repo checkout
    if os.path.isfile(os.path.join(_d, "reaper_client.py")) and _d not in sys.path:
        sys.path.insert(0, _d)
        break
import reaper_client as rc

SECTION = "SmartDJ"  # global ExtState section and project ExtState name
TITLE = "SmartDJ"
TAG = "P_EXT:smartdj"  # take tag: "<job>/<item>/<step>"
LOG = os.path.join(tempfile.gettempdir(), "smartdj-reaper.log")
ENGINE_LOG = os.path.join(tempfile.gettempdir(), "smartdj-engine.log")
EVENTS_PER_TICK = 8
HEARTBEAT_S = 0.5
ORPHAN_AFTER_S = 3.0
SUBMIT_TIMEOUT_S = 5.0
SUBMIT_RESEND_S = 1.0
BUF = 1 << 20

SETTINGS = (  # key, caption, default
    ("host", "Engine host", "127.0.0.1"),
    ("osc_port", "Engine OSC port", "9000"),
    ("zmq", "Engine ZeroMQ endpoint", "tcp://127.0.0.1:5557"),
    ("planner", "Planner (rules/alm/llm)", "rules"),
    ("executor", "Executor (auto/composer/diffusion)", "auto"),
    ("out_dir", "Output folder (empty = project media/SmartDJ)", ""),
    ("smartdj", "smartdj executable (auto-start)", "smartdj"),
    ("state_dir", "Engine state folder (empty = default)", ""),
    ("start_timeout", "Engine start timeout (s)", "30"),
)
DEFAULTS = {k: d for k, _, d in SETTINGS}


class UserError(Exception):
    """Something the user must know; shown as one message box."""


# --- small helpers ---------------------------------------------------------------------------

def is_null(ptr) -> bool:
    s = str(ptr)
    return not s or s.endswith("x0000000000000000") or s in ("0", "None")


def box(msg, kind=0):
    return RPR_ShowMessageBox(str(msg), TITLE, kind)


def setting(key):
    return RPR_GetExtState(SECTION, "cfg_" + key) or DEFAULTS[key]


def set_setting(key, value):
    RPR_SetExtState(SECTION, "cfg_" + key, str(value), True)


def pget(key, default=None):
    raw = RPR_GetProjExtState(0, SECTION, key, "", BUF)[4]
    if not raw:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return default


def pset(key, value):
    RPR_SetProjExtState(0, SECTION, key, "" if value is None else json.dumps(value, separators=(",", ":")))


def item_guid(item):
    return RPR_GetSetMediaItemInfo_String(item, "GUID", "", False)[3]


def take_name(take):
    return RPR_GetTakeName(take)


def selected_items():
    return [RPR_GetSelectedMediaItem(0, i) for i in range(RPR_CountSelectedMediaItems(0))]



def select_only(items) -> None:
    """Make ``items`` the selection (the user's selection is put back after we change it)."""
    RPR_SelectAllMediaItems(0, False)
    for it in items:
        RPR_SetMediaItemSelected(it, True)

def find_items(guids):
    """Item pointers for GUIDs (after a restart pointers change): select all, look, restore selection."""
    keep = selected_items()
    RPR_PreventUIRefresh(1)
    try:
        RPR_SelectAllMediaItems(0, True)
        found = {}
        for it in selected_items():
            g = item_guid(it)
            if g in guids:
                found[g] = it
        select_only(keep)
    finally:
        RPR_PreventUIRefresh(-1)
    return found


def out_dir():
    d = setting("out_dir")
    if not d:
        media = RPR_GetProjectPathEx(0, "", 4096)[1]
        if not media:
            raise UserError("The project has no media folder yet: save the project, or set an output folder "
                            "in 'SmartDJ: Settings'.")
        d = os.path.join(media, "SmartDJ")
    RPR_RecursiveCreateDirectory(d, 0)
    return d


def options():
    return {"planner": setting("planner"), "executor": setting("executor")}


# --- items ------------------------------------------------------------------------------------

def describe(i, item, take=None):
    pos = RPR_GetMediaItemInfo_Value(item, "D_POSITION")
    name = take_name(take) if take is not None and not is_null(take) else ""
    return f"item {i + 1} at {pos:.2f} s" + (f" ('{name}')" if name else "")


def collect(items, scene=False, ids=None):
    """``(entries, problems)``: what to send for each usable item, and why the others cannot be used."""
    entries, problems = [], []
    for i, item in enumerate(items):
        take = RPR_GetActiveTake(item)
        if is_null(take):
            problems.append(f"{describe(i, item)}: empty item (no take)")
            continue
        where = describe(i, item, take)
        src = RPR_GetMediaItemTake_Source(take)
        kind = RPR_GetMediaSourceType(src, "", 64)[1] if not is_null(src) else ""
        if not kind or kind.upper().startswith("MIDI"):
            problems.append(f"{where}: MIDI or empty take, not audio")
            continue
        if kind.upper() in ("SECTION", "REVERSE"):
            problems.append(f"{where}: a section or reversed source; glue the item first")
            continue
        path = RPR_GetMediaSourceFileName(src, "", 4096)[1]
        if not path:
            problems.append(f"{where}: no file behind the take")
            continue
        if not os.path.isfile(path):
            problems.append(f"{where}: file not found: {path}")
            continue
        rate = RPR_GetMediaItemTakeInfo_Value(take, "D_PLAYRATE")
        if abs(rate - 1.0) > 1e-9:
            problems.append(f"{where}: playback rate {rate:g}; set it to 1 or glue the item first")
            continue
        start = RPR_GetMediaItemTakeInfo_Value(take, "D_STARTOFFS")
        length = RPR_GetMediaItemInfo_Value(item, "D_LENGTH")
        src_len = RPR_GetMediaSourceLength(src, False)[0]
        if start < 0 or (src_len > 0 and start + length > src_len + 1e-3):
            problems.append(f"{where}: extends beyond its source file (loop or extended edge); glue it first")
            continue
        n = len(entries) + 1
        label = take_name(take)
        if RPR_GetSetMediaItemTakeInfo_String(take, TAG, "", False)[3]:  # a SmartDJ render: keep the source's label
            first = RPR_GetTake(item, 0)
            label = take_name(first) if not is_null(first) else label
        entries.append({
            "wire": {"path": path, "start": round(start, 9), "length": round(length, 9),
                     "label": label, "id": ids[i] if ids else ("src%d" if scene else "item%d") % n,
                     "position": RPR_GetMediaItemInfo_Value(item, "D_POSITION"),
                     **({"at": None, "db": 0.0} if scene else {})},
            "item": item, "guid": item_guid(item),
            "pos": RPR_GetMediaItemInfo_Value(item, "D_POSITION"), "len": length,
        })
    return entries, problems


def check_problems(entries, problems, nothing_msg):
    """One message box for the problems; returns False if the user (or an empty list) stops here."""
    if not entries and not problems:
        raise UserError(nothing_msg)
    if problems and not entries:
        raise UserError("None of the selected items can be edited:\n\n" + "\n".join(problems))
    if problems:
        ans = box(f"{len(problems)} selected item(s) cannot be edited:\n\n" + "\n".join(problems)
                  + f"\n\nContinue with the other {len(entries)}?", 4)
        return ans == 6
    return True


# --- markers and takes ------------------------------------------------------------------------

def add_region(guid, pos, end, name):
    key = "region." + guid
    if pget(key) == name:
        return
    RPR_AddProjectMarker2(0, True, pos, end, name, -1, RPR_ColorToNative(80, 160, 220) | 0x1000000)
    pset(key, name)


def mark_steps(item, texts):
    """Take markers on the item's active take, one per planned step (old SmartDJ markers replaced)."""
    take = RPR_GetActiveTake(item)
    if is_null(take):
        return
    for k in range(RPR_GetNumTakeMarkers(take) - 1, -1, -1):
        if RPR_GetTakeMarker(take, k, "", 512, 0)[3].startswith("SmartDJ "):
            RPR_DeleteTakeMarker(take, k)
    start = RPR_GetMediaItemTakeInfo_Value(take, "D_STARTOFFS")
    length = RPR_GetMediaItemInfo_Value(item, "D_LENGTH")
    n = len(texts)
    for k, text in enumerate(texts):
        RPR_SetTakeMarker(take, -1, f"SmartDJ {k + 1}/{n}: {text}", float(start + length * k / max(n, 1)), 0)


def has_tag(item, tag):
    for k in range(RPR_CountTakes(item)):
        tk = RPR_GetTake(item, k)
        if not is_null(tk) and RPR_GetSetMediaItemTakeInfo_String(tk, TAG, "", False)[3] == tag:
            return True
    return False


def add_take(item, path, name, tag, peaks):
    """The render as a new, active take named ``name``; the original take is left as it is."""
    src = RPR_PCM_Source_CreateFromFile(path)
    if is_null(src):
        raise UserError(f"REAPER could not open the render {path}")
    take = RPR_AddTakeToMediaItem(item)
    RPR_SetMediaItemTake_Source(take, src)
    RPR_GetSetMediaItemTakeInfo_String(take, "P_NAME", name, True)
    RPR_GetSetMediaItemTakeInfo_String(take, TAG, tag, True)
    RPR_SetMediaItemTakeInfo_Value(take, "D_STARTOFFS", 0.0)
    RPR_SetMediaItemTakeInfo_Value(take, "D_PLAYRATE", 1.0)
    RPR_SetTakeMarker(take, -1, name, 0.0, 0)
    RPR_SetActiveTake(take)
    RPR_UpdateItemInProject(item)
    peaks.append([src, 0])
    return take


def build_peaks(peaks, budget=2):
    """Advance peak building for a few new sources (PCM_Source_BuildPeaks: begin, run, finish)."""
    for entry in list(peaks[:budget]):
        src, stage = entry
        if stage == 0:
            entry[1] = 1 if RPR_PCM_Source_BuildPeaks(src, 0) != 0 else 2
        elif stage == 1:
            if RPR_PCM_Source_BuildPeaks(src, 1) == 0:
                entry[1] = 2
        if entry[1] == 2:
            RPR_PCM_Source_BuildPeaks(src, 2)
            peaks.remove(entry)


# --- the engine ------------------------------------------------------------------------------

def engine_command():
    cmd = [setting("smartdj"), "serve", "--osc", f"{setting('host')}:{setting('osc_port')}", "--zmq", setting("zmq")]
    if setting("state_dir"):
        cmd += ["--state-dir", setting("state_dir")]
    return cmd


def start_engine():
    cmd = engine_command()
    kw = {"stdin": subprocess.DEVNULL, "close_fds": True}
    if os.name == "nt":
        kw["creationflags"] = 0x00000008 | 0x00000200 | 0x08000000  # DETACHED, NEW_GROUP, NO_WINDOW
    else:
        kw["start_new_session"] = True
    try:
        log = open(ENGINE_LOG, "ab")
    except OSError:
        log = subprocess.DEVNULL
    try:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, **kw)
    except OSError as e:
        raise UserError(f"Could not start the SmartDJ engine ({' '.join(cmd)}): {e}\n\nSet the path to the "
                        "'smartdj' executable in 'SmartDJ: Settings', or start 'smartdj serve' yourself.") from None
    finally:
        if log is not subprocess.DEVNULL:
            log.close()
    RPR_SetExtState(SECTION, "engine_pid", str(proc.pid), False)
    return proc


def log_tail(n=6):
    try:
        with open(ENGINE_LOG, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 4000))
            lines = f.read().decode("utf-8", "replace").strip().splitlines()
        return "\n".join(lines[-n:])
    except OSError:
        return ""


class Context:
    """What one running action holds: its client socket, pending peaks, and the job runs it follows."""

    def __init__(self):
        self.client = None
        self.peaks = []
        self.runs = []
        self.undo_desc = ""
        self.changed = False

    def connect(self):
        if self.client is None:
            self.client = rc.EngineClient(setting("host"), int(setting("osc_port")))
        return self.client

    def close(self):
        if self.changed:  # the script was stopped mid-job: still leave one undo point
            self.commit_undo()
        if self.client is not None:
            self.client.close()
            self.client = None

    def commit_undo(self):
        if not self.changed:
            return
        RPR_Undo_BeginBlock2(0)
        self.changed = False
        RPR_UpdateArrange()
        RPR_Undo_EndBlock2(0, self.undo_desc or "SmartDJ edit", -1)


def ensure_engine(ctx, start=True):
    """Ping; when nobody answers, start ``smartdj serve`` and ping until it does (a generator)."""
    client = ctx.connect()
    call = rc.Call(client, "ping", timeout=0.3, tries=3)
    while call.check() == "waiting":
        yield
    if call.result and call.result.get("type") == "pong":
        return call.result
    if not start:
        return None
    proc = start_engine()
    timeout = float(setting("start_timeout") or 30)
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise UserError(f"The SmartDJ engine stopped at start-up (exit code {proc.returncode}).\n\n"
                            f"Command: {' '.join(engine_command())}\n\n{log_tail()}\n\nLog: {ENGINE_LOG}")
        call = rc.Call(client, "ping", timeout=0.25, tries=1)
        while call.check() == "waiting":
            yield
        if call.result and call.result.get("type") == "pong":
            return call.result
    raise UserError(f"The SmartDJ engine did not answer within {timeout:g} s of starting it.\n\n"
                    f"Command: {' '.join(engine_command())}\nAddress: {setting('host')}:{setting('osc_port')}"
                    f"\n\n{log_tail()}\n\nLog: {ENGINE_LOG}")


def wait_call(call):
    while call.check() == "waiting":
        yield
    return call.result


# --- jobs ------------------------------------------------------------------------------------

class Run:
    """One job followed by this script: its record (kept in project ExtState) and event follower."""

    def __init__(self, ctx, job, rec):
        self.job, self.rec = job, rec
        self.follower = rc.JobFollower(ctx.connect(), job, since=rec.get("last_seq", 0))
        self.items = {}  # item id -> MediaItem pointer
        self.messages = []
        self.steps = {}  # item id -> step texts
        self.beat = 0.0

    def save(self):
        self.rec["last_seq"] = self.follower.last_seq
        pset("job." + self.job, self.rec)


def job_list():
    return [j for j in pget("jobs", []) if isinstance(j, str)]


def register_job(job, rec):
    pset("job." + job, rec)
    pset("jobs", job_list() + [job])


def unregister_job(job):
    pset("jobs", [j for j in job_list() if j != job])
    pset("job." + job, None)
    RPR_SetExtState(SECTION, "alive." + job, "", False)


def orphan_runs(ctx):
    """Jobs of this project that no running script follows (e.g. after a REAPER restart)."""
    runs = []
    for job in job_list():
        beat = RPR_GetExtState(SECTION, "alive." + job)
        if beat and time.time() - float(beat or 0) < ORPHAN_AFTER_S:
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
                if RPR_GetSetMediaItemTakeInfo_String(tk, TAG, "", False)[3].startswith(job + "/"):
                    ctx.peaks.append([RPR_GetMediaItemTake_Source(tk), 0])
        RPR_SetExtState(SECTION, "alive." + job, str(time.time()), False)
        runs.append(run)
    return runs


def submit(ctx, entries, instruction, kind, mode="plan+execute", plan=None, scene=False):
    """Submit (split into several jobs if one datagram cannot hold every item); returns the new runs."""
    client = ctx.connect()
    body = {"instruction": instruction, "mode": mode, "out_dir": out_dir() if mode != "plan" else None,
            "options": options(), "client": "reaper", "watch": True, "scene": scene or None}
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
    runs = []
    for chunk, part in chunks:
        # The submit_id makes a resent submit idempotent, so a datagram lost either way is retried.
        submit_id = uuid.uuid4().hex
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
        job = reply["job"]
        rec = {"kind": kind, "instruction": instruction, "mode": mode, "last_seq": 0,
               "items": {e["wire"]["id"]: {"guid": e["guid"], "label": e["wire"]["label"]} for e in chunk}}
        if scene:
            rec["span"] = [min(e["pos"] for e in chunk), max(e["pos"] + e["len"] for e in chunk)]
        register_job(job, rec)
        run = Run(ctx, job, rec)
        run.items = {e["wire"]["id"]: e["item"] for e in chunk}
        runs.append(run)
    return runs


def follow(ctx, runs, on_planned=None, commit=True):
    """Follow jobs to their end: markers on ``planned``, takes on ``step_done``; one undo point at the end."""
    ctx.runs = runs
    client = ctx.connect()
    restarted = False
    while any(not r.follower.finished and not r.follower.error for r in runs) or ctx.peaks:
        pushed = client.take_pushed()
        now = time.time()
        for run in runs:
            f = run.follower
            if f.finished or f.error:
                continue
            f.step(pushed)
            events = f.take(EVENTS_PER_TICK)
            for ev in events:
                handle(ctx, run, ev, on_planned)
            if events:
                run.save()
            if now - run.beat >= HEARTBEAT_S:
                run.beat = now
                RPR_SetExtState(SECTION, "alive." + run.job, str(now), False)
            if f.error:
                run.messages.append(f"The engine does not know job {run.job} any more "
                                    f"({f.error.get('message', f.error.get('code'))}).")
                unregister_job(run.job)
        build_peaks(ctx.peaks)
        if any(r.follower.lost for r in runs if not r.follower.finished and not r.follower.error):
            pong = yield from ensure_engine(ctx, start=not restarted)
            if pong is None:
                for r in runs:
                    RPR_SetExtState(SECTION, "alive." + r.job, "", False)
                raise UserError("Lost contact with the SmartDJ engine. The job is kept in the project: run any "
                                "SmartDJ edit action again to resume it and import what finished meanwhile.")
            restarted = True
            for r in runs:
                r.follower.reset_contact()
        yield
    msgs = [m for r in runs for m in r.messages]
    if commit:
        ctx.commit_undo()
    if msgs:
        box("\n\n".join(msgs))


def handle(ctx, run, ev, on_planned):
    t = ev.get("type")
    rec = run.rec
    if ev.get("truncated"):
        run.messages.append(f"Event {ev.get('seq')} of job {run.job} was too large for OSC and was skipped.")
    elif t == "planned":
        iid = str(ev.get("item"))
        texts = [s.get("text", "") if isinstance(s, dict) else str(s) for s in ev.get("steps") or []]
        run.steps[iid] = texts
        rec.setdefault("plan", {})[iid] = texts
        if on_planned is not None:
            on_planned(run, iid, texts)
        else:
            show_plan(ctx, run, iid, texts)
    elif t == "step_done":
        import_step(ctx, run, ev)
    elif t == "failed":
        where = f" (item {ev.get('item')}, step {ev.get('step')})" if ev.get("item") else ""
        run.messages.append(f"SmartDJ could not finish '{rec.get('instruction', '')}'{where}:\n"
                            f"{ev.get('message', '')} [{ev.get('code', '')}]")
        unregister_job(run.job)
    elif t in ("done", "cancelled"):
        unregister_job(run.job)


def show_plan(ctx, run, iid, texts):
    rec = run.rec
    ctx.changed = True
    ctx.undo_desc = ctx.undo_desc or f"SmartDJ: {rec.get('instruction', '')}"[:200]
    name = f"SmartDJ: {rec.get('instruction') or '; '.join(texts)}"
    if rec.get("kind") == "scene":
        if "region" not in rec:
            rec["region"] = True
            RPR_AddProjectMarker2(0, True, rec["span"][0], rec["span"][1], name, -1,
                                  RPR_ColorToNative(80, 160, 220) | 0x1000000)
        return
    item = run.items.get(iid)
    if item is None:
        return
    pos = RPR_GetMediaItemInfo_Value(item, "D_POSITION")
    add_region(rec["items"][iid]["guid"], pos, pos + RPR_GetMediaItemInfo_Value(item, "D_LENGTH"), name)
    mark_steps(item, texts)
    RPR_UpdateArrange()


def import_step(ctx, run, ev):
    rec = run.rec
    iid, k = str(ev.get("item")), int(ev.get("step", 0))
    tag = f"{run.job}/{iid}/{k}"
    if tag in rec.setdefault("imported", []):
        return
    path = ev.get("path") or ""
    n = ev.get("of") or len(run.steps.get(iid, [])) or k
    name = f"SmartDJ {k}/{n}: {ev.get('text', '')}"
    if not os.path.isfile(path):
        run.messages.append(f"The render of step {k} is not where the engine says: {path}")
        return
    ctx.changed = True
    ctx.undo_desc = ctx.undo_desc or f"SmartDJ: {rec.get('instruction', '')}"[:200]
    if rec.get("kind") == "scene":
        item = scene_item(run)
        if item is None:
            item = insert_scene_item(run, path, name, tag, ctx)
            rec["imported"].append(tag)
            return
    else:
        item = run.items.get(iid)
    if item is None:
        run.messages.append(f"The item for step {k} was deleted; the render is kept at {path}")
    elif not has_tag(item, tag):
        add_take(item, path, name, tag, ctx.peaks)
    rec["imported"].append(tag)
    RPR_UpdateArrange()


def scene_item(run):
    guid = run.rec.get("scene_item")
    if not guid:
        return None
    item = run.items.get("scene")
    if item is None:
        item = find_items({guid}).get(guid)
        if item is not None:
            run.items["scene"] = item
    return item


def insert_scene_item(run, path, name, tag, ctx):
    """The first mix of a scene: one new item on a new track spanning the selection (InsertMedia)."""
    keep = selected_items()
    RPR_PreventUIRefresh(1)
    try:
        RPR_SelectAllMediaItems(0, False)
        if keep:
            RPR_SetMediaItemSelected(keep[-1], True)  # new track goes below the last source
        if not RPR_InsertMedia(path, 1):
            raise UserError(f"REAPER could not insert the scene mix {path}")
        item = RPR_GetSelectedMediaItem(0, 0)
        start, end = run.rec["span"]
        RPR_SetMediaItemInfo_Value(item, "D_POSITION", start)
        RPR_SetMediaItemInfo_Value(item, "D_LENGTH", end - start)
        take = RPR_GetActiveTake(item)
        RPR_GetSetMediaItemTakeInfo_String(take, "P_NAME", name, True)
        RPR_GetSetMediaItemTakeInfo_String(take, TAG, tag, True)
        RPR_SetTakeMarker(take, -1, name, 0.0, 0)
        ctx.peaks.append([RPR_GetMediaItemTake_Source(take), 0])
        run.rec["scene_item"] = item_guid(item)
        run.items["scene"] = item
        select_only(keep)
    finally:
        RPR_PreventUIRefresh(-1)
    return item


# --- the driver ------------------------------------------------------------------------------

_serial = [0]


def report_internal(exc):
    try:
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(time.strftime("%Y-%m-%d %H:%M:%S ") + traceback.format_exc() + "\n")
    except OSError:
        pass
    box(f"SmartDJ hit an internal error: {type(exc).__name__}: {exc}\n\nDetails: {LOG}")


def main(g, flow):
    """Run ``flow(ctx)`` (a generator) now and then once per defer tick; errors become one message box."""
    _serial[0] += 1
    name = f"_smartdj_tick_{os.getpid()}_{_serial[0]}_{int(time.time() * 1000) % 100000}"
    ctx = Context()
    state = {"gen": None}

    def finish():
        try:
            ctx.close()
        except Exception as e:  # noqa: BLE001 - the user gets a message, not a traceback
            report_internal(e)

    def tick():
        try:
            if ctx.client is not None:
                ctx.client.poll()
            if state["gen"] is None:
                state["gen"] = flow(ctx)
            next(state["gen"])
        except StopIteration:
            finish()
            return
        except UserError as e:
            finish()
            box(str(e))
            return
        except Exception as e:  # noqa: BLE001
            finish()
            report_internal(e)
            return
        g["RPR_defer"](name + "()")

    g[name] = tick
    g[name + "_exit"] = finish
    g["RPR_atexit"](name + "_exit()")
    tick()


# --- the actions' flows (each a generator run by main) ----------------------------------------

NO_SELECTION = "Select one or more audio items first."


def ask_instruction(title):
    last = RPR_GetExtState(SECTION, "last_instruction")
    r = RPR_GetUserInputs(title, 1, "Instruction:,extrawidth=520,separator=\n", last, 4096)
    if not r[0]:
        return None
    text = r[4].strip()
    if not text:
        raise UserError("The instruction is empty: say what to change, e.g. 'turn it up by 3 dB and put it "
                        "on the left'.")
    RPR_SetExtState(SECTION, "last_instruction", text, True)
    return text


def _edit(ctx, instruction_of, kind="edit", scene=False):
    runs = orphan_runs(ctx)
    new = []
    entries, problems = collect(selected_items(), scene=scene)
    if entries or problems or not runs:
        if check_problems(entries, problems, NO_SELECTION):
            instruction = instruction_of()
            if instruction:
                yield from ensure_engine(ctx)
                new = yield from submit(ctx, entries, instruction, kind, scene=scene)
    if not runs and not new:
        return
    if runs and not new:
        yield from ensure_engine(ctx)
    yield from follow(ctx, runs + new)


def edit_flow(ctx):
    yield from _edit(ctx, lambda: ask_instruction("SmartDJ: edit selected items"))


def repeat_flow(ctx):
    def last():
        text = RPR_GetExtState(SECTION, "last_instruction")
        if not text:
            raise UserError("There is no previous instruction yet: use 'SmartDJ: Edit' first.")
        return text
    yield from _edit(ctx, last)


def scene_flow(ctx):
    yield from _edit(ctx, lambda: ask_instruction("SmartDJ: edit the scene made of the selected stems"),
                     kind="scene", scene=True)


def plan_flow(ctx):
    entries, problems = collect(selected_items())
    if not check_problems(entries, problems, NO_SELECTION):
        return
    instruction = ask_instruction("SmartDJ: plan (you can edit the steps next)")
    if not instruction:
        return
    yield from ensure_engine(ctx)
    runs = yield from submit(ctx, entries, instruction, "plan", mode="plan")
    yield from follow(ctx, runs, commit=False)
    steps = {iid: texts for r in runs for iid, texts in r.steps.items()}
    if not steps:
        ctx.commit_undo()
        return
    groups = {}  # identical plans are edited once
    for iid in sorted(steps, key=lambda s: (len(s), s)):
        groups.setdefault(tuple(steps[iid]), []).append(iid)
    labels = {e["wire"]["id"]: e["wire"]["label"] for e in entries}
    for texts, iids in groups.items():
        yield
        n = min(16, len(texts) + 1)
        fields = (list(texts) + [""])[:n]
        captions = ",".join(f"Step {k + 1}" if k < len(texts) else "Add a step" for k in range(n))
        who = labels.get(iids[0], iids[0]) + (f" (+{len(iids) - 1} more)" if len(iids) > 1 else "")
        r = RPR_GetUserInputs(f"SmartDJ plan: {who}"[:100], n, captions + ",extrawidth=520,separator=\n",
                              "\n".join(fields), 16384)
        if r[0]:
            edited = [t.strip() for t in r[4].split("\n") if t.strip()]
            for iid in iids:
                steps[iid] = edited
    items = {e["wire"]["id"]: e for e in entries}
    pset("plan", {"instruction": instruction, "steps": steps,
                  "items": {iid: {"guid": items[iid]["guid"], "label": items[iid]["wire"]["label"]}
                            for iid in steps if iid in items}})
    for iid, texts in steps.items():
        if iid in items:
            mark_steps(items[iid]["item"], texts)
    ctx.changed = True
    ctx.undo_desc = f"SmartDJ plan: {instruction}"[:200]
    ctx.commit_undo()


def execute_flow(ctx):
    plan = pget("plan")
    if not isinstance(plan, dict) or not plan.get("steps"):
        raise UserError("This project has no SmartDJ plan yet: run 'SmartDJ: Plan' first.")
    info = plan.get("items", {})
    found = find_items({v["guid"] for v in info.values()})
    ids = [iid for iid in info if info[iid]["guid"] in found]
    gone = [f"{info[iid].get('label') or iid}: the item was deleted" for iid in info if iid not in ids]
    entries, problems = collect([found[info[iid]["guid"]] for iid in ids], ids=ids)
    if not check_problems(entries, gone + problems, "The planned items are gone from the project."):
        return
    yield from ensure_engine(ctx)
    runs = yield from submit(ctx, entries, plan.get("instruction", ""), "edit", mode="execute",
                             plan={e["wire"]["id"]: plan["steps"][e["wire"]["id"]] for e in entries})
    yield from follow(ctx, runs)


def cancel_flow(ctx):
    jobs = job_list()
    if not jobs:
        raise UserError("No SmartDJ job is running in this project.")
    pong = yield from ensure_engine(ctx, start=False)
    if pong is None:
        raise UserError(f"The SmartDJ engine is not running at {setting('host')}:{setting('osc_port')}, so "
                        f"nothing is being computed. {len(jobs)} job(s) stay in the project and resume "
                        "with the next SmartDJ edit.")
    lines = []
    for job in jobs:
        reply = yield from wait_call(rc.Call(ctx.client, "cancel", timeout=0.5, tries=4, job=job))
        rec = pget("job." + job, {})
        what = f"'{rec.get('instruction', '')}' ({job})"
        if reply is None:
            lines.append(f"{what}: no answer from the engine")
        elif reply.get("type") == "error":
            lines.append(f"{what}: {reply.get('message')}")
            if reply.get("code") == "not_found":
                unregister_job(job)
        else:
            lines.append(f"{what}: {reply.get('state', 'cancelling')}")
    box("Cancelled:\n\n" + "\n".join(lines))


def status_flow(ctx):
    pong = yield from ensure_engine(ctx, start=False)
    where = f"{setting('host')}:{setting('osc_port')}"
    if pong is None:
        lines = [f"Engine: not reachable at {where}.",
                 f"It is started automatically by the next edit with: {' '.join(engine_command())}"]
    else:
        lines = [f"Engine: running at {where} (version {pong.get('engine')}, pid {pong.get('pid')})."]
        st = yield from wait_call(rc.Call(ctx.client, "status", timeout=0.5, tries=3))
        jobs = (st or {}).get("jobs") or []
        active = [j for j in jobs if isinstance(j, dict) and j.get("state") in ("queued", "running")]
        lines.append(f"Engine jobs running or queued: {len(active)}")
        for j in active[:10]:
            lines.append(f"  {j.get('job')}: {j.get('state')} - {str(j.get('instruction', ''))[:60]}")
    mine = job_list()
    lines.append(f"\nThis project: {len(mine)} unfinished job(s)")
    for job in mine[:10]:
        rec = pget("job." + job, {})
        beat = RPR_GetExtState(SECTION, "alive." + job)
        live = bool(beat) and time.time() - float(beat) < ORPHAN_AFTER_S
        lines.append(f"  {job}: '{str(rec.get('instruction', ''))[:60]}', {len(rec.get('imported', []))} "
                     f"render(s) imported, {'being followed' if live else 'resumes with the next edit'}")
    box("\n".join(lines))


def settings_flow(ctx):
    PLANNERS, EXECUTORS = rc.protocol.PLANNERS, rc.protocol.EXECUTORS
    cur = [setting(k) for k, _, _ in SETTINGS]
    r = RPR_GetUserInputs("SmartDJ settings", len(SETTINGS),
                          ",".join(c for _, c, _ in SETTINGS) + ",extrawidth=360,separator=\n",
                          "\n".join(cur), 8192)
    if not r[0]:
        return
    vals = dict(zip([k for k, _, _ in SETTINGS], (v.strip() for v in r[4].split("\n")), strict=False))
    bad = []
    if not vals.get("osc_port", "").isdigit() or not 1 <= int(vals["osc_port"]) <= 65535:
        bad.append("the OSC port must be a number from 1 to 65535")
    if vals.get("planner") not in PLANNERS:
        bad.append(f"the planner must be one of {', '.join(PLANNERS)}")
    if vals.get("executor") not in EXECUTORS:
        bad.append(f"the executor must be one of {', '.join(EXECUTORS)}")
    try:
        if float(vals.get("start_timeout", "")) <= 0:
            raise ValueError
    except ValueError:
        bad.append("the start timeout must be a positive number of seconds")
    if bad:
        raise UserError("Settings not saved: " + "; ".join(bad) + ".")
    for k, _, _ in SETTINGS:
        set_setting(k, vals.get(k, ""))
    yield


ACTIONS = ("edit", "repeat", "plan", "execute", "scene", "cancel", "status", "settings")


def register_flow(ctx):
    paths = [os.path.join(_HERE, f"smartdj_{a}.py") for a in ACTIONS]
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        raise UserError("These SmartDJ scripts are missing:\n" + "\n".join(missing))
    ids = [RPR_AddRemoveReaScript(True, 0, p, k == len(paths) - 1) for k, p in enumerate(paths)]
    failed = [p for p, i in zip(paths, ids, strict=True) if not i]
    if failed:
        raise UserError("REAPER refused to register:\n" + "\n".join(failed))
    box(f"Registered {len(paths)} SmartDJ actions (Actions > Show action list, search 'smartdj').\n"
        "Assign keys there, or close REAPER and run 'smartdj reaper install' for the default shortcuts.")
    yield
