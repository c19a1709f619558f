"""OSC framing: every reply and pushed event fits one UDP datagram of the documented budget.

python-osc drops anything over 8192 bytes silently, so lists (events, jobs) end early with
``"more": true`` and an element too large on its own is replaced by a short ``truncated`` stub.
"""

from __future__ import annotations

from smartdj.bridge.protocol import E_TOO_LARGE, OSC_MAX_PAYLOAD, encode, error_reply


def fit_events(reply: dict, events: list[dict], max_bytes: int = OSC_MAX_PAYLOAD) -> dict:
    """``reply`` with as many of ``events`` as fit in ``max_bytes`` of JSON, and ``more`` set.

    An event too large on its own is replaced by ``{"seq", "type", "truncated": true}``: fetch it
    over ZeroMQ (no limit) if its body is needed.
    """
    return _fit_list(dict(reply, events=events), "events", max_bytes,
                     lambda ev: {"seq": ev.get("seq"), "type": ev.get("type"), "truncated": True})


def fit_reply(reply: dict, max_bytes: int = OSC_MAX_PAYLOAD) -> dict:
    """Any reply cut to ``max_bytes`` of JSON (an OSC datagram): lists end early with ``"more": true``."""
    if len(encode(reply)) <= max_bytes:
        return reply
    for key, short in (("events", lambda ev: {"seq": ev.get("seq"), "type": ev.get("type"), "truncated": True}),
                       ("jobs", lambda j: {"job": j.get("job"), "state": j.get("state"), "truncated": True})):
        if isinstance(reply.get(key), list):
            reply = _fit_list(reply, key, max_bytes, short)
    out = dict(reply)
    for key in [k for k, v in out.items() if isinstance(v, (str, dict)) and k not in ("v", "type", "ref", "job")]:
        if len(encode(out)) <= max_bytes:
            break
        out[key] = "(too large for one OSC datagram; ask over ZeroMQ)" if isinstance(out[key], dict) \
            else out[key][:200] + "..."
        out["more"] = True
    return out if len(encode(out)) <= max_bytes else error_reply(E_TOO_LARGE, "the reply does not fit one OSC "
                                                                  "datagram; ask over ZeroMQ", reply.get("ref"))


def _fit_list(reply: dict, key: str, max_bytes: int, short) -> dict:
    items = list(reply[key])
    out = dict(reply, **{key: []}, more=False)
    size = len(encode(out))
    for i, x in enumerate(items):
        piece = len(encode(x)) + 1
        if size + piece > max_bytes:
            if not out[key]:
                out[key].append(short(x))
                out["more"] = i + 1 < len(items) or bool(reply.get("more", False))
                return out
            out["more"] = True
            return out
        out[key].append(x)
        size += piece
    out["more"] = bool(reply.get("more", False))
    return out
