"""Following jobs to their end: markers on ``planned``, takes on ``step_done``, progress, a summary, no debris."""

import os
import time

import reaper_client as rc
from reaper_python import *

from . import marks
from .engine import ensure_engine
from .items import find_items
from .jobs import heartbeat, unregister_job
from .settings import UserError
from .ui import box, status_line

EVENTS_PER_TICK = 8
HEARTBEAT_S = 0.5
QUEUE_CHECK_S = 1.0


def follow(ctx, runs, on_planned=None, commit=True, quiet=False):
    """Follow jobs to their end (a generator); one undo point at the end when something landed.

    ``quiet``: the caller reports problems itself (no message box here).
    """
    ctx.runs = runs
    client = ctx.connect()
    restarted = False
    while any(r.active for r in runs) or ctx.peaks:
        pushed = client.take_pushed()
        now = time.time()
        for run in runs:
            if run.active:
                _step_run(ctx, run, pushed, on_planned, now)
        marks.build_peaks(ctx.peaks)
        _check_queue(ctx, runs)
        if any(r.follower.lost for r in runs if r.active):
            pong = yield from ensure_engine(ctx, start=not restarted)
            if pong is None:
                for r in runs:
                    heartbeat(r.job, now=0)
                raise UserError("Lost contact with the SmartDJ engine. The job is kept in the project: run any "
                                "SmartDJ edit action again to resume it and import what finished meanwhile.")
            restarted = True
            for r in runs:
                r.follower.reset_contact()
        yield
    msgs = [m for r in runs for m in r.messages]
    if commit:
        ctx.commit_undo()
    if msgs and not quiet:
        box("\n\n".join(msgs))


def _step_run(ctx, run, pushed, on_planned, now):
    f = run.follower
    f.step(pushed)
    events = f.take(EVENTS_PER_TICK)
    for ev in events:
        handle(ctx, run, ev, on_planned)
    if events:
        run.save()
    if now - run.beat >= HEARTBEAT_S and run.record:
        run.beat = now
        heartbeat(run.job, now)
    if f.error:
        run.messages.append(f"The engine does not know job {run.job} any more "
                            f"({f.error.get('message', f.error.get('code'))}).")
        unregister_job(run.job)


def handle(ctx, run, ev, on_planned=None):
    """One event of one job."""
    t = ev.get("type")
    if ev.get("truncated"):
        run.messages.append(f"Event {ev.get('seq')} of job {run.job} was too large for OSC and was skipped.")
    elif t == "planned":
        _planned(ctx, run, ev, on_planned)
    elif t == "step_started":
        run.current = {k: ev.get(k) for k in ("item", "step", "of", "text")}
        ctx.progress.show(progress_text(run, 0.0), force=True)
    elif t == "progress":
        if str(ev.get("item")) == str(run.current.get("item")) and ev.get("step") == run.current.get("step"):
            ctx.progress.show(progress_text(run, ev.get("fraction")))
    elif t == "step_done":
        if not run.unsure:
            import_step(ctx, run, ev)
    elif t == "failed" and not run.unsure:
        step = f", step {ev.get('step')}" if ev.get("step") else ""
        where = f" ({_label(run, ev.get('item'))}{step})" if ev.get("item") is not None else ""
        kept = ("Renders that finished are kept as takes." if run.rec.get("imported")
                else "Nothing was changed in the project.")
        run.messages.append(f"SmartDJ could not finish '{run.rec.get('instruction', '')}'{where}:\n"
                            f"{ev.get('message', '')} [{ev.get('code', '')}]\n{kept}")
    if t in rc.protocol.TERMINAL_EVENTS:
        finish_run(ctx, run, ev)


def _label(run, iid):
    info = run.rec.get("items", {}).get(str(iid), {})
    return f"item '{info['label']}'" if info.get("label") else f"item {iid}"


def _planned(ctx, run, ev, on_planned):
    iid = str(ev.get("item"))
    texts = [s.get("text", "") if isinstance(s, dict) else str(s) for s in ev.get("steps") or []]
    run.steps[iid] = texts
    run.rec.setdefault("plan", {})[iid] = texts
    if ev.get("unsure") and run.rec.get("mode") != "execute":  # an executed plan is the user's own
        alternatives = [[s.get("text", "") if isinstance(s, dict) else str(s) for s in alt]
                        for alt in ev.get("alternatives") or [] if isinstance(alt, list)]
        run.unsure[iid] = (texts, alternatives)
        if run.active and run.rec.get("mode") != "plan":  # never execute an unconfirmed plan
            ctx.connect().send("cancel", job=run.job)
        return
    if on_planned is not None:
        on_planned(run, iid, texts)
    else:
        show_plan(ctx, run, iid, texts)


