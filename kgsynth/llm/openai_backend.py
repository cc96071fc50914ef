"""Any OpenAI-compatible server (a ``vllm serve`` fleet, a hosted API) over Chat Completions.

Each request is one ``POST {base_url}/chat/completions``; a ``generate`` call sends its
requests from a pool of ``llm.max_concurrency`` threads and returns the completions in
request order. A JSON schema goes out as ``response_format`` ``json_schema`` (what vLLM's
server turns into grammar-guided decoding); the seed, temperature, top_p and max_tokens go
with every request.

Retries are ours, not the client's (it gets ``max_retries=0``): a 408, 429 or 5xx reply, a
timeout or a failed connection is retried up to ``llm.max_retries`` times, waiting what the
server's ``Retry-After`` asks or else an exponential backoff with jitter. Any other error,
or the last failed attempt, raises :class:`~kgsynth.errors.ModelError` with a one-line
message that names the URL and never the API key.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any

from kgsynth.config import LLMConfig, mask, mask_uri
from kgsynth.errors import ConfigError, ModelError, require
from kgsynth.llm.base import ChatRequest, Completion, FinishReason, LLMBackend

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({408, 429})
"""Status codes below 500 that mean "try again later"; every 5xx is retried too."""
MAX_WAIT_S = 60.0
"""The longest single wait between attempts, whatever Retry-After or the backoff says."""
SCHEMA_NAME = "kgsynth_output"


class OpenAIBackend(LLMBackend):
    """Chat completions from the server at ``llm.openai.base_url``, serving ``model`` by that name.

    ``backoff_s`` is the first backoff wait; attempt ``n`` (from 0) waits about
    ``backoff_s * 2**n`` seconds (jittered to 50-100 %, capped at :data:`MAX_WAIT_S`).
    """

    def __init__(self, cfg: LLMConfig, model: str, *, backoff_s: float = 0.5) -> None:
        openai: Any = require("openai", extra="openai")
        if not cfg.openai.base_url:
            raise ConfigError("the openai backend needs llm.base_url (KGSYNTH_LLM_BASE_URL)")
        self.model_name = model
        self._openai = openai
        self._base_url = cfg.openai.base_url.rstrip("/")
        self._url = mask_uri(self._base_url) + "/chat/completions"
        # Local servers (vllm serve without --api-key) accept any key; the client needs one.
        self._api_key = cfg.openai.api_key or "EMPTY"
        self._max_concurrency = cfg.openai.max_concurrency
        self._max_retries = cfg.openai.max_retries
        self._backoff_s = backoff_s
        self._jitter = random.Random()
        self._client: Any = openai.OpenAI(
            base_url=self._base_url,
            api_key=self._api_key,
            timeout=cfg.openai.timeout_s,
            max_retries=0,
        )
        log.info(
            "openai backend: %s, model %s, %d in flight",
            self._url,
            model,
            cfg.openai.max_concurrency,
        )

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        if self._client is None:
            raise ModelError("the backend was closed")
        if not requests:
            return []
        abort = threading.Event()
        workers = min(self._max_concurrency, len(requests))
        with ThreadPoolExecutor(workers, thread_name_prefix="kgsynth-openai") as pool:
            futures = [pool.submit(self._complete, r, abort) for r in requests]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            error = next((e for f in futures if f in done and (e := f.exception())), None)
            if error is not None:
                # Stop the rest: queued requests are dropped, running ones stop retrying.
                abort.set()
                for f in futures:
                    f.cancel()
                raise error
        return [f.result() for f in futures]

    def close(self) -> None:
        """Close the HTTP connection pool."""
        client = getattr(self, "_client", None)
        if client is not None:
            self._client = None
            client.close()

    def _complete(self, request: ChatRequest, abort: threading.Event) -> Completion:
        """One request with retries; ``abort`` is set when another request of the call failed."""
        body = _body(self.model_name, request)
        attempts = self._max_retries + 1
        for attempt in range(attempts):
            try:
                reply = self._client.chat.completions.create(**body)
            except self._openai.OpenAIError as e:
                problem, wait_s = self._classify(e)
                if problem is None:
                    raise self._error(_describe(e), e, attempt + 1) from e
                if attempt + 1 == attempts:
                    raise self._error(problem, e, attempts) from e
                wait_s = self._backoff(attempt) if wait_s is None else min(wait_s, MAX_WAIT_S)
                log.debug("%s: %s, retry %d in %.2f s", self._url, problem, attempt + 1, wait_s)
                if abort.wait(wait_s):
                    raise ModelError(
                        f"POST {self._url}: request abandoned after another one failed"
                    ) from e
            else:
                return self._completion(reply)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _classify(self, error: Exception) -> tuple[str | None, float | None]:
        """``(problem, wait)`` for a retryable error (wait None: use the backoff), or
        ``(None, None)`` for one that another attempt would not fix."""
        if isinstance(error, self._openai.APIStatusError):
            status = int(error.status_code)
            if status in RETRY_STATUS or status >= 500:
                return f"HTTP {status}", _retry_after(error.response.headers)
            return None, None
        if isinstance(error, self._openai.APITimeoutError):
            return "timed out", None
        if isinstance(error, self._openai.APIConnectionError):
            return "connection failed", None
        return None, None

    def _backoff(self, attempt: int) -> float:
        full = min(MAX_WAIT_S, self._backoff_s * 2**attempt)
        return full * self._jitter.uniform(0.5, 1.0)

    def _error(self, problem: str, cause: BaseException, attempts: int) -> ModelError:
        """A one-line ModelError naming the URL; the server's text is cut and key-masked."""
        detail = " ".join(str(getattr(cause, "message", cause)).split())[:300]
        tries = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
        text = f"POST {self._url} failed {tries}: {problem} ({detail})"
        return ModelError(mask(text, [self._api_key if self._api_key != "EMPTY" else None]))

    def _completion(self, reply: Any) -> Completion:
        """A Completion from a ``chat.completion`` object (its first choice)."""
        try:
            choice = reply.choices[0]
            text = choice.message.content or ""
            usage = reply.usage
            prompt_tokens = int(usage.prompt_tokens) if usage else 0
            completion_tokens = int(usage.completion_tokens) if usage else 0
            raw_reason = choice.finish_reason
        except (AttributeError, IndexError, TypeError, ValueError) as e:
            raise ModelError(f"{self._url} returned no usable chat completion ({e})") from e
        # "stop" ends the reply on purpose; "length", "content_filter" etc. leave it unfinished.
        reason: FinishReason = "stop" if raw_reason == "stop" else "length"
        return Completion(text.strip(), prompt_tokens, completion_tokens, reason)


def _describe(error: Exception) -> str:
    """A short name for a non-retryable error: its HTTP status, or the exception's class."""
    status = getattr(error, "status_code", None)
    return f"HTTP {status}" if status is not None else type(error).__name__


def _body(model: str, request: ChatRequest) -> dict[str, Any]:
    """The keyword arguments of ``chat.completions.create`` for one request."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [dict(m) for m in request.messages],
        "max_tokens": request.max_new_tokens,
        "temperature": request.temperature,
        # Greedy decoding ignores top_p; send the neutral value so servers agree.
        "top_p": request.top_p if request.temperature > 0 else 1.0,
        "seed": request.seed,
    }
    if request.json_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": SCHEMA_NAME,
                "schema": dict(request.json_schema),
                "strict": True,
            },
        }
    return body


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asks us to wait (``retry-after-ms``, ``Retry-After`` in seconds or
    as an HTTP date), or None when it does not say."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
    return None
