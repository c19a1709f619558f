"""The OpenAI-compatible LLM planner against a local stand-in chat server (no network)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from smartdj.engine.planning.base import get_planner
from smartdj.engine.planning.llm import SYSTEM_PROMPT, make_planner

LABELS = ["dog barking", "rain falling", "piano note"]


class _Server:
    """POST /v1/chat/completions answering with ``self.reply`` (a string) and recording requests."""

    def __init__(self):
        self.reply = ""
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                if self.path != "/v1/chat/completions":
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps({"choices": [{"message": {"role": "assistant", "content": outer.reply}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()


@pytest.fixture
def server():
    s = _Server()
    yield s
    s.close()


def test_valid_reply_is_planned_by_llm(server, monkeypatch):
    server.reply = "1. remove the sound of rain falling\n2. add the sound of cow mooing at the left with -3 dB\n" \
                   "3. turn up the volume of dog barking by 6 dB"
    monkeypatch.setenv("SMARTDJ_LLM_API_KEY", "secret-key")
    planner = get_planner("llm", url=server.url, model="test-model")
    result = planner.plan("lose the rain, add a cow on the left, and the dog louder", labels=LABELS)
    assert result.planner == "llm" and result.fallback is None
    # the user's order kept (a later step may edit an added sound), texts canonical
    assert [s.text for s in result.steps] == ["remove the sound of rain falling",
                                              "add the sound of cow mooing at the left with -3 dB",
                                              "turn up the volume of dog barking by 6 dB"]
    req = server.requests[-1]
    assert req["auth"] == "Bearer secret-key"
    assert req["body"]["model"] == "test-model"
    assert req["body"]["messages"][0]["content"] == SYSTEM_PROMPT
    assert "dog barking; rain falling; piano note" in req["body"]["messages"][1]["content"]


def test_json_reply_is_accepted(server):
    server.reply = json.dumps({"steps": [{"op": "extract", "target": "piano note"}]})
    result = make_planner(url=server.url, model="m").plan("just the piano", labels=LABELS)
    assert result.planner == "llm"
    assert [s.text for s in result.steps] == ["extract the sound of piano note"]


@pytest.mark.parametrize("reply, why", [
    ("make it nicer please", "reply invalid"),
    ("remove the sound of cat meowing", "not one of the labels"),
    ("CANNOT: no such sound", "could not plan"),
])
def test_bad_replies_fall_back_to_rules(server, reply, why):
    server.reply = reply
    result = make_planner(url=server.url, model="m").plan("remove the rain", labels=LABELS)
    assert result.planner == "rules"
    assert why in result.fallback
    assert [s.text for s in result.steps] == ["remove the sound of rain falling"]


def test_unreachable_endpoint_falls_back(server):
    url = server.url
    server.close()
    result = make_planner(url=url, model="m", timeout=2).plan("remove the rain", labels=LABELS)
    assert result.planner == "rules" and "endpoint failed" in result.fallback


def test_no_endpoint_configured(monkeypatch):
    monkeypatch.delenv("SMARTDJ_LLM_URL", raising=False)
    with pytest.raises(ValueError, match="SMARTDJ_LLM_URL"):
        make_planner()
    planner = get_planner("llm")  # the registry turns that into a visible fallback
    result = planner.plan("remove the rain", labels=LABELS)
    assert result.fallback and "SMARTDJ_LLM_URL" in result.fallback
