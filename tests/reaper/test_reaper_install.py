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
    assert {"smartdj_edit.py", "smartdj_common.py", "reaper_client.py", "protocol.py",
            "smartdj_register_actions.py"} <= names
    text = kb.read_bytes().decode()
    lines = text.split("\r\n")
    assert lines[:3] == USER_LINES and text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    scr = [ln for ln in lines if ln.startswith("SCR 4 0 RS") and "SmartDJ/" in ln]
    assert len(scr) == len(ri.ACTIONS)
    edit_id = ri.command_id("SmartDJ/smartdj_edit.py")
    assert f'SCR 4 0 {edit_id} "Custom: smartdj_edit.py" "SmartDJ/smartdj_edit.py"' in lines
    assert f"KEY {ri.CTRL_ALT_SHIFT} {ord('E')} _{edit_id} 0" in lines
    assert len(r.conflicts) == 1 and "40002" in r.conflicts[0]  # Ctrl+Alt+Shift+C stays the user's
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


def test_index_xml_matches_the_script_headers():
    assert (ri.scripts_dir() / "index.xml").read_text(encoding="utf-8") == ri.build_index()
    head = ri.read_header(ri.scripts_dir() / "smartdj_edit.py")
    assert head["version"][0].isdigit() and head["description"] and head["author"] and head["about"]
    provided = {ln.split()[1] for ln in head["provides"].splitlines()}
    assert provided == {f"smartdj_{a}.py" for a in ri.ACTIONS if a != "edit"} | {"smartdj_common.py",
                                                                                 "reaper_client.py", "protocol.py"}
    for a in ri.ACTIONS:
        h = ri.read_header(ri.scripts_dir() / f"smartdj_{a}.py")
        assert h.get("description") and h.get("version") == head["version"]
