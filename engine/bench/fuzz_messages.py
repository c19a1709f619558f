"""Hostile and broken requests for the fuzz suite and ``smartdj bench fuzz`` (hypothesis strategies).

Every request type and every field gets valid values, wrong types, huge and non-finite numbers,
lone surrogates, long strings, deep nesting and unknown fields; whole messages are also cut short,
replaced by random bytes or nested thousands deep. ``check_reply`` says what is wrong with a reply
(not standard JSON, not v1, an unknown type, an ``internal`` error), or None. hypothesis is a dev
dependency: it is imported inside the functions.
"""

from __future__ import annotations

import json
from typing import Any

from smartdj.bridge import protocol as P

REPLY_TYPES = {"pong", "accepted", "events", "cancelling", "status", "error"}
INPUT_CODES = {P.E_BAD_JSON, P.E_BAD_VERSION, P.E_UNKNOWN_TYPE, P.E_INVALID, P.E_NOT_FOUND, P.E_UNAUTHORIZED,
               P.E_TOO_LARGE}
INSTRUCTIONS = ["turn it down by 3 dB", "remove the sound of dog barking", "make it warmer", "qwzx", ""]


def _st():
    from hypothesis import strategies as st

    return st


_BIG = [70_000]  # longest string and deepest nesting; set by message_strategy before it builds
_FUZZED = [True]  # False while message_strategy builds the tree of well-formed messages


def _weird(big: int | None = None):
    st = _st()
    big = big or _BIG[0]
    long_text = st.builds(lambda n, c: c * n, st.integers(0, big), st.sampled_from(["x", "é", "/", "\ud800", "\0"]))
    deep = st.integers(1, big).map(lambda n: _nest(n))
    numbers = st.one_of(st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
                        st.sampled_from([0, -1, 1e308, -1e308, 2**63, 2**64, 1.0, 0.5]))
    scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=12), long_text, st.just("\udfff"))
    return st.one_of(scalars, scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=6), scalars,
                                                                                       max_size=2), deep)


def _nest(n: int) -> Any:
    x: Any = []
    for _ in range(min(n, 200)):  # json.dumps itself recurses: deeper raw nesting comes as bytes below
        x = [x]
    return x


def _field(good, big: int | None = None):
    """A good value, or (while building the fuzzed tree) a good or any value at all."""
    st = _st()
    return st.one_of(good, _weird(big)) if _FUZZED[0] else good


def _options():
    st = _st()
    return st.fixed_dictionaries({}, optional={
        "planner": _field(st.sampled_from(P.PLANNERS)), "executor": _field(st.sampled_from(P.EXECUTORS)),
        "seed": _field(st.integers(0, 2**32)), "steps": _field(st.integers(0, 2000)),
        "guidance": _field(st.floats(0, 200)), "checkpoint": _field(st.sampled_from(["/nope", "name"])),
        "downmix": _field(st.booleans()), "separator": _weird()})


def _item(paths: list[str]):
    st = _st()
    seconds = st.floats(-1, 20, allow_nan=False)
    return st.fixed_dictionaries({"path": _field(st.sampled_from(paths))}, optional={
        "start": _field(seconds), "length": _field(seconds), "label": _field(st.sampled_from(["rain", "dog", ""])),
        "id": _field(st.text(max_size=8)), "at": _field(st.sampled_from(["left", "front", "nowhere"])),
        "db": _field(st.floats(-200, 200)), "position": _field(seconds), "unsure": _weird()})


