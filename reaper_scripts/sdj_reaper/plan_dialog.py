"""The Plan action and its dialog: steps checked when it closes, everyday wording planned, steps reordered.

The edit language (``language.py``, copied beside) checks every step when the dialog closes; a step
it cannot read is planned by the engine (a plan-only job) and shown back in canonical form; steps
are added, removed (emptied) and reordered (the order field) in one pass.
"""

import re

import language
from reaper_python import *

from .engine import ensure_engine
from .follow import follow
from .items import NO_SELECTION, check_problems, collect, selected_items
from .jobs import submit
from .marks import mark_steps
from .settings import SECTION, UserError, pset
from .ui import box

MAX_FIELDS = 16  # GetUserInputs' limit
SPARE = 2  # empty fields to add steps (fewer when the plan is long; one field is the order)
ORDER_CAPTION = "Order (e.g. 3 1 2; empty = as listed)"


def ask_instruction(title):
    """The instruction dialog (the last instruction filled in); None when cancelled."""
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


def arrange(fields, order):
    """The steps in the wanted order: fields named in ``order`` first, then the others; empty ones dropped."""
    picked = []
    for word in re.split(r"[\s,;]+", order.strip()):
        if not word:
            continue
        if not word.isdigit() or not 1 <= int(word) <= len(fields):
            raise ValueError(f"'{word}' in the order is not a field number from 1 to {len(fields)}")
        if int(word) - 1 not in picked:
            picked.append(int(word) - 1)
    picked += [k for k in range(len(fields)) if k not in picked]
    return [fields[k].strip() for k in picked if fields[k].strip()]


def check_steps(texts):
    """``(canonical texts, indices of texts the edit language does not read)``."""
    out, free = [], []
    for k, text in enumerate(texts):
        try:
            out.append(str(language.parse_step(text)))
        except language.EditError:
            out.append(text)
            free.append(k)
    return out, free


def _dialog(title, texts):
    """One pass of the dialog: ``(fields, order)`` or None when cancelled."""
    texts = list(texts)
    if len(texts) > MAX_FIELDS - 1:
        raise UserError(f"The plan has {len(texts)} steps; REAPER's dialog holds {MAX_FIELDS - 1}. Split the "
                        "instruction into shorter ones.")
    spare = min(SPARE, MAX_FIELDS - 1 - len(texts))
    n = len(texts) + spare + 1
    captions = [f"Step {k + 1}" for k in range(len(texts))] + ["Add a step"] * spare + [ORDER_CAPTION]
    r = RPR_GetUserInputs(title[:100], n, ",".join(captions) + ",extrawidth=520,separator=\n",
                          "\n".join(texts + [""] * (spare + 1)), 16384)
    if not r[0]:
        return None
    values = (r[4].split("\n") + [""] * n)[:n]
    return values[:-1], values[-1]


def _plan_texts(ctx, entry, instruction):
    """Ask the engine to plan ``instruction`` for one item (a plan-only job); the steps, or [] with a reason."""
    runs = yield from submit(ctx, [entry], instruction, "plan", mode="plan", record=False)
    yield from follow(ctx, runs, on_planned=lambda *a: None, commit=False, quiet=True)
    run = runs[0]
    iid = entry["wire"]["id"]
    if run.unsure.get(iid):
        return run.unsure[iid][0], "the planner is unsure; check this reading"
    return run.steps.get(iid) or [], None if run.steps.get(iid) else "the planner could not read it"


def edit_steps(ctx, entry, texts, title):
    """Dialog passes until every step is canonical; free wording is planned and shown back. None = cancelled."""
    note = ""
    while True:
        yield
        got = _dialog(f"{title}{note}", texts)
        if got is None:
            return None
        try:
            steps = arrange(*got)
        except ValueError as e:
            box(f"The steps were not changed: {e}.")
            continue
        steps, free = check_steps(steps)
        if not free:
            return steps
        problems = []
        for k in reversed(free):
            planned, why = yield from _plan_texts(ctx, entry, steps[k])
            if why:
                problems.append(f"'{steps[k]}': {why}")
            steps[k:k + 1] = planned or [steps[k]]
        texts = steps
        note = " - check the planner's reading" if not problems else " - some steps need rewording"
        if problems:
            box("Some steps are not in the edit language and could not be planned:\n\n" + "\n".join(problems)
                + "\n\nReword them (e.g. 'turn up the volume of guitar by 3 dB'), or empty the field to remove it.")


