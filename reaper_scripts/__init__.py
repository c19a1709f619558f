"""ReaScripts run inside REAPER (action files, the sdj_reaper helper package) and their generator (actions.py)."""
