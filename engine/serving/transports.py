"""The two transports: a ZeroMQ ROUTER loop and an OSC UDP server, both handing requests to ``Engine``.

Neither may be stopped or slowed by one request: every reply is encodable (``protocol.encode``),
every OSC reply fits one datagram (``osc_framing``), an OSC bundle's time tag never delays the
server (messages are handled on arrival), and no reply is ever sent to the engine's own OSC port.
"""

from __future__ import annotations

import errno
import logging
import threading

from smartdj.bridge import osc_framing as F
from smartdj.bridge import protocol as P
from smartdj.engine.config import env_var

log = logging.getLogger("smartdj.daemon")


class StartError(RuntimeError):
    """The engine could not start (port taken, state folder locked); ``code`` is the exit code."""

    def __init__(self, message: str, code: int = 3):
        super().__init__(message)
        self.code = code


def bind_zmq(endpoint: str):
    import zmq

    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 500)
    sock.setsockopt(zmq.MAXMSGSIZE, 64 << 20)
    ep = endpoint[:-2] + ":*" if endpoint.startswith("tcp://") and endpoint.endswith(":0") else endpoint
    try:
        sock.bind(ep)
    except zmq.ZMQError as e:
        sock.close(0)
        if e.errno == errno.EADDRINUSE:
            raise StartError(f"cannot listen on {endpoint}: the port is already in use (another smartdj engine?); "
                             f"stop it or choose another endpoint with --zmq / {env_var('zmq')}") from None
        raise StartError(f"cannot listen on {endpoint}: {e}", 2) from None
    return sock, sock.getsockopt_string(zmq.LAST_ENDPOINT)


def serve_zmq(engine, sock, stop: threading.Event) -> None:
    """Answer every request on ``sock`` until ``stop`` is set (the main thread's loop)."""
    import zmq

    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    while not stop.is_set():
        try:
            ready = dict(poller.poll(100))
        except zmq.ZMQError as e:
            if e.errno == errno.EINTR:
                continue
            raise
        if sock not in ready:
            continue
        frames = sock.recv_multipart()
        if len(frames) < 2:
            continue
        ident, rest = frames[0], frames[1:]
        envelope = []
        if rest and rest[0] == b"" and len(rest) > 1:  # a REQ client's delimiter
            envelope, rest = [b""], rest[1:]
        reply = engine.dispatch(rest[0], {"transport": "zmq", "reply_to": None})
        try:
            sock.send_multipart([ident, *envelope, P.encode(reply)], flags=zmq.NOBLOCK)
        except zmq.ZMQError as e:  # the client went away; nothing to do
            log.debug("reply dropped: %s", e)


def start_osc(engine, host: str, port: int):
    from pythonosc.dispatcher import Dispatcher
    from pythonosc.osc_message_builder import OscMessageBuilder
    from pythonosc.osc_server import BlockingOSCUDPServer

    holder: dict = {}

    def own(addr: tuple[str, int]) -> bool:
        """The engine's own OSC socket (a reply there would loop back in as a request)."""
        server_host, server_port = holder["server"].server_address[:2]
        return addr[1] == server_port and (addr[0] == server_host or server_host in ("0.0.0.0", "::")
                                           or addr[0].startswith("127."))

    def send(addr: tuple[str, int], address: str, msg: dict) -> None:
        if own(addr):
            log.debug("not replying to the engine's own port %s", addr)
            return
        b = OscMessageBuilder(address=address)
        b.add_arg(P.encode(msg).decode("utf-8"))
        try:
            holder["server"].socket.sendto(b.build().dgram, addr)
        except OSError as e:
            log.debug("OSC send to %s failed: %s", addr, e)

    def on_request(client: tuple[str, int], address: str, *args) -> None:
        try:
            answer(client, address, args)
        except Exception:  # never let one datagram reach socketserver's traceback printer
            log.exception("OSC request from %s failed", client)

    def answer(client: tuple[str, int], address: str, args: tuple) -> None:
        type_ = address.rsplit("/", 1)[-1]
        reply_to = (client[0], client[1])
        if not (len(args) == 1 and isinstance(args[0], str)):
            send(reply_to, P.OSC_REPLY_ADDRESS, P.error_reply(
                P.E_INVALID, "an OSC request carries one string argument: the JSON message"))
            return
        if type_ not in P.REQUESTS or not address.startswith("/smartdj/"):
            send(reply_to, P.OSC_REPLY_ADDRESS, P.error_reply(
                P.E_UNKNOWN_TYPE, f"unknown address {address[:100]}; use /smartdj/<{'|'.join(P.REQUESTS)}>"))
            return
        try:
            msg = P.decode(args[0], type_)
            reply_to = (client[0], P.check_reply_port(msg))
            if msg["type"] != type_:
                raise P.ProtocolError(P.E_INVALID, f"type {msg['type']!r} sent to the address of {type_!r}",
                                      msg.get("ref"))
        except P.ProtocolError as e:
            send(reply_to, P.OSC_REPLY_ADDRESS, e.reply())
            return
        if own(reply_to):
            log.warning("OSC request from %s names the engine's own port as reply_port; dropped", client)
            return
        reply = engine.dispatch_msg(msg, {"transport": "osc", "reply_to": reply_to})
        send(reply_to, P.OSC_REPLY_ADDRESS, F.fit_reply(reply))

    disp = Dispatcher(strict_timing=False)  # a bundle's time tag must never make the server sleep
    disp.map("/smartdj/*", on_request, needs_reply_address=True)
    disp.set_default_handler(on_request, needs_reply_address=True)
    try:
        server = BlockingOSCUDPServer((host, port), disp)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise StartError(f"cannot listen for OSC on {host}:{port}: the port is already in use (another smartdj "
                             f"engine, or REAPER's own OSC?); choose another with --osc / {env_var('osc')}") from None
        raise StartError(f"cannot listen for OSC on {host}:{port}: {e}", 2) from None
    server.handle_error = lambda request, client_address: log.exception("OSC datagram from %s", client_address)
    holder["server"] = server
    engine.push = send
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="smartdj-osc",
                              daemon=True)
    thread.start()
    return server, f"{server.server_address[0]}:{server.server_address[1]}"