def save_plan(ctx, entries, instruction, steps):
    """Keep the checked plan in the project for Execute; its steps as take markers; one undo point."""
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


def _who(labels, iids):
    return labels.get(iids[0], iids[0]) + (f" (+{len(iids) - 1} more)" if len(iids) > 1 else "")


def plan_flow(ctx):
    entries, problems = collect(selected_items())
    if not check_problems(entries, problems, NO_SELECTION):
        return
    instruction = ask_instruction("SmartDJ: plan (you can edit the steps next)")
    if not instruction:
        return
    yield from ensure_engine(ctx)
    runs = yield from submit(ctx, entries, instruction, "plan", mode="plan", record=False)
    yield from follow(ctx, runs, on_planned=lambda *a: None, commit=False)
    steps = {iid: texts for r in runs for iid, texts in r.steps.items()}
    if not steps:
        return
    unsure = {iid for r in runs for iid in r.unsure}
    groups = {}  # identical plans are edited once
    for iid in sorted(steps, key=lambda s: (len(s), s)):
        groups.setdefault(tuple(steps[iid]), []).append(iid)
    labels = {e["wire"]["id"]: e["wire"]["label"] for e in entries}
    by_id = {e["wire"]["id"]: e for e in entries}
    for texts, iids in groups.items():
        note = " (the planner is unsure: check it)" if unsure & set(iids) else ""
        edited = yield from edit_steps(ctx, by_id[iids[0]], list(texts), f"SmartDJ plan: {_who(labels, iids)}{note}")
        for iid in iids:
            steps[iid] = list(texts) if edited is None else edited
    steps = {iid: s for iid, s in steps.items() if s}
    if steps:
        save_plan(ctx, entries, instruction, steps)


def _pick_reading(instruction, readings):
    """Which reading of an unsure plan to start from (1 when there is only one); None = cancelled."""
    lines = [f"The planner is not sure what '{instruction}' means, so nothing was rendered. Its readings:"]
    for k, texts in enumerate(readings, 1):
        lines.append(f"\n{k}. " + "\n   ".join(texts))
    box("\n".join(lines) + "\n\nConfirm or edit one in the plan dialog; it runs when you press OK.")
    if len(readings) == 1:
        return 0
    r = RPR_GetUserInputs("SmartDJ: which reading?", 1, f"Reading (1-{len(readings)}):", "1", 64)
    if not r[0]:
        return None
    word = r[4].strip()
    return int(word) - 1 if word.isdigit() and 1 <= int(word) <= len(readings) else 0


def confirm(ctx, run):
    """A plan the planner was unsure about: shown in the Plan dialog, executed only once confirmed."""
    if run.rec.get("kind") == "scene":
        box(f"The planner is not sure what '{run.rec.get('instruction', '')}' means for this scene; nothing was "
            "rendered. Say it more precisely and run 'SmartDJ: Scene' again.")
        return
    ids = [iid for iid in run.unsure if iid in run.items]
    entries, _ = collect([run.items[iid] for iid in ids], ids=ids)
    plan = {}
    for entry in entries:
        iid = entry["wire"]["id"]
        texts, alternatives = run.unsure[iid]
        readings = [texts] + [a for a in alternatives if a and a != texts]
        k = _pick_reading(run.rec.get("instruction", ""), readings)
        if k is None:
            continue
        steps = yield from edit_steps(ctx, entry, readings[k], f"SmartDJ plan: {entry['wire']['label']} (confirm)")
        if steps:
            plan[iid] = steps
    entries = [e for e in entries if e["wire"]["id"] in plan]
    if not entries:
        return
    runs = yield from submit(ctx, entries, run.rec.get("instruction", ""), "edit", mode="execute", plan=plan)
    yield from follow(ctx, runs)
