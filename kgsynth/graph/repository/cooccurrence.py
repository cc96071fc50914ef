"""Graph access for the counted co-occurrence stage (a mixin of the graph repository).

The counts themselves are computed outside the database (:mod:`kgsynth.stages.ingest.counting`);
these methods read what they are computed from, write them, and keep the state that makes a
count exactly-once: documents are written ``uncounted`` and lose the mark in the transaction
that adds their counts, and a rebuild is marked as started until it has finished.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from kgsynth.graph.store import GraphStore, Row

SubGraph = Literal["topic", "topic_concept", "concept"]
SUB_GRAPHS: tuple[SubGraph, ...] = ("topic", "topic_concept", "concept")


@dataclass(frozen=True)
class CooccurrenceState:
    version: int  # raised by every count and every recount after a merge
    rebuilding: bool  # a rebuild started and did not finish
    pending: int  # documents whose counts are not added yet
    edges: int  # CO_OCCURS edges in the graph


@dataclass(frozen=True)
class DocumentLinks:
    """One document's topic keys and key-concept keys."""

    id: str
    topics: list[str]
    concepts: list[str]


class CooccurrenceOps(GraphStore):
    def cooccurrence_state(self) -> CooccurrenceState:
        r = self.read("cooccurrence_state")[0]
        return CooccurrenceState(r["version"], r["rebuilding"], r["pending"], r["edges"])

    def document_links(self, pending_only: bool) -> list[DocumentLinks]:
        """Every document's links, or only those of documents not counted yet."""
        rows = self.read("document_incidence", pending_only=pending_only)
        return [DocumentLinks(r["id"], r["topics"], r["concepts"]) for r in rows]

    def begin_cooccurrence_rebuild(self) -> None:
        self.write("begin_cooccurrence_rebuild")

    def delete_cooccurrence(self, batch_size: int) -> Iterator[int]:
        """Delete every CO_OCCURS edge, one transaction per ``batch_size``; yields each count."""
        return self.delete_in_batches("delete_cooccurrence_batch", batch_size)

    def create_cooccurrence(self, sub_graph: SubGraph, rows: list[Row]) -> int:
        """CREATE edges for pairs that have none ({a, b, n} rows); returns how many."""
        return int(self.write(f"create_{sub_graph}_cooccurrence", rows=rows)[0]["created"])

    def finish_cooccurrence_count(self, ids: list[str]) -> int:
        """Mark documents counted and end a rebuild; returns the counts' new version."""
        return int(self.write("finish_cooccurrence_count", ids=ids)[0]["version"])

    def add_cooccurrence(self, rows: dict[SubGraph, list[Row]], ids: list[str]) -> int:
        """Add counts to existing edges (or create them) and mark ``ids`` counted, in ONE
        transaction; returns the counts' new version."""
        steps: list[tuple[str, dict[str, Any]]] = [
            (f"add_{g}_cooccurrence", {"rows": rows[g]}) for g in SUB_GRAPHS if rows[g]
        ]
        steps.append(("finish_cooccurrence_count", {"ids": ids}))
        return int(self.write_many(steps)[-1][0]["version"])
