"""Graph operations of ``kgsynth curate`` and ``kgsynth benchmark``: benchmark items (their
own ``BenchmarkItem`` label, ``USES`` links to concepts) and reference document texts.

``BenchmarkOps`` is a mixin: its methods call ``self.read`` / ``self.write`` /
``self.write_many`` of the class it is mixed into (the graph repository).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any


@dataclass(frozen=True)
class StoredBenchmarkItem:
    """A benchmark item as stored: its key, benchmark, id there, and concept keys."""

    key: str
    benchmark: str
    item: str
    concept_keys: tuple[str, ...]


@dataclass(frozen=True)
class BenchmarkSummary:
    benchmark: str
    items: int
    linked_concepts: int  # distinct graph concepts its items use


@dataclass(frozen=True)
class NewBenchmarkItem:
    """An item to store: where it is from, its text, and its normalised keys."""

    benchmark: str
    item: str
    question: str
    concept_keys: tuple[str, ...]
    topic_keys: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.benchmark}#{self.item}"


class BenchmarkOps:
    """Benchmark items in the graph; mixed into the graph repository."""

    if TYPE_CHECKING:  # provided by the class this is mixed into (GraphStore)

        def read(self, name: str, **params: Any) -> list[dict[str, Any]]: ...

        def write(self, name: str, **params: Any) -> list[dict[str, Any]]: ...

        def write_many(
            self, steps: Sequence[tuple[str, dict[str, Any]]]
        ) -> list[list[dict[str, Any]]]: ...

    def add_benchmark_items(self, items: Sequence[NewBenchmarkItem]) -> tuple[int, int]:
        """Store items and link them to the graph concepts they use, in one transaction
        (concept keys merged into a survivor are stored as the survivor).
        Returns (items written, concept links)."""
        if not items:
            return 0, 0
        keys = sorted({k for i in items for k in i.concept_keys})
        aliases = self.concept_aliases(keys)
        rows = [
            {
                "key": i.key, "benchmark": i.benchmark, "item": i.item, "question": i.question,
                "concept_keys": list(dict.fromkeys(aliases.get(k, k) for k in i.concept_keys)),
                "topic_keys": list(i.topic_keys),
            }
            for i in items
        ]  # fmt: skip
        links = [{"item": r["key"], "concept": k} for r in rows for k in r["concept_keys"]]
        now = datetime.now(UTC).isoformat(timespec="seconds")
        written, linked = self.write_many(
            [("write_benchmark_items", {"rows": rows, "now": now}),
             ("link_benchmark_concepts", {"rows": links})]
        )  # fmt: skip
        return int(written[0]["written"]), int(linked[0]["linked"]) if linked else 0

    def benchmark_items(self) -> list[StoredBenchmarkItem]:
        """Every stored item, concept keys resolved through later concept merges."""
        rows = self.read("benchmark_items")
        aliases = self.concept_aliases(sorted({k for r in rows for k in r["concept_keys"] or ()}))
        return [
            StoredBenchmarkItem(
                r["key"], r["benchmark"], r["item"],
                tuple(dict.fromkeys(aliases.get(k, k) for k in r["concept_keys"] or ())),
            )
            for r in rows
        ]  # fmt: skip

    def benchmark_summary(self) -> list[BenchmarkSummary]:
        return [
            BenchmarkSummary(r["benchmark"], int(r["items"]), int(r["linked"]))
            for r in self.read("benchmark_summary")
        ]

    def delete_benchmark(self, benchmark: str) -> int:
        """Remove one benchmark's items; returns how many went."""
        return int(self.write("delete_benchmark", benchmark=benchmark)[0]["deleted"])

    def concept_aliases(self, keys: Sequence[str]) -> dict[str, str]:
        """Concept key -> the survivor it was merged into, for the keys that were merged."""
        if not keys:
            return {}
        return {r["key"]: r["survivor"] for r in self.read("resolve_aliases", keys=list(keys))}

    def reference_texts(self, ids: Sequence[str]) -> dict[str, str]:
        """Document id -> full text (curate's reference-copy check); absent ids are left out."""
        if not ids:
            return {}
        return {r["id"]: r["text"] or "" for r in self.read("document_texts", ids=list(ids))}


class BoundBenchmarkOps(BenchmarkOps):
    """BenchmarkOps over a plain GraphStore, until the typed graph repository composes the
    mixin (then this adapter goes and callers use the repository)."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def read(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self._store.read(name, **params)

    def write(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self._store.write(name, **params)

    def write_many(self, steps: Sequence[tuple[str, dict[str, Any]]]) -> list[list[dict[str, Any]]]:
        return self._store.write_many(steps)
