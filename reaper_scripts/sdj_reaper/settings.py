"""SmartDJ's settings and records in REAPER's ExtState (keys unchanged since 0.1: settings and jobs survive upgrades)."""

import json
import os

import protocol
from reaper_python import *

SECTION = "SmartDJ"  # global ExtState section and project ExtState name
BUF = 1 << 20

SETTINGS = (  # key, caption, default
    ("host", "Engine host", protocol.DEFAULT_OSC_HOST),
    ("osc_port", "Engine OSC port", str(protocol.DEFAULT_OSC_PORT)),
    ("zmq", "Engine ZeroMQ endpoint", protocol.DEFAULT_ZMQ_ENDPOINT),
    ("planner", "Planner (hybrid/rules/reader/alm/llm)", protocol.DEFAULT_PLANNER),
    ("executor", "Executor (auto/composer/diffusion)", "auto"),
    ("out_dir", "Output folder (empty = project media/SmartDJ)", ""),
    ("smartdj", "smartdj executable (auto-start)", "smartdj"),
    ("state_dir", "Engine state folder (empty = default)", ""),
    ("start_timeout", "Engine start timeout (s)", "30"),
)
DEFAULTS = {k: d for k, _, d in SETTINGS}


class UserError(Exception):
    """Something the user must know; shown as one message box."""


def setting(key):
    """A setting (global ExtState ``cfg_<key>``), or its default."""
    return RPR_GetExtState(SECTION, "cfg_" + key) or DEFAULTS[key]


def set_setting(key, value):
    """Store a setting persistently."""
    RPR_SetExtState(SECTION, "cfg_" + key, str(value), True)


def pget(key, default=None):
    """A JSON value kept in the project (project ExtState), or ``default``."""
    raw = RPR_GetProjExtState(0, SECTION, key, "", BUF)[4]
    if not raw:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return default


def pset(key, value):
    """Keep a JSON value in the project (None deletes the key)."""
    RPR_SetProjExtState(0, SECTION, key, "" if value is None else json.dumps(value, separators=(",", ":")))


def options():
    """The job options the settings choose."""
    return {"planner": setting("planner"), "executor": setting("executor")}


def out_dir():
    """Where renders go: the setting, or the project's media folder + SmartDJ (created)."""
    d = setting("out_dir")
    if not d:
        media = RPR_GetProjectPathEx(0, "", 4096)[1]
        if not media:
            raise UserError("The project has no media folder yet: save the project, or set an output folder "
                            "in 'SmartDJ: Settings'.")
        d = os.path.join(media, "SmartDJ")
    RPR_RecursiveCreateDirectory(d, 0)
    return d


def address():
    """The engine's OSC address as the user wrote it."""
    return f"{setting('host')}:{setting('osc_port')}"


def check(vals):
    """What is wrong with edited settings (empty when they can be saved)."""
    bad = []
    port = vals.get("osc_port", "")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        bad.append("the OSC port must be a number from 1 to 65535")
    if vals.get("planner") not in protocol.PLANNERS:
        bad.append(f"the planner must be one of {', '.join(protocol.PLANNERS)}")
    if vals.get("executor") not in protocol.EXECUTORS:
        bad.append(f"the executor must be one of {', '.join(protocol.EXECUTORS)}")
    try:
        if float(vals.get("start_timeout", "")) <= 0:
            raise ValueError
    except ValueError:
        bad.append("the start timeout must be a positive number of seconds")
    return bad
