"""The SmartDJ actions, defined once: read by the action-file generator, the installer and the flows."""

from __future__ import annotations

FOLDER = "SmartDJ"  # <REAPER resource>/Scripts/SmartDJ; REAPER derives action ids from this path
VERSION = "0.1.0"  # the ReaPack version of the scripts (keep in step with pyproject.toml)
RELEASED = "2026-12-02T00:00:00Z"  # when VERSION was cut (ReaPack's version time)
AUTHOR = "SmartDJ contributors"

# name -> (description, about lines, default key with Ctrl+Alt+Shift or "")
ACTIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "edit": ("SmartDJ: Edit selected items with an instruction", (
        "Type an instruction (remembered for next time); the selected items go to the SmartDJ engine.",
        "The planned steps appear as a region and take markers at once; each step's render arrives as a",
        "new active take named 'SmartDJ k/n: <step>'. Progress shows in REAPER's status line while the job",
        "runs, and a summary when it ends. One undo point for the whole edit; a failed job leaves the",
        "project as it was.",
        "",
        "Needs Python enabled in REAPER (Preferences > Plug-ins > ReaScript) and the SmartDJ engine",
        "(not on PyPI yet: pip install . in a clone of the repository); see docs/REAPER.md."), "E"),
    "repeat": ("SmartDJ: Repeat the last instruction on the selected items", (
        "Runs the last instruction on the current selection, without a dialog.",), "R"),
    "plan": ("SmartDJ: Plan only (review and edit the steps)", (
        "Plans the instruction without rendering and lets you add, remove and reorder the steps in one",
        "dialog; everyday wording is planned by the engine and shown back in the edit language. The",
        "checked plan is kept in the project for 'SmartDJ: Execute plan'."), "P"),
    "execute": ("SmartDJ: Execute the edited plan", (
        "Renders the plan kept in the project by 'SmartDJ: Plan' on its items.",), "X"),
    "scene": ("SmartDJ: Edit a scene made of the selected stems", (
        "The selected items are the known sources (stems) of one scene, labelled by their take names. Each",
        "step's mix arrives as a take of one new item on a new track spanning the selection."), "S"),
    "cancel": ("SmartDJ: Cancel the running jobs of this project", (
        "Asks the engine to cancel every unfinished SmartDJ job of the project.",), "C"),
    "status": ("SmartDJ: Status (engine reachable? what is running?)", (
        "Shows whether the engine answers, what it is running, and this project's unfinished jobs.",), ""),
    "settings": ("SmartDJ: Settings", (
        "Engine address and ports, planner, executor, output folder, smartdj executable, start timeout;",
        "stored persistently in REAPER's ExtState."), ""),
    "register_actions": ("SmartDJ: Register the SmartDJ actions", (
        "One-time set-up: adds every SmartDJ script to the action list (AddRemoveReaScript).",), ""),
}
MAIN = "edit"  # the ReaPack package file; it provides the others


def script_name(name: str) -> str:
    """The action file of ``name`` (its path decides REAPER's action id: never rename it)."""
    if name not in ACTIONS:
        raise KeyError(f"no SmartDJ action {name!r}; the actions are {', '.join(ACTIONS)}")
    return f"smartdj_{name}.py"
