"""The ReaScripts call only documented REAPER API functions that the test double implements."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from conftest import SHARED

ROOT = Path(__file__).resolve().parents[2]
API_DOC = SHARED / "docs" / "reaper-api.md"
sys.path.insert(0, str(ROOT / "tests" / "reaper" / "reaper_double"))
import reaper_python as rp  # noqa: E402

INJECTED = {"RPR_defer", "RPR_runloop", "RPR_atexit"}  # REAPER puts these in the script's namespace


def used_names() -> dict[str, set[str]]:
    out = {}
    for f in sorted((ROOT / "reaper_scripts").rglob("*.py")):
        out[f.name] = set(re.findall(r"\bRPR_\w+", f.read_text(encoding="utf-8")))
    return out


def documented() -> set[str]:
    doc = API_DOC
    return set(re.findall(r"\bRPR_[A-Za-z]\w+", doc.read_text(encoding="utf-8"))) - {"RPR_X"}


def test_scripts_use_only_documented_functions_the_double_has():
    doc = documented()
    assert len(doc) > 50
    used = used_names()
    assert sum(len(v) for v in used.values()) > 30
    for name, calls in used.items():
        assert not calls - doc, f"{name} calls functions missing from reaper-api.md: {sorted(calls - doc)}"
        missing = {c for c in calls - INJECTED if not hasattr(rp, c)}
        assert not missing, f"{name} calls functions the test double lacks: {sorted(missing)}"


def test_the_double_does_not_define_what_reaper_injects():
    assert not INJECTED & set(dir(rp))


def test_no_compiled_or_blocking_code_in_the_reaper_side_files():
    files = list((ROOT / "reaper_scripts").rglob("*.py")) + [ROOT / "bridge" / "reaper_client.py", ROOT / "bridge" / "language.py",
                                                            ROOT / "bridge" / "protocol.py"]
    for f in files:
        text = f.read_text(encoding="utf-8")
        for mod in ("numpy", "zmq", "pythonosc", "threading", "torch", "soundfile", "asyncio"):
            assert not re.search(rf"^\s*(import|from)\s+{mod}\b", text, re.M), f"{f.name} imports {mod}"
        for call in ("time.sleep(", "setblocking(True)", ".settimeout(", ".wait(", ".communicate("):
            assert call not in text, f"{f.name} blocks: {call}"
