"""SmartDJ's REAPER-side helper package (its name cannot shadow the installed ``smartdj`` package).

Runs inside REAPER only, imported by the action files' bootstrap from ``Scripts/SmartDJ/``; it
uses the standard library plus the bridge's plain copies beside it (``protocol``,
``reaper_client``, ``language``). Modules: ``catalog`` (the actions), ``settings`` (ExtState),
``ui`` (message boxes, progress line, log), ``items`` (collecting selected items), ``marks``
(takes, markers, regions, peaks), ``engine`` (start-up), ``jobs`` (job records, submit),
``follow`` (following jobs to their end), ``driver`` (the defer driver), ``flows`` and
``plan_dialog`` (what each action does).
"""
