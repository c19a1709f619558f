"""``smartdj reaper install``: copy the ReaScripts into REAPER's resource folder and add default shortcuts."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="reaper_cmd", metavar="WHAT")
    inst = sub.add_parser("install", help="install the SmartDJ actions into REAPER (Scripts/SmartDJ, reaper-kb.ini)")
    inst.add_argument("--resource-path", help="REAPER resource folder (default: this OS's standard location)")
    inst.add_argument("--no-shortcuts", action="store_true", help="register the actions but bind no keys")
    inst.add_argument("--json", action="store_true", help="print what was done as JSON")


def run(args: argparse.Namespace) -> int:
    from smartdj.engine.reaper.install import install

    if getattr(args, "reaper_cmd", None) != "install":
        print("usage: smartdj reaper install [--resource-path DIR] [--no-shortcuts]", file=sys.stderr)
        return 2
    try:
        report = install(args.resource_path, shortcuts=not args.no_shortcuts)
    except (OSError, FileNotFoundError) as e:
        print(f"smartdj reaper install: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
        return 0
    print(f"installed {len(report.copied)} files into {report.target}")
    print(report.kb)
    for c in report.conflicts:
        print(f"shortcut not bound: {c}")
    if report.shortcuts:  # only the keys that are bound to SmartDJ now: never one reported as not bound
        keys = ", ".join(f"{a}: Ctrl+Alt+Shift+{k}" for a, k in report.shortcuts.items())
        print(f"shortcuts ({keys}) work when REAPER next starts")
    print("enable Python in REAPER (Preferences > Plug-ins > ReaScript); see docs/REAPER.md")
    return 0
