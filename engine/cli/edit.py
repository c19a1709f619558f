"""Plan and execute an instruction on audio files or a scene, through a running engine or in-process.

Prints the plan, then each render's path as it arrives (a progress bar on stderr in a terminal);
``--json`` prints ``{"job", "steps", "renders": [{"item", "step", "path"}]}``. Exit codes: see
:mod:`exit_codes` (``smartdj edit --help`` lists them).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from smartdj.bridge.language import QUALITIES, SMARTDJ_QUALITIES
from smartdj.bridge.protocol import DEFAULT_PLANNER, PLANNERS
from smartdj.engine.cli import exit_codes as X
from smartdj.engine.cli.engine_flags import add_engine_arguments, connect
from smartdj.engine.cli.wording import failure, user_words

USAGE = ('smartdj edit IN.wav [IN.wav ...] "INSTRUCTION" --out-dir D [options]\n'
         '       smartdj edit --scene SCENE.json "INSTRUCTION" --out-dir D [options]\n'
         '       smartdj edit IN.wav "INSTRUCTION" --plan-only [options]')
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_CANCELLED = X.OK, X.FAILED, X.USAGE, X.NO_ENGINE, X.CANCELLED


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("args", nargs="+", metavar="[IN.wav ...] INSTRUCTION",
                   help="input audio files, then the instruction in quotes (with --scene: only the instruction)")
    p.add_argument("--scene", help="scene JSON (DESIGN section 5): edit its known sources exactly")
    p.add_argument("--out-dir", help="folder for the renders (<out-dir>/<job>/<item>/step_<k>_<slug>.wav)")
    p.add_argument("--plan-only", action="store_true", help="plan, print the plan, render nothing")
    p.add_argument("--planner", default=DEFAULT_PLANNER, help=f"{' | '.join(PLANNERS)} (default {DEFAULT_PLANNER})")
    p.add_argument("--executor", default="auto",
                   help=f"auto | composer | separation | diffusion (default auto). Timbres: the composer renders all "
                        f"({', '.join(QUALITIES)}); the diffusion editor only {', '.join(SMARTDJ_QUALITIES)}")
    p.add_argument("--separator", help="separator for sounds inside a single item: dfn3 | demucs | sam-audio | "
                   "smartdj-extract, or speech | music | text (default: routed by the target)")
    p.add_argument("--checkpoint", help="diffusion checkpoint folder or installed name")
    p.add_argument("--seed", type=int)
    p.add_argument("--steps", type=int, help="diffusion sampling steps")
    p.add_argument("--guidance", type=float, help="diffusion guidance scale")
    p.add_argument("--label", action="append", default=[], help="label of each input (in order), e.g. 'rain'")
    p.add_argument("--downmix", action="store_true", help="fold inputs with more than 2 channels to stereo")
    p.add_argument("--json", action="store_true", help="print one JSON object with the job, steps and renders")
    p.add_argument("--local", action="store_true", help="run in this process (no engine needed)")
    add_engine_arguments(p)


class LocalEngine:
    """An in-process engine behind the same request interface as ``EngineClient`` (``--local``)."""

    def __init__(self) -> None:
        import tempfile

        from smartdj.engine.config import load_settings
        from smartdj.engine.serving.daemon import Engine

        self._tmp = tempfile.TemporaryDirectory(prefix="smartdj-local-")
        settings = load_settings({"state_dir": self._tmp.name}, env={})
        self.engine = Engine(settings)
        self.engine.jobs.start(resume=False)
        self.endpoint = "in-process"
        from smartdj.bridge.zmq_client import EngineClient

        self.wait = lambda *a, **kw: EngineClient.wait(self, *a, **kw)  # same polling loop, local requests

    def request(self, type_: str, timeout: float | None = None, **body) -> dict:
        from smartdj.bridge import protocol as P
        from smartdj.bridge.zmq_client import EngineError

        reply = self.engine.dispatch(P.encode(P.request(type_, **body)), {"transport": "local"})
        if reply.get("type") == "error":
            raise EngineError(reply["code"], reply["message"])
        return reply

    def events(self, job: str, since: int = 0, limit: int | None = None) -> dict:
        return self.request("events", job=job, since=since, limit=limit)

    def cancel(self, job: str) -> dict:
        return self.request("cancel", job=job)

    def close(self) -> None:
        self.engine.close()
        self._tmp.cleanup()


def _items(args: argparse.Namespace) -> tuple[list[dict], dict, str] | str:
    """(items, extra submit fields, instruction), or a usage error message."""
    if args.scene:
        if len(args.args) != 1:
            return "with --scene give only the instruction"
        from smartdj.engine.compose.scene import SceneError, scene_submit_fields

        try:  # the one scene parser (compose.scene); offsets are kept as the delay from the scene's start
            items, extra = scene_submit_fields(Path(args.scene).expanduser())
        except (SceneError, OSError) as e:
            return f"cannot use scene {args.scene}: {e}"
        return items, extra, args.args[0]
    if len(args.args) < 2:
        return "give at least one input file and the instruction: smartdj edit IN.wav \"INSTRUCTION\" --out-dir D"
    files, instruction = args.args[:-1], args.args[-1]
    items = []
    for i, f in enumerate(files):
        label = args.label[i] if i < len(args.label) else ""
        items.append({"path": str(Path(f).expanduser().resolve()), "label": label, "id": Path(f).stem or str(i)})
    ids = [it["id"] for it in items]
    if len(set(ids)) != len(ids):
        for i, it in enumerate(items):
            it["id"] = f"{i}_{it['id']}"
    return items, {}, instruction


def run(args: argparse.Namespace) -> int:
    from smartdj.bridge.zmq_client import EngineError, EngineUnreachable

    parsed = _items(args)
    if isinstance(parsed, str):
        print(f"smartdj edit: {parsed}", file=sys.stderr)
        return EXIT_USAGE
    items, extra, instruction = parsed
    if not args.plan_only and not args.out_dir:
        print("smartdj edit: --out-dir is required (or --plan-only)", file=sys.stderr)
        return EXIT_USAGE
    options = {"planner": args.planner, "executor": args.executor, "seed": args.seed, "steps": args.steps,
               "guidance": args.guidance, "checkpoint": args.checkpoint, "downmix": args.downmix or None,
               "separator": args.separator}
    options = {k: v for k, v in options.items() if v is not None}
    if args.local:
        client, endpoint = LocalEngine(), "in-process"
    else:
        client, endpoint = connect(args)
        try:
            client.request("ping", timeout=2.0)
        except EngineUnreachable:
            print(f"smartdj edit: no engine at {endpoint}; start one with `smartdj serve` or pass --local",
                  file=sys.stderr)
            client.close()
            return EXIT_UNREACHABLE
    out_dir = str(Path(args.out_dir).expanduser().resolve()) if args.out_dir else None
    try:
        try:
            reply = client.request("submit", items=items, instruction=instruction, out_dir=out_dir,
                                   mode="plan" if args.plan_only else "plan+execute", options=options,
                                   client="cli", **{k: v for k, v in extra.items() if v is not None})
        except EngineError as e:
            print(f"smartdj edit: the engine refused the job: {user_words(e.message, bool(args.scene))}",
                  file=sys.stderr)
            return EXIT_USAGE
        except EngineUnreachable as e:
            print(f"smartdj edit: {e}", file=sys.stderr)
            return EXIT_UNREACHABLE
        return _follow(client, reply["job"], args)
    finally:
        client.close()


def _follow(client, job: str, args: argparse.Namespace) -> int:
    import time

    from smartdj.engine.cli.progress import JobBar

    bar = JobBar(sys.stderr, enabled=not args.json and not args.plan_only and sys.stderr.isatty())
    plans: dict[str, list] = {}
    renders: list[dict] = []
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, flush=True))
    t0 = time.monotonic()

    def on_event(ev: dict) -> None:
        t = ev["type"]
        bar.on_event(ev)
        if t == "planned":
            plans[ev["item"]] = ev["steps"]
            note = f" (fallback: {ev['fallback']})" if ev.get("fallback") else ""
            say(f"plan for {ev['item']} [{ev['planner']}]{note}:")
            for k, s in enumerate(ev["steps"], 1):
                say(f"  {k}. {s['text']}")
        elif t == "step_done":
            renders.append({"item": ev["item"], "step": ev["step"], "path": ev["path"]})
            clip = "  (clipped: peak {:.2f})".format(ev["peak"]) if ev.get("clipped") else ""
            say(f"step {ev['step']}/{ev['of']} {ev['item']}: {ev['path']}{clip}")

    try:
        final = client.wait(job, on_event=on_event)
    except KeyboardInterrupt:
        try:
            client.cancel(job)
        except Exception:
            pass
        print(f"smartdj edit: cancelled job {job}", file=sys.stderr)
        return EXIT_CANCELLED
    finally:
        bar.close()
    first = next(iter(plans.values()), [])
    if args.json:
        doc = {"job": job, "state": final["type"], "steps": first, "plans": plans, "renders": renders}
        if final["type"] == "failed":
            doc["error"] = {"code": final.get("code"), "message": final.get("message")}
        print(json.dumps(doc, indent=2))
    if final["type"] == "done":
        if renders:
            folder = Path(renders[0]["path"]).parent.parent
            say(f"done: {len(renders)} step{'s' * (len(renders) != 1)} rendered in "
                f"{time.monotonic() - t0:.1f} s; renders in {folder}")
        return EXIT_OK
    if final["type"] == "cancelled":
        print(f"smartdj edit: job {job} was cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    print(f"smartdj edit: job {job} failed: {failure(final, bool(args.scene))}", file=sys.stderr)
    return X.for_failure(final.get("code"))
