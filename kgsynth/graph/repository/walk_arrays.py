"""Graph access for walks on stored neighbour arrays (a mixin of the graph repository)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kgsynth.graph.store import GraphStore, Row


@dataclass(frozen=True)
class WalkArrayFacts:
    """What walk arrays depend on, and the signature of those stored now (None: none, or not
    all the nodes its build wrote are there)."""

    graph_version: int
    pending: int
    merges: int
    sets: int
    signature: str | None


@dataclass(frozen=True)
class WalkableNode:
    label: str  # "Topic" | "Concept"
    key: str
    name: str
    uses: int  # stored ConceptSets that include it
    documents: int  # documents that have the topic / mention the concept


@dataclass(frozen=True)
class CountedEdge:
    a_label: str
    a_key: str
    b_label: str
    b_key: str
    count: int


class WalkArrayOps(GraphStore):
    def walk_array_facts(self) -> WalkArrayFacts:
        r = self.read("walk_array_facts")[0]
        whole = r["rows"] is not None and r["rows"] == r["stored"]
        return WalkArrayFacts(
            r["graph_version"], r["pending"], r["merges"], r["sets"],
            r["signature"] if whole else None,
        )  # fmt: skip

    def walkable_counts(self, min_documents: int) -> dict[str, int]:
        """{"topics": n, "concepts": n} a walk may visit with this threshold."""
        return dict(self.read("walkable_counts", min_documents=min_documents)[0])

    def walkable_nodes(self) -> list[WalkableNode]:
        """Topics and key concepts (merged aliases left out)."""
        return [WalkableNode(**r) for r in self.read("walk_export_nodes")]

    def counted_edges(self) -> list[CountedEdge]:
        """Every CO_OCCURS edge of the three sub-graphs, once, as stored."""
        edges = []
        for name, (la, lb) in {"topic": ("Topic", "Topic"), "topic_concept": ("Topic", "Concept"),
                               "concept": ("Concept", "Concept")}.items():  # fmt: skip
            rows = self.read(f"counted_{name}_edges")
            edges += [CountedEdge(la, r["a"], lb, r["b"], r["count"]) for r in rows]
        return edges

    def set_walk_arrays_signature(self, signature: str | None, rows: int | None) -> None:
        self.write("set_walk_arrays_signature", signature=signature, rows=rows)

    def delete_walk_arrays(self, batch_size: int) -> Iterator[int]:
        """Delete every WalkNode, one transaction per ``batch_size``; yields each count."""
        return self.delete_in_batches("delete_walk_arrays_batch", batch_size)

    def write_walk_arrays(self, rows: list[Row]) -> int:
        """Store {id, nb, cw} rows in one transaction; returns how many."""
        return int(self.write("write_walk_arrays", rows=rows)[0]["written"])

    def walk_step(self, walks: list[dict[str, Any]]) -> dict[int, int]:
        """One step of many walks ({i, node, u, visited}); walk index -> neighbour id."""
        return {r["walk"]: r["node"] for r in self.read("walk_step", walks=walks)}
