"""The ``smartdj`` command line: one table from command name to the module that implements it.

Each command module exposes ``add_arguments(parser)`` and ``run(args) -> int`` (the exit code),
and keeps heavy imports (torch, transformers) inside ``run`` so ``smartdj --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import textwrap

# command -> (module under smartdj.engine, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("smartdj.engine.cli.serve", "run the engine daemon in the foreground (ZeroMQ + OSC)"),
    "edit": ("smartdj.engine.cli.edit", "plan and execute an instruction on audio files or a scene"),
    "plan": ("smartdj.engine.cli.plan", "plan an instruction into atomic steps"),
    "status": ("smartdj.engine.cli.status", "engine status, or one job's state and events"),
    "cancel": ("smartdj.engine.cli.cancel", "cancel a job"),
    "synth": ("smartdj.engine.cli.synth", "synthesize (instruction, plan, per-step audio) training data"),
    "demo": ("smartdj.engine.cli.demo", "start the engine and run a real edit on the bundled example audio"),
    "reaper": ("smartdj.engine.cli.reaper", "install the ReaScripts into a REAPER resource folder"),
}
# command groups: group -> {sub -> (module, help)}
GROUPS: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "train": ("train models", {
        "vae": ("smartdj.engine.cli.train_vae", "train the stereo VAE"),
        "editor": ("smartdj.engine.cli.train_editor", "train the diffusion editor"),
        "planner": ("smartdj.engine.cli.train_planner", "train the audio-language planner"),
        "reader": ("smartdj.engine.cli.train_reader", "train the planner's learned clause reader"),
    }),
    "eval": ("evaluate planners and editors", {
        "planner": ("smartdj.engine.cli.eval_planner", "exact-plan accuracy and step F1 of a planner"),
        "editor": ("smartdj.engine.cli.eval_editor", "edit quality (LSD, SI-SDR) of a diffusion checkpoint"),
        "separation": ("smartdj.engine.cli.eval_separation", "voice SI-SDR and edit accuracy of a speech separator on mixtures"),
    }),
    "bench": ("benchmarks (medians, ratios against a baseline measured in the same run)", {
        "composer": ("smartdj.engine.bench.composer", "composer step time on a 10 s 48 kHz 5-source scene"),
        "synth": ("smartdj.engine.bench.synth", "synthesis throughput (examples per second)"),
        "bridge": ("smartdj.engine.bench.bridge", "submit->accepted round trip over ZeroMQ and OSC"),
        "e2e": ("smartdj.engine.bench.e2e", "3-step composer edit through the daemon, submit to last render"),
        "startup": ("smartdj.engine.bench.startup", "engine start to ready, idle memory"),
        "editor": ("smartdj.engine.bench.editor", "diffusion editor time per edit step"),
        "udit": ("smartdj.engine.bench.udit", "released UDiT configuration time per edit step"),
        "reaper": ("smartdj.engine.bench.reaper", "ReaScript action to first marker / last take (test double)"),
        "fuzz": ("smartdj.engine.bench.fuzz", "hostile requests on both transports: crashes, internal replies, memory"),
        "load": ("smartdj.engine.bench.load", "20x10 ZeroMQ and 5x5 OSC clients: nothing lost, order, p50/p95, peak RSS"),
        "separation": ("smartdj.engine.bench.separation", "real-time factor and peak memory of each installed separator"),
        "planner": ("smartdj.engine.bench.planner", "cold-start plan time and RSS, engine plan-job time, beside python -c pass"),
    }),
    "models": ("installed checkpoints: list, import, pull", {
        "list": ("smartdj.engine.cli.models_list", "show installed checkpoints and where they live"),
        "import": ("smartdj.engine.cli.models_import", "convert released SmartDJ weights into checkpoint folders"),
        "pull": ("smartdj.engine.cli.models_pull", "download released SmartDJ weights, then import them"),
    }),
}


# commands whose --help ends with the exit-code table (they talk to an engine or plan)
CLIENT_COMMANDS = ("edit", "plan", "status", "cancel")


def _description(mod, help_: str) -> str:
    """The module docstring's first paragraph (whole sentences, not its first line cut mid-sentence)."""
    first = (mod.__doc__ or help_).strip().split("\n\n")[0]
    return textwrap.fill(" ".join(first.split()), 79)


def _load(module: str):
    name = module
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name == name:
            return None  # not built in this version
        raise


def _chosen(argv: list[str]) -> tuple[str | None, str | None]:
    """The command (and group member) named on the command line, so only that module is imported."""
    words = [a for a in argv if not a.startswith("-")]
    command = words[0] if words else None
    member = words[1] if command in GROUPS and len(words) > 1 else None
    return command, member


def _add_command(sub, name: str, module: str, help_: str, load: bool, epilog: str | None) -> None:
    mod = _load(module) if load else None
    if load and mod is None:
        return  # not built in this version
    if mod is None:  # listed in the help; its module is imported only when it is the one run
        sub.add_parser(name, help=help_)
        return
    p = sub.add_parser(name, help=help_, description=_description(mod, help_), usage=getattr(mod, "USAGE", None),
                       epilog=getattr(mod, "EPILOG", None) or epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    mod.add_arguments(p)
    p.set_defaults(_run=mod.run)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv``, only the module of the command it names is imported (fast start)."""
    from smartdj.engine.cli.exit_codes import EPILOG

    from smartdj import __version__

    command, member = _chosen(list(argv or []))
    parser = argparse.ArgumentParser(prog="smartdj", description="Declarative audio editing (SmartDJ) engine and tools.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"smartdj {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_) in COMMANDS.items():
        _add_command(sub, name, module, help_, name == command, EPILOG if name in CLIENT_COMMANDS else None)
    for group, (help_, subs) in GROUPS.items():
        gp = sub.add_parser(group, help=help_)
        gsub = gp.add_subparsers(dest="sub", metavar="WHAT")
        gp.set_defaults(_run=lambda a, gp=gp: (gp.print_help(), 2)[1])
        for name, (module, shelp) in subs.items():
            _add_command(gsub, name, module, shelp, group == command and name == member, None)
    return parser


def main(argv: list[str] | None = None) -> int:
    from smartdj.engine.cli import exit_codes

    try:
        code = _main(argv)
        sys.stdout.flush()  # a reader that went away shows up here at the latest
        return code
    except BrokenPipeError:  # `smartdj status | head`: the reader has what it wanted; stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush must not fail again
        return exit_codes.PIPE_CLOSED


def _main(argv: list[str] | None) -> int:
    from smartdj.engine.cli import exit_codes

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not getattr(args, "_run", None):
        parser.print_help()
        return exit_codes.USAGE
    from smartdj.engine.config import ConfigError

    try:
        return int(args._run(args) or 0)
    except ConfigError as e:  # a bad flag, variable or config file: say which, exit as a usage error
        print(f"smartdj: {e}", file=sys.stderr)
        return exit_codes.USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return exit_codes.CANCELLED


if __name__ == "__main__":
    sys.exit(main())
