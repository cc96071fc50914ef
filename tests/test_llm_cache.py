"""The response cache: a counting backend (a real LLMBackend) behind a real SQLite file."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from kgsynth.errors import ModelError
from kgsynth.llm import ChatRequest, Completion, LLMBackend
from kgsynth.llm.cache import CachedBackend, cache_key

SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}


class CountingBackend(LLMBackend):
    """Answers deterministically from every field that may change a reply, and records the
    requests of each ``generate`` call."""

    def __init__(self, model_name: str = "fake") -> None:
        self.model_name = model_name
        self.calls: list[list[ChatRequest]] = []
        self.closed = False

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        self.calls.append(list(requests))
        return [self._answer(r) for r in requests]

    def close(self) -> None:
        self.closed = True

    def _answer(self, r: ChatRequest) -> Completion:
        text = (
            f"{self.model_name}|{r.messages[-1]['content']}|t={r.temperature}|p={r.top_p}"
            f"|s={r.seed}|n={r.max_new_tokens}|json={r.json_schema is not None}"
        )
        return Completion(text, len(r.messages), r.max_new_tokens, "stop")

    @property
    def sent(self) -> int:
        return sum(len(c) for c in self.calls)


def _ask(text: str, **kw: object) -> ChatRequest:
    return ChatRequest(messages=({"role": "user", "content": text},), **kw)  # type: ignore[arg-type]


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "responses.sqlite"


def test_second_call_is_answered_from_the_cache(db: Path) -> None:
    inner = CountingBackend()
    requests = [_ask(f"q{i}", seed=i) for i in range(5)]
    with CachedBackend(inner, db) as cached:
        first = cached.generate(requests)
        assert len(inner.calls) == 1 and (cached.hits, cached.misses) == (0, 5)
        again = cached.generate(requests)
    assert len(inner.calls) == 1  # the inner backend was not called again
    assert again == first == inner.generate(requests)
    assert (cached.hits, cached.misses) == (5, 5)
    assert inner.closed


@pytest.mark.parametrize(
    "change",
    [
        {"temperature": 0.2},
        {"top_p": 0.5},
        {"seed": 1},
        {"max_new_tokens": 9},
        {"json_schema": SCHEMA},
        {"messages": ({"role": "system", "content": "x"}, {"role": "user", "content": "q"})},
    ],
    ids=lambda c: next(iter(c)),
)
def test_any_sampling_change_is_a_miss(db: Path, change: dict[str, object]) -> None:
    base = _ask("q", temperature=0.7, top_p=0.9, seed=0, max_new_tokens=32)
    changed = dataclasses.replace(base, **change)  # type: ignore[arg-type]
    inner = CountingBackend()
    with CachedBackend(inner, db) as cached:
        [old] = cached.generate([base])
        [new] = cached.generate([changed])
    assert inner.sent == 2 and cached.misses == 2
    assert new == inner._answer(changed) and new != old


def test_schema_change_and_model_and_namespace_are_misses(db: Path) -> None:
    request = _ask("q", json_schema=SCHEMA)
    other = _ask("q", json_schema={**SCHEMA, "required": []})
    assert cache_key("", "m", request) != cache_key("", "m", other)
    assert cache_key("", "m", request) != cache_key("", "n", request)
    assert cache_key("vllm", "m", request) != cache_key("openai", "m", request)
    # Same values, other spellings: 1 and 1.0, key order inside the schema.
    assert cache_key("", "m", _ask("q", temperature=1)) == cache_key(
        "", "m", _ask("q", temperature=1.0)
    )
    reordered = _ask("q", json_schema=dict(reversed(list(SCHEMA.items()))))
    assert cache_key("", "m", request) == cache_key("", "m", reordered)

    with CachedBackend(CountingBackend("m"), db) as cached:
        cached.generate([request])
    inner = CountingBackend("n")
    with CachedBackend(inner, db) as cached:
        [reply] = cached.generate([request])
    assert inner.sent == 1 and reply.text.startswith("n|")


def test_cache_survives_reopening(db: Path) -> None:
    requests = [_ask("a"), _ask("b", json_schema=SCHEMA)]
    with CachedBackend(CountingBackend(), db) as cached:
        first = cached.generate(requests)
    inner = CountingBackend()
    with CachedBackend(inner, db) as reopened:
        assert reopened.generate(requests) == first
    assert inner.calls == []


def test_mixed_hits_and_misses_keep_order_and_send_misses_once(db: Path) -> None:
    inner = CountingBackend()
    with CachedBackend(inner, db) as cached:
        cached.generate([_ask("b"), _ask("d")])
        requests = [_ask(x) for x in ("a", "b", "c", "d", "a", "e")]
        completions = cached.generate(requests)
    assert [c.text.split("|")[1] for c in completions] == ["a", "b", "c", "d", "a", "e"]
    # One inner call for the misses, the duplicate "a" only once.
    assert [r.messages[0]["content"] for r in inner.calls[1]] == ["a", "c", "e"]
    assert (cached.hits, cached.misses) == (2, 2 + 4)


def test_two_writers_share_one_file(db: Path) -> None:
    # Two connections to one file writing at once (as two processes would): WAL mode and the
    # busy timeout keep both working, and each sees the other's rows afterwards.
    backends = [CachedBackend(CountingBackend(), db) for _ in range(2)]
    requests = [[_ask(f"w{w}-{i}") for i in range(200)] for w in range(2)]

    def write(w: int) -> None:
        for i in range(0, 200, 20):
            backends[w].generate(requests[w][i : i + 20])

    threads = [threading.Thread(target=write, args=(w,)) for w in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w, backend in enumerate(backends):
        inner = backend.inner
        assert isinstance(inner, CountingBackend)
        before = inner.sent
        backend.generate(requests[1 - w])
        assert inner.sent == before
        backend.close()
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert check.execute("SELECT count(*) FROM responses").fetchone() == (400,)


def test_empty_call_and_closed_cache(db: Path) -> None:
    inner = CountingBackend()
    cached = CachedBackend(inner, db)
    assert cached.generate([]) == [] and inner.calls == []
    cached.close()
    with pytest.raises(ModelError, match="closed"):
        cached.generate([_ask("late")])
