"""The OpenAI-compatible backend against a real HTTP server started by the tests.

:class:`FakeChatServer` speaks the Chat Completions protocol on 127.0.0.1 (a real socket,
real HTTP, the official client on the other end). Its replies are canned but shaped like
vLLM's: ``id``, ``object: chat.completion``, ``choices[0].message.content``,
``finish_reason`` and ``usage``. A script makes it answer 429 or 503, or stall past the
client's timeout, a given number of times before it succeeds; it records every request and
the most requests it had in flight at once. The same backend against a real vLLM server is in
the opt-in heavy tier (tests/test_heavy_vllm.py).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kgsynth.config import LLMConfig, llm_config, load_settings
from kgsynth.errors import ConfigError, MissingExtraError, ModelError
from kgsynth.llm import ChatRequest, load_backend
from kgsynth.llm.cache import CachedBackend
from kgsynth.llm.openai_backend import OpenAIBackend

KEY = "sk-test-0123456789abcdef"
ANSWER = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}


@dataclass
class Step:
    """One scripted misbehaviour: reply ``status`` (with ``headers``), or stall ``sleep_s``."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    sleep_s: float = 0.0


class FakeChatServer(ThreadingHTTPServer):
    """``POST /v1/chat/completions`` on a free port; ``url`` is the base URL to configure.

    A normal reply echoes the last user message (``reply to: ...``) as that many words as
    ``max_tokens`` allows (``finish_reason`` "length" when cut), or a JSON object with an
    ``answer`` when ``response_format`` asks for a schema. Each reply takes ``delay_s``.
    """

    daemon_threads = True
    block_on_close = False

    def __init__(self, delay_s: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/v1"
        self.delay_s = delay_s
        self.script: list[Step] = []
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()

    def begin(self, body: dict[str, Any], headers: dict[str, str]) -> Step | None:
        """Record a request; return the scripted step it gets, or None for a normal reply."""
        with self.lock:
            self.bodies.append(body)
            self.headers.append(headers)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return self.script.pop(0) if self.script else None

    def end(self) -> None:
        with self.lock:
            self.in_flight -= 1


class _Handler(BaseHTTPRequestHandler):
    server: FakeChatServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": {"message": f"no route {self.path}", "code": 404}})
            return
        step = self.server.begin(body, {k.lower(): v for k, v in self.headers.items()})
        try:
            time.sleep(self.server.delay_s)
            if step is not None and step.sleep_s:
                time.sleep(step.sleep_s)
            if step is not None and step.status != 200:
                error = {"message": f"scripted {step.status}", "type": "server_error"}
                self._send(step.status, {"error": error}, step.headers)
                return
            self._send(200, _reply(body))
        finally:
            self.server.end()

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None):
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass


def _reply(body: dict[str, Any]) -> dict[str, Any]:
    """A chat.completion the way vLLM's server shapes it."""
    prompt = " ".join(m["content"] for m in body["messages"])
    last = body["messages"][-1]["content"]
    if body.get("response_format", {}).get("type") == "json_schema":
        words, cut = [json.dumps({"answer": last})], False
    else:
        words = f"reply to: {last}".split()
        cut = len(words) > body["max_tokens"]
        words = words[: body["max_tokens"]]
    return {
        "id": f"chatcmpl-{abs(hash(prompt)) % 10**8}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": " ".join(words)},
                "logprobs": None,
                "finish_reason": "length" if cut else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": len(prompt.split()),
            "completion_tokens": len(words),
            "total_tokens": len(prompt.split()) + len(words),
        },
    }


@pytest.fixture()
def server() -> Iterator[FakeChatServer]:
    srv = FakeChatServer()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _cfg(server: FakeChatServer, **kw: Any) -> LLMConfig:
    base = {"backend": "openai", "base_url": server.url, "api_key": KEY, "model": "tiny"}
    return llm_config(**{**base, **kw})


def _backend(server: FakeChatServer, **kw: Any) -> OpenAIBackend:
    return OpenAIBackend(_cfg(server, **kw), "tiny", backoff_s=0.01)


def _ask(text: str, **kw: Any) -> ChatRequest:
    return ChatRequest(messages=({"role": "user", "content": text},), **kw)


