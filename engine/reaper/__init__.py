"""REAPER integration on the engine side: installing the ReaScripts and their actions."""
