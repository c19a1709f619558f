"""Run the engine daemon in the foreground: ZeroMQ + OSC, logs on stderr, Ctrl-C to stop.

Settings: flags > environment (SMARTDJ_ZMQ, SMARTDJ_OSC, SMARTDJ_STATE_DIR, SMARTDJ_TOKEN, SMARTDJ_TOKEN_FILE,
SMARTDJ_LIBRARY, SMARTDJ_CACHE_MB, SMARTDJ_ALLOW_REMOTE, SMARTDJ_ALLOWED_DIRS, SMARTDJ_CHECKPOINT) > --config TOML > defaults.
"""

from __future__ import annotations

import argparse
import sys

from smartdj.bridge.protocol import DEFAULT_OSC, DEFAULT_ZMQ_ENDPOINT
from smartdj.engine.config import env_var, state_dir


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--zmq", help=f"ZeroMQ endpoint to bind (default {DEFAULT_ZMQ_ENDPOINT}; port 0 = any free)")
    p.add_argument("--osc", help=f"OSC UDP host:port (default {DEFAULT_OSC}; 'off' disables; port 0 = any free)")
    p.add_argument("--state-dir", help=f"job store folder (default {state_dir()})")
    p.add_argument("--config", help="TOML settings file ([engine] table)")
    p.add_argument("--library", help="folder of labelled clips for 'add' steps (default: the bundled examples)")
    p.add_argument("--token-file", metavar="FILE",
                   help="file whose first line is the shared secret every request must carry (required beyond "
                        f"loopback); or set {env_var('token')}. Prefer these to --token, which other local users can "
                        "read in the process list")
    p.add_argument("--token", help="the shared secret itself (visible in the process list: prefer --token-file)")
    p.add_argument("--allow-remote", action="store_true", help="allow binding a non-loopback address")
    p.add_argument("--allowed-dir", action="append", default=[], metavar="DIR",
                   help="a folder clients may read items from and write renders to (repeatable)")
    p.add_argument("--checkpoint", help="diffusion checkpoint folder or installed name (enables the diffusion executor)")


def run(args: argparse.Namespace) -> int:
    from smartdj.engine.config import ConfigError, load_settings
    from smartdj.engine.serving.daemon import serve

    flags = {"zmq": args.zmq, "osc": args.osc, "state_dir": args.state_dir, "library": args.library,
             "token": args.token, "token_file": args.token_file, "allow_remote": args.allow_remote, "allowed_dirs": args.allowed_dir,
             "checkpoint": args.checkpoint}
    try:
        settings = load_settings(flags, args.config)
        settings.check()
    except ConfigError as e:
        print(f"smartdj serve: {e}", file=sys.stderr)
        return 2
    return serve(settings)