def test_concurrent_requests_come_back_in_order_and_bounded(server: FakeChatServer) -> None:
    server.delay_s = 0.15
    requests = [_ask(f"question {i}", max_new_tokens=50) for i in range(12)]
    with _backend(server, max_concurrency=3) as backend:
        completions = backend.generate(requests)
    assert [c.text for c in completions] == [f"reply to: question {i}" for i in range(12)]
    assert server.peak == 3  # concurrent, and never more than max_concurrency
    assert all(c.finish_reason == "stop" for c in completions)
    assert [(c.prompt_tokens, c.completion_tokens) for c in completions] == [(2, 4)] * 12


def test_request_body_and_headers(server: FakeChatServer) -> None:
    request = ChatRequest(
        messages=(
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Why?"},
        ),
        json_schema=ANSWER,
        max_new_tokens=77,
        temperature=0.3,
        top_p=0.8,
        seed=42,
    )
    with _backend(server) as backend:
        [completion] = backend.generate([request])
    assert json.loads(completion.text) == {"answer": "Why?"}
    [body] = server.bodies
    assert body["model"] == "tiny"
    assert body["messages"] == [dict(m) for m in request.messages]
    assert (body["max_tokens"], body["seed"], body["temperature"], body["top_p"]) == (
        77,
        42,
        0.3,
        0.8,
    )
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "kgsynth_output", "schema": ANSWER, "strict": True},
    }
    assert server.headers[0]["authorization"] == f"Bearer {KEY}"


def test_greedy_sends_neutral_top_p_and_no_schema(server: FakeChatServer) -> None:
    with _backend(server) as backend:
        backend.generate([_ask("x", temperature=0.0, top_p=0.5)])
    assert server.bodies[0]["top_p"] == 1.0 and server.bodies[0]["temperature"] == 0.0
    assert "response_format" not in server.bodies[0]


def test_cut_reply_maps_to_length(server: FakeChatServer) -> None:
    with _backend(server) as backend:
        [short] = backend.generate([_ask("a long question here", max_new_tokens=2)])
    assert (short.text, short.finish_reason, short.completion_tokens) == ("reply to:", "length", 2)


def test_retries_429_and_503_then_succeeds(server: FakeChatServer) -> None:
    server.script = [Step(429, {"Retry-After": "0"}), Step(503), Step(429, {"Retry-After": "0"})]
    with _backend(server, max_retries=3) as backend:
        [completion] = backend.generate([_ask("persist")])
    assert completion.text == "reply to: persist"
    assert len(server.bodies) == 4


def test_retry_after_is_honoured(server: FakeChatServer) -> None:
    server.script = [Step(429, {"Retry-After": "1"})]
    with _backend(server, max_retries=1) as backend:
        started = time.monotonic()
        backend.generate([_ask("wait")])
    assert time.monotonic() - started >= 0.95  # the 0.01 s backoff alone would be far less
    assert len(server.bodies) == 2


