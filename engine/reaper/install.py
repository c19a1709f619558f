"""Installs the SmartDJ ReaScripts into a REAPER resource folder, with default shortcuts.

The action files, their helper package (``sdj_reaper/``) and the bridge's plain files REAPER
imports (``reaper_client.py``, ``protocol.py``, ``language.py``) are copied into
``<resource>/Scripts/SmartDJ/``; the list of actions is ``reaper_scripts/actions.py``'s. While REAPER is closed the actions and
their default shortcuts are added to ``reaper-kb.ini`` (``SCR`` and ``KEY`` lines, formats as in
reaper-api.md 2.8); the user's other lines are left as they are and running it again changes
nothing. Command ids are ``RS`` + the SHA-1 of the script path relative to ``Scripts`` (our
choice, stable across machines; REAPER keeps whatever id an SCR line names).
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from smartdj.engine.config import os_folder
from smartdj.reaper_scripts import actions

FOLDER = actions.FOLDER
ACTIONS = tuple(actions.ACTIONS)
BRIDGE_FILES = actions.BRIDGE_FILES
# KEY modifier flags (Win32 accelerator style, reaper-api.md 2.8): 1 virtkey, 4 shift, 8 ctrl, 16 alt.
CTRL_ALT_SHIFT = 1 + 4 + 8 + 16
SHORTCUTS = {name: key for name, (_, _, key) in actions.ACTIONS.items() if key}
OBSOLETE = ("smartdj_common.py",)  # helpers of earlier versions, removed on upgrade


def scripts_dir() -> Path:
    return Path(actions.__file__).resolve().parent


def bridge_dir() -> Path:
    import smartdj.bridge as br

    return Path(br.__file__).resolve().parent


def default_resource_path() -> Path:
    """REAPER's resource folder for this OS (where reaper.ini and Scripts/ live)."""
    system = platform.system()
    if system == "Windows":
        return os_folder("APPDATA", Path.home() / "AppData" / "Roaming") / "REAPER"
    if system == "Darwin":
        return Path.home() / "Library" / "Application Support" / "REAPER"
    return os_folder("XDG_CONFIG_HOME", Path.home() / ".config") / "REAPER"


def reaper_running() -> bool:
    """Best effort: is a REAPER process running for this user?"""
    system = platform.system()
    try:
        if system == "Windows":
            out = subprocess.run(["tasklist", "/FI", "IMAGENAME eq reaper.exe"], capture_output=True, text=True,
                                 timeout=10).stdout
            return "reaper.exe" in out.lower()
        if system == "Darwin":
            return subprocess.run(["pgrep", "-x", "REAPER"], capture_output=True, timeout=10).returncode == 0
        for comm in Path("/proc").glob("[0-9]*/comm"):
            try:
                if comm.read_text().strip().lower() == "reaper":
                    return True
            except OSError:
                continue
    except (OSError, subprocess.SubprocessError):
        return False
    return False


def command_id(rel_path: str) -> str:
    return "RS" + hashlib.sha1(rel_path.replace("\\", "/").encode("utf-8")).hexdigest()


@dataclass
class InstallReport:
    target: Path
    copied: list[str] = field(default_factory=list)
    kb: str = ""  # what happened to reaper-kb.ini
    added_lines: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    shortcuts: dict[str, str] = field(default_factory=dict)  # action -> key bound to it by SmartDJ now or earlier

    def as_dict(self) -> dict:
        return {"target": str(self.target), "copied": self.copied, "kb": self.kb,
                "added_lines": self.added_lines, "conflicts": self.conflicts, "shortcuts": self.shortcuts}


def copy_files(target: Path) -> list[str]:
    """Copy the action files, the helper package and the bridge's plain files; old helpers are removed."""
    target.mkdir(parents=True, exist_ok=True)
    (target / actions.PACKAGE).mkdir(exist_ok=True)
    src = scripts_dir()
    names = [actions.script_name(a) for a in ACTIONS] + actions.package_files() + ["index.xml"]
    pairs = [(src / n, target / n) for n in names] + [(bridge_dir() / n, target / n) for n in BRIDGE_FILES]
    copied = []
    for a, b in pairs:
        tmp = b.with_name(b.name + ".tmp")
        shutil.copyfile(a, tmp)
        os.replace(tmp, b)
        copied.append(b.relative_to(target).as_posix())
    for name in OBSOLETE:
        (target / name).unlink(missing_ok=True)
    return copied


