"""What each action does: one flow (a generator the driver advances per defer tick) per action in the catalog."""

import os

import reaper_client as rc
from reaper_python import *

from . import catalog, plan_dialog
from .engine import engine_command, ensure_engine, wait_call
from .follow import follow, queued_ahead
from .items import NO_SELECTION, check_problems, collect, find_items, selected_items
from .jobs import followed, job_list, orphan_runs, submit, unregister_job
from .settings import SECTION, SETTINGS, UserError, address, check, pget, set_setting, setting
from .ui import box

HERE = os.path.dirname(os.path.abspath(__file__))


def _edit(ctx, instruction_of, kind="edit", scene=False):
    """Resume this project's orphaned jobs, submit the new one, follow them all; confirm unsure plans."""
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
    for run in runs + new:
        if run.unsure:
            yield from plan_dialog.confirm(ctx, run)


def edit_flow(ctx):
    yield from _edit(ctx, lambda: plan_dialog.ask_instruction("SmartDJ: edit selected items"))


def repeat_flow(ctx):
    def last():
        text = RPR_GetExtState(SECTION, "last_instruction")
        if not text:
            raise UserError("There is no previous instruction yet: use 'SmartDJ: Edit' first.")
        return text
    yield from _edit(ctx, last)


def scene_flow(ctx):
    yield from _edit(ctx, lambda: plan_dialog.ask_instruction("SmartDJ: edit the scene made of the selected stems"),
                     kind="scene", scene=True)


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
        raise UserError(f"The SmartDJ engine is not running at {address()}, so nothing is being computed. "
                        f"{len(jobs)} job(s) stay in the project and resume with the next SmartDJ edit.")
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


def _engine_lines(ctx, pong):
    lines = [f"Engine: running at {address()} (version {pong.get('engine')}, pid {pong.get('pid')})."]
    st = yield from wait_call(rc.Call(ctx.client, "status", timeout=0.5, tries=3))
    jobs = [j for j in (st or {}).get("jobs") or [] if isinstance(j, dict)]
    active = [j for j in jobs if j.get("state") in rc.protocol.ACTIVE_STATES]
    lines.append(f"Engine jobs running or queued: {len(active)}")
    for j in active[:10]:
        ahead = queued_ahead(jobs, j.get("job")) if j.get("state") == rc.protocol.QUEUED else 0
        where = f"queued behind {ahead} job(s)" if ahead else str(j.get("state"))
        lines.append(f"  {j.get('job')}: {where} - {str(j.get('instruction', ''))[:60]}")
    return lines


def status_flow(ctx):
    pong = yield from ensure_engine(ctx, start=False)
    if pong is None:
        lines = [f"Engine: not reachable at {address()}.",
                 f"It is started automatically by the next edit with: {' '.join(engine_command())}"]
    else:
        lines = yield from _engine_lines(ctx, pong)
    mine = job_list()
    lines.append(f"\nThis project: {len(mine)} unfinished job(s)")
    for job in mine[:10]:
        rec = pget("job." + job, {})
        lines.append(f"  {job}: '{str(rec.get('instruction', ''))[:60]}', {len(rec.get('imported', []))} "
                     f"render(s) imported, {'being followed' if followed(job) else 'resumes with the next edit'}")
    box("\n".join(lines))


def settings_flow(ctx):
    cur = [setting(k) for k, _, _ in SETTINGS]
    r = RPR_GetUserInputs("SmartDJ settings", len(SETTINGS),
                          ",".join(c for _, c, _ in SETTINGS) + ",extrawidth=360,separator=\n",
                          "\n".join(cur), 8192)
    if not r[0]:
        return
    vals = dict(zip([k for k, _, _ in SETTINGS], (v.strip() for v in r[4].split("\n")), strict=False))
    bad = check(vals)
    if bad:
        raise UserError("Settings not saved: " + "; ".join(bad) + ".")
    for k, _, _ in SETTINGS:
        set_setting(k, vals.get(k, ""))
    yield


def register_flow(ctx):
    folder = os.path.dirname(HERE)
    paths = [os.path.join(folder, catalog.script_name(a)) for a in catalog.ACTIONS if a != "register_actions"]
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


FLOWS = {"edit": edit_flow, "repeat": repeat_flow, "plan": plan_dialog.plan_flow, "execute": execute_flow,
         "scene": scene_flow, "cancel": cancel_flow, "status": status_flow, "settings": settings_flow,
         "register_actions": register_flow}
assert set(FLOWS) == set(catalog.ACTIONS), "every action in the catalog has a flow"