def test_gives_up_after_max_retries_naming_url_not_key(
    server: FakeChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script = [Step(503)] * 10
    caplog.set_level(logging.DEBUG)
    with _backend(server, max_retries=2) as backend, pytest.raises(ModelError) as info:
        backend.generate([_ask("doomed")])
    message = str(info.value)
    assert f"{server.url}/chat/completions" in message
    assert "HTTP 503" in message and "after 3 attempts" in message
    assert "\n" not in message
    assert KEY not in message and KEY not in caplog.text
    assert len(server.bodies) == 3


def test_client_error_is_not_retried(server: FakeChatServer) -> None:
    server.script = [Step(400)]
    with _backend(server, max_retries=5) as backend, pytest.raises(ModelError, match="HTTP 400"):
        backend.generate([_ask("bad")])
    assert len(server.bodies) == 1


def test_timeout_is_retried_then_fails(server: FakeChatServer) -> None:
    server.script = [Step(sleep_s=1.0)]
    with _backend(server, timeout_s=0.3, max_retries=1) as backend:
        [completion] = backend.generate([_ask("slow")])
    assert completion.text == "reply to: slow"

    server.script = [Step(sleep_s=1.0), Step(sleep_s=1.0)]
    backend = _backend(server, timeout_s=0.3, max_retries=1)
    with backend, pytest.raises(ModelError, match="timed out") as info:
        backend.generate([_ask("slower")])
    assert server.url in str(info.value)


def test_refused_connection_is_a_model_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the request: nothing listens
    cfg = llm_config(backend="openai", base_url=f"http://127.0.0.1:{port}/v1", max_retries=1)
    backend = OpenAIBackend(cfg, "tiny", backoff_s=0.01)
    with backend, pytest.raises(ModelError, match="connection failed"):
        backend.generate([_ask("anyone?")])


def test_one_failure_fails_the_call_without_sending_the_rest(server: FakeChatServer) -> None:
    server.delay_s = 0.1
    server.script = [Step(400)]
    requests = [_ask(f"q{i}") for i in range(8)]
    backend = _backend(server, max_concurrency=2)
    with backend, pytest.raises(ModelError, match="HTTP 400"):
        backend.generate(requests)
    assert len(server.bodies) < len(requests)  # queued requests were dropped


def test_a_failure_stops_the_others_backing_off(server: FakeChatServer) -> None:
    # One request gets a 503 and would back off 2.5-5 s; the other's 400 ends the call now.
    server.delay_s = 0.05
    server.script = [Step(503), Step(400)]
    backend = OpenAIBackend(_cfg(server, max_concurrency=2, max_retries=3), "tiny", backoff_s=5)
    started = time.monotonic()
    with backend, pytest.raises(ModelError, match="HTTP 400"):
        backend.generate([_ask("a"), _ask("b")])
    assert time.monotonic() - started < 2.0
    assert len(server.bodies) == 2


def test_load_backend_wraps_openai_in_the_cache(server: FakeChatServer, tmp_path: Path) -> None:
    requests = [_ask(f"q{i}", seed=i) for i in range(3)]
    with load_backend(_cfg(server), tmp_path) as backend:
        assert isinstance(backend, CachedBackend) and backend.model_name == "tiny"
        first = backend.generate(requests)
    with load_backend(_cfg(server), tmp_path) as backend:
        assert backend.generate(requests) == first
    assert len(server.bodies) == 3  # the second run paid nothing
    assert (tmp_path / "cache" / "responses.sqlite").is_file()
    with load_backend(_cfg(server, cache=False), tmp_path) as backend:
        assert isinstance(backend, OpenAIBackend)


def test_config_from_environment_and_validation(tmp_path: Path) -> None:
    env = {
        "KGSYNTH_LLM_BACKEND": "openai",
        "KGSYNTH_LLM_BASE_URL": "http://fleet:8000/v1",
        "KGSYNTH_LLM_API_KEY": KEY,
        "KGSYNTH_LLM_MAX_CONCURRENCY": "32",
        "KGSYNTH_LLM_TIMEOUT_S": "2.5",
        "KGSYNTH_LLM_CACHE": "false",
    }
    llm = load_settings(environ={**env, "KGSYNTH_CONFIG": str(tmp_path / "none.toml")}).llm
    o = llm.openai
    assert (o.base_url, o.api_key, o.max_concurrency, o.timeout_s, llm.cache) == (
        "http://fleet:8000/v1",
        KEY,
        32,
        2.5,
        False,
    )
    toml = tmp_path / "kgsynth.toml"
    toml.write_text('[llm]\nbackend = "openai"\napi_key = "sk-in-file"\n')
    with pytest.raises(ConfigError, match="secret"):
        load_settings(toml, {"KGSYNTH_LLM_BASE_URL": "http://x/v1"})
    with pytest.raises(ConfigError, match="base_url"):
        llm_config(backend="openai").validate()
    with pytest.raises(ConfigError, match="http"):
        llm_config(backend="openai", base_url="fleet:8000").validate()
    with pytest.raises(ConfigError, match="max_concurrency"):
        llm_config(backend="openai", base_url="http://x", max_concurrency=0).validate()
    with pytest.raises(ConfigError, match="max_retries"):
        llm_config(max_retries=-1).validate()


@pytest.mark.skipif(importlib.util.find_spec("openai") is not None, reason="openai is installed")
def test_missing_openai_names_the_extra(tmp_path: Path) -> None:
    with pytest.raises(MissingExtraError, match=r"kgsynth\[openai\]"):
        load_backend(llm_config(backend="openai", base_url="http://x/v1"), tmp_path)