def kb_lines(resource: Path, shortcuts: bool = True) -> tuple[list[str], list[str]]:
    """The SCR lines (all actions) and KEY lines (default shortcuts) SmartDJ wants."""
    scr, key = [], []
    for a in ACTIONS:
        rel = f"{FOLDER}/{actions.script_name(a)}"
        cid = command_id(rel)
        scr.append(f'SCR 4 0 {cid} "Custom: {actions.script_name(a)}" "{rel}"')
        if shortcuts and a in SHORTCUTS:
            key.append(f"KEY {CTRL_ALT_SHIFT} {ord(SHORTCUTS[a])} _{cid} 0")
    return scr, key


def update_kb(resource: Path, shortcuts: bool, report: InstallReport) -> None:
    """Add our SCR/KEY lines to reaper-kb.ini: idempotent, other lines untouched, a backup once."""
    kb = resource / "reaper-kb.ini"
    raw = kb.read_bytes().decode("utf-8", "surrogateescape") if kb.exists() else ""
    newline = "\r\n" if "\r\n" in raw else "\n"
    lines = raw.splitlines()
    scr, keys = kb_lines(resource, shortcuts)
    have_scr = {ln.split()[3] for ln in lines if ln.startswith("SCR ") and len(ln.split()) > 3}
    bound = {}  # (mods, key, section) -> command ; and commands with any key
    bound_cmds = set()
    for ln in lines:
        m = re.match(r"^KEY\s+(\d+)\s+(\d+)\s+(\S+)\s+(\d+)", ln)
        if m:
            bound[(m.group(1), m.group(2), m.group(4))] = m.group(3)
            bound_cmds.add(m.group(3))
    add = [ln for ln in scr if ln.split()[3] not in have_scr]
    names = {f"_{command_id(f'{FOLDER}/{actions.script_name(a)}')}": a for a in SHORTCUTS}
    for ln in keys:
        _, mods, code, cmd, section = ln.split()
        if cmd in bound_cmds:
            if bound.get((mods, code, section)) == cmd:
                report.shortcuts[names[cmd]] = SHORTCUTS[names[cmd]]
            continue  # already bound (by us earlier, or the user rebound it): leave it
        other = bound.get((mods, code, section))
        if other is not None:
            report.conflicts.append(f"Ctrl+Alt+Shift+{SHORTCUTS[names[cmd]]} for {names[cmd]}: the key is "
                                    f"taken by {other}; not bound (assign another in Actions > Show action list)")
            continue
        add.append(ln)
        report.shortcuts[names[cmd]] = SHORTCUTS[names[cmd]]
    report.added_lines = add
    if not add:
        report.kb = "reaper-kb.ini already up to date"
        return
    backup = kb.with_name("reaper-kb.ini.smartdj-backup")
    if kb.exists() and not backup.exists():
        shutil.copyfile(kb, backup)
    text = raw
    if text and not text.endswith(("\n", "\r")):
        text += newline
    text += newline.join(add) + newline
    tmp = kb.with_name("reaper-kb.ini.tmp")
    tmp.write_bytes(text.encode("utf-8", "surrogateescape"))
    os.replace(tmp, kb)
    report.kb = f"added {len(add)} line(s) to {kb}"


def install(resource: Path | str | None = None, shortcuts: bool = True, running: bool | None = None) -> InstallReport:
    resource = Path(resource) if resource else default_resource_path()
    if not resource.is_dir():
        raise FileNotFoundError(f"{resource} is not a folder: start REAPER once (it creates its resource folder) "
                                "or pass --resource-path (REAPER: Options > Show REAPER resource path)")
    report = InstallReport(resource / "Scripts" / FOLDER)
    report.copied = copy_files(report.target)
    if running is None:
        running = reaper_running()
    if running:
        report.kb = ("REAPER is running, so reaper-kb.ini was not touched: run the action 'smartdj_register_actions.py' "
                     "(Actions > New action > Load ReaScript) once, or close REAPER and install again")
    else:
        update_kb(resource, shortcuts, report)
    return report
