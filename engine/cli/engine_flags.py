"""How the client commands (edit, status, cancel) find the engine: one set of flags, one lookup.

Endpoint and token come from ``--engine``/``--token``, else ``SMARTDJ_ZMQ``/``SMARTDJ_TOKEN``, else
the engine's TOML config file (``SMARTDJ_CONFIG``), else the loopback default: the same
precedence as ``smartdj serve``, so a client finds an engine configured there.
"""

from __future__ import annotations

import argparse

from smartdj.bridge.protocol import DEFAULT_ZMQ_ENDPOINT
from smartdj.engine.config import ConfigError, load_settings


def add_engine_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", default=None, metavar="HOST:PORT",
                   help=f"the engine's address, HOST:PORT or tcp://HOST:PORT (default: the environment, the "
                        f"config file, or {DEFAULT_ZMQ_ENDPOINT.split('://', 1)[1]})")
    p.add_argument("--token", default=None, help="engine token (default: the environment or the config file)")


def endpoint_from(text: str, source: str = "--engine") -> str:
    """A ZeroMQ endpoint from what a user types: ``tcp://HOST:PORT``, ``ipc://PATH``, or ``HOST:PORT``
    (``tcp://`` is added). Anything else is a ConfigError that says what to type."""
    value = text.strip()
    example = DEFAULT_ZMQ_ENDPOINT.split("://", 1)[1]
    if "://" not in value:
        value = "tcp://" + value
    scheme, rest = value.split("://", 1)
    if scheme == "ipc" and rest:
        return value
    if scheme != "tcp":
        raise ConfigError(f"{source} {text!r}: the engine address must be HOST:PORT, e.g. {example} "
                          "(or tcp://HOST:PORT, ipc://PATH)")
    host, sep, port = rest.rpartition(":")
    if not sep or not host.strip("[]"):
        raise ConfigError(f"{source} {text!r}: give the engine's host and port, e.g. {example}")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{source} {text!r}: the port must be a number from 1 to 65535, e.g. {example}")
    return value


def engine_address(args: argparse.Namespace) -> tuple[str, str | None]:
    """``(endpoint, token)``; raises ConfigError when the address or the config file is unusable."""
    s = load_settings({"zmq": args.engine, "token": args.token})
    source = "--engine" if args.engine else "the engine address (environment or config file)"
    return endpoint_from(s.zmq, source), s.token


def connect(args: argparse.Namespace, timeout: float = 3.0):
    """An ``EngineClient`` for the flags, and the endpoint it talks to."""
    import zmq
    from smartdj.bridge.zmq_client import EngineClient

    endpoint, token = engine_address(args)
    try:
        return EngineClient(endpoint, token=token, timeout=timeout, client="cli"), endpoint
    except zmq.ZMQError as e:  # e.g. a host name that does not resolve
        raise ConfigError(f"cannot use the engine address {endpoint}: {e}; give HOST:PORT, "
                          f"e.g. {DEFAULT_ZMQ_ENDPOINT.split('://', 1)[1]}") from None


def client_failure(command: str, endpoint: str, error: Exception) -> int:
    """Says why a client request failed, in the user's words; returns the exit code."""
    import sys

    from smartdj.bridge.zmq_client import EngineUnreachable
    from smartdj.engine.cli import exit_codes as X
    from smartdj.engine.cli.wording import user_words

    if isinstance(error, EngineUnreachable):
        print(f"smartdj {command}: no engine at {endpoint}; start one with `smartdj serve`", file=sys.stderr)
        return X.NO_ENGINE
    print(f"smartdj {command}: {user_words(getattr(error, 'message', str(error)))}", file=sys.stderr)
    return X.NOT_FOUND if getattr(error, "code", None) == "not_found" else X.USAGE


__all__ = ["ConfigError", "add_engine_arguments", "client_failure", "connect", "engine_address"]
