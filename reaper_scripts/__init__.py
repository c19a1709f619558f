"""ReaScripts (run inside REAPER as scripts, never imported as modules) and their installer data."""
