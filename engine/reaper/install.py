"""Installs the SmartDJ ReaScripts into a REAPER resource folder, with default shortcuts and ReaPack index.

The scripts and the REAPER-side client (``bridge/reaper_client.py``, ``bridge/protocol.py``, as plain
files) are copied into ``<resource>/Scripts/SmartDJ/``. While REAPER is closed the actions and
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
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

FOLDER = "SmartDJ"
ACTIONS = ("edit", "repeat", "plan", "execute", "scene", "cancel", "status", "settings", "register_actions")
HELPERS = ("smartdj_common.py",)
BRIDGE_FILES = ("reaper_client.py", "protocol.py")
# KEY modifier flags (Win32 accelerator style, reaper-api.md 2.8): 1 virtkey, 4 shift, 8 ctrl, 16 alt.
CTRL_ALT_SHIFT = 1 + 4 + 8 + 16
SHORTCUTS = {"edit": "E", "repeat": "R", "plan": "P", "execute": "X", "scene": "S", "cancel": "C"}
REAPACK_URL = "https://raw.githubusercontent.com/smartdj/smartdj-reaper/v$version/reaper_scripts/$path"


def scripts_dir() -> Path:
    import smartdj.reaper_scripts as rs

    return Path(rs.__file__).resolve().parent


def bridge_dir() -> Path:
    import smartdj.bridge as br

    return Path(br.__file__).resolve().parent


def default_resource_path() -> Path:
    """REAPER's resource folder for this OS (where reaper.ini and Scripts/ live)."""
    system = platform.system()
    if system == "Windows":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "REAPER"
    if system == "Darwin":
        return Path.home() / "Library" / "Application Support" / "REAPER"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "REAPER"


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

    def as_dict(self) -> dict:
        return {"target": str(self.target), "copied": self.copied, "kb": self.kb,
                "added_lines": self.added_lines, "conflicts": self.conflicts}


def copy_files(target: Path) -> list[str]:
    target.mkdir(parents=True, exist_ok=True)
    src = scripts_dir()
    names = [f"smartdj_{a}.py" for a in ACTIONS] + list(HELPERS)
    pairs = [(src / n, target / n) for n in names] + [(bridge_dir() / n, target / n) for n in BRIDGE_FILES]
    if (src / "index.xml").exists():
        pairs.append((src / "index.xml", target / "index.xml"))
    copied = []
    for a, b in pairs:
        tmp = b.with_name(b.name + ".tmp")
        shutil.copyfile(a, tmp)
        os.replace(tmp, b)
        copied.append(b.name)
    return copied


def kb_lines(resource: Path, shortcuts: bool = True) -> tuple[list[str], list[str]]:
    """The SCR lines (all actions) and KEY lines (default shortcuts) SmartDJ wants."""
    scr, key = [], []
    for a in ACTIONS:
        rel = f"{FOLDER}/smartdj_{a}.py"
        cid = command_id(rel)
        scr.append(f'SCR 4 0 {cid} "Custom: smartdj_{a}.py" "{rel}"')
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
    for ln in keys:
        _, mods, code, cmd, section = ln.split()
        if cmd in bound_cmds:
            continue  # already bound (by us earlier, or the user rebound it): leave it
        other = bound.get((mods, code, section))
        if other is not None:
            report.conflicts.append(f"{ln} (the key is taken by {other}; not bound)")
            continue
        add.append(ln)
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


# --- ReaPack ------------------------------------------------------------------------------------

def read_header(path: Path) -> dict:
    """The ReaPack metadata header of a script (``# @tag value`` lines, indented continuations)."""
    tags: dict[str, str] = {}
    cur = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        body = line[1:]
        m = re.match(r"^\s*@(\w+)\s*(.*)$", body)
        if m:
            cur = m.group(1).lower()
            tags[cur] = m.group(2).strip()
        elif cur and (body.startswith("  ") or not body.strip()):
            tags[cur] = (tags[cur] + "\n" + body.strip()).strip("\n")
    return tags


def build_index(version: str | None = None, url: str = REAPACK_URL, when: str | None = None) -> str:
    """index.xml for ReaPack: one package (smartdj_edit.py) providing every action and helper."""
    main = scripts_dir() / "smartdj_edit.py"
    h = read_header(main)
    version = version or h["version"]
    when = when or "2025-01-01T00:00:00Z"

    def src(name: str, main_opt: str | None, link: str | None = None) -> str:
        link = (link or url).replace("$version", version).replace("$path", name)
        attrs = f' file={quoteattr(name)}' + (f' main={quoteattr(main_opt)}' if main_opt else "")
        return f"        <source{attrs}>{escape(link)}</source>"

    sources = [src("smartdj_edit.py", "main")]
    for line in h.get("provides", "").splitlines():
        m = re.match(r"^\[(\w+)\]\s+(\S+)(?:\s+(\S+))?$", line.strip())
        if m:
            sources.append(src(m.group(2), "main" if m.group(1) == "main" else None, m.group(3)))
    about = h.get("about", "")
    return "\n".join([
        '<?xml version="1.0" encoding="utf-8"?>',
        '<index version="1" name="SmartDJ">',
        '  <category name="SmartDJ">',
        f'    <reapack name="smartdj_edit.py" type="script" desc={quoteattr(h["description"])}>',
        "      <metadata>",
        f"        <description><![CDATA[{about}]]></description>",
        "      </metadata>",
        f'      <version name={quoteattr(version)} author={quoteattr(h.get("author", ""))} time="{when}">',
        *sources,
        "      </version>",
        "    </reapack>",
        "  </category>",
        "</index>",
        "",
    ])


def write_index(path: Path | None = None) -> Path:
    path = path or scripts_dir() / "index.xml"
    path.write_text(build_index(), encoding="utf-8")
    return path


if __name__ == "__main__":  # regenerate reaper_scripts/index.xml after changing a header
    print(write_index(), file=sys.stderr)