def show_plan(ctx, run, iid, texts):
    """The plan as a region over the item and one take marker per step (taken back if the job fails)."""
    rec = run.rec
    ctx.undo_desc = ctx.undo_desc or f"SmartDJ: {rec.get('instruction', '')}"[:200]
    name = f"SmartDJ: {rec.get('instruction') or '; '.join(texts)}"
    debris = rec.setdefault("debris", {"regions": [], "markers": {}})
    if rec.get("kind") == "scene":
        if not debris["regions"] and "region" not in rec:
            debris["regions"].append(marks.add_region(None, rec["span"][0], rec["span"][1], name))
        return
    item = run.items.get(iid)
    if item is None:
        return
    pos = RPR_GetMediaItemInfo_Value(item, "D_POSITION")
    added = marks.add_region(rec["items"][iid]["guid"], pos, pos + RPR_GetMediaItemInfo_Value(item, "D_LENGTH"), name)
    if added:
        debris["regions"].append(added)
    debris["markers"].setdefault(iid, marks.mark_steps(item, texts))
    RPR_UpdateArrange()


def rollback(run):
    """Take back what the job added before anything was rendered: the project is as it was."""
    debris = run.rec.pop("debris", None) or {}
    for added in debris.get("regions", []):
        marks.remove_region(added)
    for iid, removed in debris.get("markers", {}).items():
        item = run.items.get(iid)
        if item is not None:
            marks.unmark_steps(item, removed)
    RPR_UpdateArrange()


def finish_run(ctx, run, ev):
    """A job ended: keep or take back what it added, forget its record, say how it went."""
    run.end = ev
    t = ev.get("type")
    imported = len(run.rec.get("imported", []))
    if run.unsure or (t != rc.protocol.DONE and not imported):
        rollback(run)
    elif imported or run.rec.get("debris"):
        ctx.changed = True
    unregister_job(run.job)
    ctx.progress.show(summary(run), force=True)


def summary(run):
    """One line on how a job ended."""
    instruction = str(run.rec.get("instruction", ""))[:80]
    t = (run.end or {}).get("type")
    imported = len(run.rec.get("imported", []))
    if run.unsure:
        return f"SmartDJ: the planner is unsure about '{instruction}': nothing was rendered; confirm the plan"
    if t == rc.protocol.DONE and run.rec.get("mode") == "plan":
        return f"SmartDJ: planned '{instruction}'"
    if t == rc.protocol.DONE:
        steps = max((len(s) for s in run.steps.values()), default=0)
        return (f"SmartDJ: done - '{instruction}': {imported} render(s) added as new takes "
                f"({steps} step(s) on {len(run.rec.get('items', {}))} item(s))")
    kept = f"{imported} render(s) kept" if imported else "the project is as it was"
    return f"SmartDJ: {t} - '{instruction}': {kept}"


def progress_text(run, fraction):
    """Step k of n, the percentage within it, and what is running."""
    cur = run.current
    pct = f" {round(100 * min(max(float(fraction or 0), 0.0), 1.0))}%"
    items = run.rec.get("items", {})
    who = f" on {_label(run, cur.get('item'))}" if len(items) > 1 else ""
    return f"SmartDJ: step {cur.get('step')} of {cur.get('of')}{pct}{who}: {cur.get('text') or ''}"


def _check_queue(ctx, runs):
    """Ask the engine how many jobs are ahead of ours while ours wait; say it in the status line."""
    waiting = [r for r in runs if r.active and not r.current and r.follower.state == rc.protocol.QUEUED]
    call = ctx.queue_call
    if call is not None and call.check() != "waiting":
        ctx.queue_call = None
        jobs = (call.result or {}).get("jobs") or []
        for run in waiting:
            run.ahead = queued_ahead(jobs, run.job)
            if run.ahead:
                status_line(f"SmartDJ: queued behind {run.ahead} job(s): '{run.rec.get('instruction', '')}'")
    elif call is None and waiting and time.monotonic() - ctx.queue_checked >= QUEUE_CHECK_S:
        ctx.queue_checked = time.monotonic()
        ctx.queue_call = rc.Call(ctx.connect(), "status", timeout=0.5, tries=2)


def queued_ahead(jobs, job):
    """How many of the engine's jobs run or wait before ``job`` (from a status reply's job list)."""
    mine = next((j for j in jobs if isinstance(j, dict) and j.get("job") == job), None)
    if mine is None:
        return None
    created = mine.get("created") or 0
    return sum(1 for j in jobs if isinstance(j, dict) and j.get("job") != job and (
        j.get("state") == rc.protocol.RUNNING
        or j.get("state") == rc.protocol.QUEUED and (j.get("created") or 0) < created))


def import_step(ctx, run, ev):
    """A finished step's render as a new take (or the scene's item); once per step, whatever is resent."""
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
            item, rec["scene_item"] = marks.insert_scene_item(rec["span"], path, name, tag, ctx.peaks)
            run.items["scene"] = item
            rec["imported"].append(tag)
            return
    else:
        item = run.items.get(iid)
    if item is None:
        run.messages.append(f"The item for step {k} was deleted; the render is kept at {path}")
    elif not marks.has_tag(item, tag):
        marks.add_take(item, path, name, tag, ctx.peaks)
    rec["imported"].append(tag)
    RPR_UpdateArrange()


def scene_item(run):
    """The scene's mix item, found again by GUID after a restart."""
    guid = run.rec.get("scene_item")
    if not guid:
        return None
    item = run.items.get("scene")
    if item is None:
        item = find_items({guid}).get(guid)
        if item is not None:
            run.items["scene"] = item
    return item

