"""Benchmark items for concept-level decontamination (``kgsynth benchmark``, ``sample
--avoid-benchmarks``): their own ``BenchmarkItem`` label, ``USES`` links to concepts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from kgsynth.graph.store import GraphStore


@dataclass(frozen=True)
class BenchmarkItemKeys:
    """A benchmark item and the concept keys it uses (as stored, or to store)."""

    benchmark: str
    item: str
    concept_keys: tuple[str, ...]
    question: str = ""
    topic_keys: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.benchmark}#{self.item}"


@dataclass(frozen=True)
class BenchmarkSummary:
    benchmark: str
    items: int
    linked_concepts: int  # distinct graph concepts its items use


class BenchmarkOps(GraphStore):
    def add_benchmark_items(self, items: Sequence[BenchmarkItemKeys]) -> tuple[int, int]:
        """Store (or replace) items and link each to the graph concepts among its keys, in
        one transaction; returns (items written, concept links)."""
        if not items:
            return 0, 0
        rows = [
            {
                "key": i.key, "benchmark": i.benchmark, "item": i.item, "question": i.question,
                "concept_keys": list(i.concept_keys), "topic_keys": list(i.topic_keys),
            }
            for i in items
        ]  # fmt: skip
        links = [{"item": i.key, "concept": k} for i in items for k in i.concept_keys]
        now = datetime.now(UTC).isoformat(timespec="seconds")
        written, linked = self.write_many(
            [("write_benchmark_items", {"rows": rows, "now": now}),
             ("link_benchmark_concepts", {"rows": links})]
        )  # fmt: skip
        return int(written[0]["written"]), int(linked[0]["linked"]) if linked else 0

    def benchmark_items(self) -> list[BenchmarkItemKeys]:
        """Every stored item with its concept keys as stored, in key order."""
        return [
            BenchmarkItemKeys(r["benchmark"], r["item"], tuple(r["concept_keys"] or ()))
            for r in self.read("benchmark_items")
        ]

    def benchmark_summary(self) -> list[BenchmarkSummary]:
        """Per benchmark: items and the distinct graph concepts they use."""
        return [
            BenchmarkSummary(r["benchmark"], int(r["items"]), int(r["linked"]))
            for r in self.read("benchmark_summary")
        ]

    def delete_benchmark(self, benchmark: str) -> int:
        """Remove one benchmark's items; returns how many went."""
        return int(self.write("delete_benchmark", benchmark=benchmark)[0]["deleted"])
