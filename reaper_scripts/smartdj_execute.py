# @description SmartDJ: Execute the edited plan
# @version 0.1.0
# @author SmartDJ contributors
# @about
#   Renders the plan kept in the project by 'SmartDJ: Plan' on its items.
"""Execute the edited plan: a thin REAPER action over smartdj_common (the work runs from RPR_defer)."""

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
    sdj.main(globals(), sdj.execute_flow)
