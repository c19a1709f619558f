# @description SmartDJ: Edit selected items with an instruction
# @version 0.1.0
# @author SmartDJ contributors
# @provides
#   [main] smartdj_repeat.py
#   [main] smartdj_plan.py
#   [main] smartdj_execute.py
#   [main] smartdj_scene.py
#   [main] smartdj_cancel.py
#   [main] smartdj_status.py
#   [main] smartdj_settings.py
#   [main] smartdj_register_actions.py
#   [nomain] smartdj_common.py
#   [nomain] reaper_client.py https://raw.githubusercontent.com/smartdj/smartdj-reaper/v$version/bridge/reaper_client.py
#   [nomain] protocol.py https://raw.githubusercontent.com/smartdj/smartdj-reaper/v$version/bridge/protocol.py
# @about
#   Type an instruction (remembered for next time); the selected items go to the SmartDJ engine.
#   The planned steps appear as a region and take markers at once; each step's render arrives as a
#   new active take named 'SmartDJ k/n: <step>'. One undo point for the whole edit.
#
#   Needs Python enabled in REAPER (Preferences > Plug-ins > ReaScript) and the SmartDJ engine
#   (pip install smartdj-reaper); see docs/REAPER.md.
"""Edit selected items with an instruction: a thin REAPER action over smartdj_common (the work runs from RPR_defer)."""

import os
import sys

from reaper_python import *

try:
    _dir = os.path.dirname(os.path.abspath(__file__))
except NameError:  # __file__ is not promised inside REAPER
    _dir = os.path.join(RPR_GetResourcePath(), "Scripts", "SmartDJ")
if _dir not in sys.path:
    sys.path.insert(0, _dir)
try:
    import smartdj_common as sdj
except Exception as e:  # noqa: BLE001 - a message box, never a traceback
    RPR_ShowMessageBox(f"SmartDJ could not load its helper modules from {_dir}: {e}\n\n"
                       "Reinstall with 'smartdj reaper install'.", "SmartDJ", 0)
else:
    sdj.main(globals(), sdj.edit_flow)
