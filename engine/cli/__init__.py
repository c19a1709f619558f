"""The ``smartdj`` command line: one command table (``main``), shared engine flags, exit codes."""

from smartdj.engine.cli.main import main

__all__ = ["main"]
