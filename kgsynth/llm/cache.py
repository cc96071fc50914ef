"""A persistent response cache in front of any backend, so a re-run does not pay twice.

A completion is stored under a sha256 key over everything that decides it: the cache
namespace (the backend kind), the model name, the messages, the JSON schema, temperature,
top_p, max_new_tokens and the seed. A request that differs in any of these is a miss, so the
cache never answers with a completion sampled under other settings. Numbers are keyed by
value (``1`` and ``1.0`` are the same temperature); dictionaries by sorted keys.

The store is one SQLite file (``<home>/cache/responses.sqlite``) in WAL mode with a busy
timeout, so several processes can read and write it at once; a row is written once and
never changed (the first writer of a key wins, and both writers had the same request).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kgsynth.batching import batched
from kgsynth.errors import ModelError
from kgsynth.llm.base import ChatRequest, Completion, LLMBackend

log = logging.getLogger(__name__)

KEY_VERSION = 1
"""Part of every key; bump it when the key's recipe changes so old rows stop matching."""
_LOOKUP_CHUNK = 500  # keys per SELECT ... IN (...), well under SQLite's variable limit
_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    finish_reason TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def cache_key(namespace: str, model: str, request: ChatRequest) -> str:
    """The hex sha256 that identifies ``request`` sent to ``model`` of backend ``namespace``."""
    fields = {
        "v": KEY_VERSION,
        "namespace": namespace,
        "model": model,
        "messages": [dict(m) for m in request.messages],
        "json_schema": request.json_schema,
        "temperature": float(request.temperature),
        "top_p": float(request.top_p),
        "max_new_tokens": int(request.max_new_tokens),
        "seed": int(request.seed),
    }
    text = json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """JSON for the mapping types json.dumps does not know (read-only views of a schema)."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"a cache key cannot hold {type(value).__name__}: {value!r}")


class CachedBackend(LLMBackend):
    """``inner`` behind the cache file at ``path``; ``hits`` and ``misses`` count requests.

    ``generate`` answers what it can from the file and sends every miss to ``inner`` in one
    call (identical missing requests only once), so ``inner`` still batches. ``close()``
    closes both the file and ``inner``.
    """

    def __init__(self, inner: LLMBackend, path: Path, namespace: str = "") -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.path = path
        self.namespace = namespace
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = _open(path)

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        if not requests:
            return []
        keys = [cache_key(self.namespace, self.model_name, r) for r in requests]
        found = self._lookup(keys)
        todo: dict[str, ChatRequest] = {}
        for key, request in zip(keys, requests, strict=True):
            if key not in found:
                todo.setdefault(key, request)
        if todo:
            fresh = self.inner.generate(list(todo.values()))
            if len(fresh) != len(todo):
                raise ModelError(
                    f"{self.model_name}: backend returned {len(fresh)} completions "
                    f"for {len(todo)} requests"
                )
            new = dict(zip(todo, fresh, strict=True))
            self._store(new.items())
            found.update(new)
        hits = sum(1 for k in keys if k not in todo)
        self.hits += hits
        self.misses += len(keys) - hits
        log.debug("response cache: %d hits, %d misses", hits, len(keys) - hits)
        return [found[k] for k in keys]

    def close(self) -> None:
        """Close the cache file, then the wrapped backend."""
        with self._lock:
            db, self._db = self._db, None
        if db is not None:
            db.close()
        self.inner.close()

    def _lookup(self, keys: list[str]) -> dict[str, Completion]:
        found: dict[str, Completion] = {}
        with self._lock:
            db = self._connection()
            try:
                for chunk in batched(sorted(set(keys)), _LOOKUP_CHUNK):
                    marks = ",".join("?" * len(chunk))
                    rows = db.execute(
                        "SELECT key, text, prompt_tokens, completion_tokens, finish_reason "
                        f"FROM responses WHERE key IN ({marks})",
                        chunk,
                    )
                    for key, text, prompt, completion, reason in rows:
                        found[key] = Completion(text, prompt, completion, reason)
            except sqlite3.Error as e:
                raise ModelError(f"cannot read the response cache {self.path}: {e}") from e
        return found

    def _store(self, items: Iterable[tuple[str, Completion]]) -> None:
        now = time.time()
        rows = [
            (k, self.model_name, c.text, c.prompt_tokens, c.completion_tokens, c.finish_reason, now)
            for k, c in items
        ]
        with self._lock:
            db = self._connection()
            try:
                with db:  # one transaction
                    db.executemany(
                        "INSERT OR IGNORE INTO responses (key, model, text, prompt_tokens, "
                        "completion_tokens, finish_reason, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        rows,
                    )
            except sqlite3.Error as e:
                raise ModelError(f"cannot write the response cache {self.path}: {e}") from e

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise ModelError("the cached backend was closed")
        return self._db


def _open(path: Path) -> sqlite3.Connection:
    """Open (creating) the cache file in WAL mode; waits up to 30 s for another writer."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30.0, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        with db:
            db.execute(_SCHEMA)
    except (OSError, sqlite3.Error) as e:
        raise ModelError(f"cannot open the response cache {path}: {e}") from e
    return db
