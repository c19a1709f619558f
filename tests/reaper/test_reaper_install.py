"""``smartdj reaper install``: files copied, reaper-kb.ini lines added once, the user's lines kept."""

from __future__ import annotations

import subprocess
import sys

from smartdj.engine.reaper import install as ri

USER_LINES = ['KEY 1 65 40001 0', 'SCR 4 0 RSdeadbeef "Custom: mine.lua" "mine.lua"',
              f'KEY {ri.CTRL_ALT_SHIFT} 67 40002 0']  # the user's own Ctrl+Alt+Shift+C


def test_install_copies_files_and_adds_kb_lines_once(tmp_path):
    kb = tmp_path / "reaper-kb.ini"
    kb.write_bytes(("\r\n".join(USER_LINES) + "\r\n").encode())
    r = ri.install(tmp_path, running=False)
    names = set(p.name for p in r.target.iterdir())
    assert {"smartdj_edit.py", "sdj_reaper", "reaper_client.py", "protocol.py", "language.py",
            "smartdj_register_actions.py"} <= names
    assert {p.name for p in (r.target / "sdj_reaper").iterdir()} >= {"__init__.py", "settings.py", "flows.py"}
    text = kb.read_bytes().decode()
    lines = text.split("\r\n")
    assert lines[:3] == USER_LINES and text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    scr = [ln for ln in lines if ln.startswith("SCR 4 0 RS") and "SmartDJ/" in ln]
    assert len(scr) == len(ri.ACTIONS)
    edit_id = ri.command_id("SmartDJ/smartdj_edit.py")
    assert f'SCR 4 0 {edit_id} "Custom: smartdj_edit.py" "SmartDJ/smartdj_edit.py"' in lines
    assert f"KEY {ri.CTRL_ALT_SHIFT} {ord('E')} _{edit_id} 0" in lines
    assert len(r.conflicts) == 1 and "40002" in r.conflicts[0]  # Ctrl+Alt+Shift+C stays the user's
    assert "cancel" not in r.shortcuts and r.shortcuts["edit"] == "E"
    assert (tmp_path / "reaper-kb.ini.smartdj-backup").read_bytes().decode().split("\r\n")[:3] == USER_LINES
    again = ri.install(tmp_path, running=False)
    assert again.added_lines == [] and kb.read_bytes().decode() == text


def test_install_leaves_kb_alone_while_reaper_runs_and_without_shortcuts(tmp_path):
    r = ri.install(tmp_path, running=True)
    assert not (tmp_path / "reaper-kb.ini").exists() and "REAPER is running" in r.kb
    ri.install(tmp_path, shortcuts=False, running=False)
    assert "KEY " not in (tmp_path / "reaper-kb.ini").read_text()


def test_cli_install(tmp_path):
    out = subprocess.run([sys.executable, "-m", "smartdj.engine.cli.main", "reaper", "install", "--resource-path",
                          str(tmp_path), "--no-shortcuts", "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "Scripts" / "SmartDJ" / "smartdj_scene.py").exists()
    bad = subprocess.run([sys.executable, "-m", "smartdj.engine.cli.main", "reaper", "install", "--resource-path",
                          str(tmp_path / "nope")], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "not a folder" in bad.stderr


def test_upgrade_removes_the_old_helper_and_keeps_bindings(tmp_path):
    target = tmp_path / "Scripts" / "SmartDJ"
    target.mkdir(parents=True)
    (target / "smartdj_common.py").write_text("# 0.1 helper")
    first = ri.install(tmp_path, running=False)
    assert not (target / "smartdj_common.py").exists()
    again = ri.install(tmp_path, running=False)  # keys bound by the first run are still reported as bound
    assert again.added_lines == [] and again.shortcuts == first.shortcuts and set(first.shortcuts) == set(ri.SHORTCUTS)


def test_cli_report_never_promises_a_shortcut_it_did_not_bind(tmp_path):
    (tmp_path / "reaper-kb.ini").write_text(USER_LINES[2] + "\n")  # the user's Ctrl+Alt+Shift+C
    out = subprocess.run([sys.executable, "-m", "smartdj.engine.cli.main", "reaper", "install", "--resource-path",
                          str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert any(ln.startswith("shortcut not bound: Ctrl+Alt+Shift+C for cancel") for ln in lines)
    promised = [ln for ln in lines if ln.startswith("shortcuts (")]
    assert len(promised) == 1 and "Ctrl+Alt+Shift+E" in promised[0] and "Ctrl+Alt+Shift+C" not in promised[0]


def test_index_xml_and_action_files_come_from_the_catalog():
    from smartdj.reaper_scripts import actions

    assert (ri.scripts_dir() / "index.xml").read_text(encoding="utf-8") == actions.render_index()
    assert list(actions.ACTIONS) == list(ri.ACTIONS) and len(ri.ACTIONS) == 9
    text = actions.render_index(url="https://example.org/r/$version/$path", version="1.2.3", when="2027-01-01T00:00:00Z")
    assert 'version name="1.2.3"' in text and "https://example.org/r/1.2.3/reaper_scripts/sdj_reaper/flows.py" in text
    assert "https://example.org/r/1.2.3/bridge/language.py" in text


def test_index_xml_follows_reapacks_index_format():
    """The checks ReaPack makes when it reads an index (reapack-index's format; reaper-api.md section 4)."""
    import re
    import xml.etree.ElementTree as ET

    from smartdj.reaper_scripts import actions

    root = ET.fromstring((ri.scripts_dir() / "index.xml").read_bytes())
    assert root.tag == "index" and root.get("version") == "1" and root.get("name")
    cats = root.findall("category")
    assert len(cats) == 1 and cats[0].get("name") == ri.FOLDER
    [pkg] = cats[0].findall("reapack")
    assert pkg.get("type") == "script" and pkg.get("name") == "smartdj_edit.py" and pkg.get("desc")
    [ver] = pkg.findall("version")
    assert re.fullmatch(r"\d+(\.\d+)*", ver.get("name")) and all(int(p) <= 65535 for p in ver.get("name").split("."))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ver.get("time")) and ver.get("author")
    files = {s.get("file"): s for s in ver.findall("source")}
    assert set(files) == {actions.script_name(a) for a in ri.ACTIONS} | set(actions.package_files()) | set(ri.BRIDGE_FILES)
    assert {f for f, s in files.items() if s.get("main") == "main"} == {actions.script_name(a) for a in ri.ACTIONS}
    for f, s in files.items():
        assert s.text.startswith("https://") and s.text.endswith(f.split("/")[-1]), f
    root_dir = ri.scripts_dir().parent
    for s in files.values():  # every URL names a file of this repository at that path
        path = s.text.split(f"v{ver.get('name')}/", 1)[1]
        assert (root_dir / path).is_file(), path
