"""How the client commands (edit, status, cancel) find the engine: one set of flags, one lookup.

Endpoint and token come from ``--engine``/``--token``, else ``SMARTDJ_ZMQ``/``SMARTDJ_TOKEN``, else
the engine's TOML config file (``SMARTDJ_CONFIG``), else the loopback default: the same
precedence as ``smartdj serve``, so a client finds an engine configured there.
"""

from __future__ import annotations

import argparse

from smartdj.engine.config import ConfigError, load_settings


def add_engine_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", default=None,
                   help="engine endpoint (default $SMARTDJ_ZMQ, the config file, or tcp://127.0.0.1:5557)")
    p.add_argument("--token", default=None, help="engine token (default $SMARTDJ_TOKEN or the config file)")


def engine_address(args: argparse.Namespace) -> tuple[str, str | None]:
    """``(endpoint, token)``; raises ConfigError when the config file cannot be read."""
    s = load_settings({"zmq": args.engine, "token": args.token})
    return s.zmq, s.token


def connect(args: argparse.Namespace, timeout: float = 3.0):
    """An ``EngineClient`` for the flags, and the endpoint it talks to."""
    from smartdj.bridge.zmq_client import EngineClient

    endpoint, token = engine_address(args)
    return EngineClient(endpoint, token=token, timeout=timeout, client="cli"), endpoint


__all__ = ["ConfigError", "add_engine_arguments", "connect", "engine_address"]