def _bodies(paths: list[str], out_dir: str, jobs: list[str]) -> dict:
    st = _st()
    job = _field(st.sampled_from(jobs + ["nope", "0123456789ab"]))
    clean = not _FUZZED[0]  # the well-formed tree: submits that the engine accepts and runs
    submit = st.fixed_dictionaries({"items": _field(st.lists(_item(paths), min_size=int(clean), max_size=3)),
                                    "instruction": _field(st.sampled_from(INSTRUCTIONS[: -1 if clean else None])),
                                    **({"out_dir": st.just(out_dir)} if clean else {})}, optional={
        "mode": _field(st.sampled_from(P.MODES)), **({} if clean else {"out_dir": _field(st.just(out_dir))}),
        "plan": _field(st.lists(st.sampled_from(["turn down the volume of rain by 6 dB", "frobnicate"]), max_size=2)),
        "options": _field(_options()), "scene": _field(st.booleans()), "sample_rate": _field(st.integers(0, 10**6)),
        "seconds": _field(st.floats(0, 5000)), "origin": _field(st.floats(-10, 10)), "watch": _field(st.booleans()),
        "client": _field(st.text(max_size=20)), "submit_id": _field(st.text(min_size=0, max_size=200))})
    return {"ping": st.just({}), "submit": submit,
            "events": st.fixed_dictionaries({"job": job}, optional={"since": _field(st.integers(-5, 2**64)),
                                                                      "limit": _field(st.integers(-5, 5000))}),
            "cancel": st.fixed_dictionaries({"job": job}),
            "status": st.fixed_dictionaries({}, optional={"job": job})}


def message_strategy(paths: list[str], out_dir: str, jobs: list[str], osc_reply_ports: list[int] | None = None,
                     big: int = 70_000):
    """Raw request bytes. With ``osc_reply_ports`` every JSON message also carries a (fuzzed) reply port.

    ``big`` bounds the longest generated string and the deepest nesting (a test keeps it small).
    """
    st = _st()
    _BIG[0] = big

    def envelope(type_: str, bodies: dict):
        extra = {"ref": _weird(big), "token": _field(st.text(max_size=10), big), "junk": _weird(big)} \
            if _FUZZED[0] else {"ref": st.text(max_size=12), "unsure": st.booleans()}
        fixed = {"v": _field(st.just(1)), "type": _field(st.just(type_))}
        if osc_reply_ports:
            (extra if _FUZZED[0] else fixed)["reply_port"] = _field(st.sampled_from(osc_reply_ports))
        env = st.fixed_dictionaries(fixed, optional=extra)
        return st.tuples(bodies[type_], env).map(lambda be: {**be[0], **be[1]})

    trees = []
    for fuzzed in (False, True):  # well-formed messages (deep paths, real jobs), then fuzzed ones
        _FUZZED[0] = fuzzed
        bodies = _bodies(paths, out_dir, jobs)
        trees.append(st.one_of(*[envelope(t, bodies) for t in P.REQUESTS]))
    _FUZZED[0] = True
    msgs = st.one_of(*trees)
    encoded = msgs.map(lambda m: json.dumps(m, ensure_ascii=True, allow_nan=True).encode())
    broken = st.one_of(st.binary(max_size=200),
                       st.tuples(encoded, st.floats(0, 1)).map(lambda rf: rf[0][: int(len(rf[0]) * rf[1])]),
                       st.integers(1, big).map(lambda n: b'{"v":1,"type":"ping","ref":' + b"[" * n))
    return st.one_of(encoded, encoded, encoded, broken)


def check_reply(raw: bytes | str) -> str | None:
    """What is wrong with one reply, or None."""
    try:
        reply = json.loads(raw, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError as e:
        return f"reply is not standard JSON: {e}"
    if not isinstance(reply, dict) or reply.get("v") != P.VERSION:
        return f"reply is not a v1 object: {str(reply)[:200]}"
    if reply.get("type") not in REPLY_TYPES:
        return f"unknown reply type {reply.get('type')!r}"
    if reply["type"] == "error" and reply.get("code") not in INPUT_CODES:
        return f"error code {reply.get('code')!r}: {str(reply.get('message'))[:300]}"
    return None


def osc_datagram(raw: bytes, address: str) -> bytes:
    """One OSC message to ``address`` with ``raw`` (decoded leniently) as its one string argument."""
    from pythonosc.osc_message_builder import OscMessageBuilder

    b = OscMessageBuilder(address=address)
    b.add_arg(raw.decode("utf-8", "surrogateescape").encode("utf-8", "replace").decode("utf-8"))
    return b.build().dgram


def address_for(raw: bytes) -> str:
    try:
        msg: Any = json.loads(raw)
        t = msg.get("type") if isinstance(msg, dict) else None
    except (ValueError, RecursionError):
        t = None
    return P.OSC_ADDRESS.get(t, "/smartdj/ping") if isinstance(t, str) else "/smartdj/ping"
