"""SmartDJ for REAPER: declarative audio editing (planner + executors) behind a local engine daemon.

The repository keeps its parts in top-level folders (``bridge/``, ``engine/``, ``models/``,
``reaper_scripts/``); packaging maps them under this one namespace so nothing generic such as a
bare ``models`` module is installed into a user's site-packages.
"""

__version__ = "0.1.0"
