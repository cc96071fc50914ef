"""Graph statistics for ``kgsynth report``: degree distributions, top topics and concepts,
and the co-occurrence graph's nodes and edges (for connected components).

A mixin of :class:`~kgsynth.graph.repository.GraphRepository`: its methods call ``self.read``
(a catalogued query by name) and return small dataclasses, so callers never handle query names
or raw rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgsynth.graph.store import GraphStore


@dataclass(frozen=True)
class DegreeCount:
    """``nodes`` nodes have ``degree`` neighbours in sub-graph ``graph``
    (``topic`` | ``topic_concept`` | ``concept``)."""

    graph: str
    degree: int
    nodes: int


@dataclass(frozen=True)
class Ranked:
    """A topic or key concept with its document count and one more count: key concepts
    listed under a topic, or co-occurring key concepts of a concept."""

    name: str
    documents: int
    related: int


@dataclass(frozen=True)
class GraphNode:
    """A node a walk can visit: ``label`` (Topic | Concept) and key."""

    label: str
    key: str


@dataclass(frozen=True)
class GraphEdge:
    """One stored co-occurrence edge between two walkable nodes."""

    a: GraphNode
    b: GraphNode


class StatisticsOps(GraphStore):
    """Read-only statistics of the concept graph."""

    def degree_counts(self) -> list[DegreeCount]:
        """Nodes per degree in each sub-graph, counted in the database (no edges pulled)."""
        return [
            DegreeCount(r["graph"], r["degree"], r["nodes"]) for r in self.read("degree_counts")
        ]

    def top_topics(self, limit: int) -> list[Ranked]:
        """Topics by the number of documents that have them."""
        rows = self.read("list_top_topics", limit=limit)
        return [Ranked(r["name"], r["documents"], r["concepts"]) for r in rows]

    def top_concepts(self, limit: int) -> list[Ranked]:
        """Key concepts by the number of documents that mention them."""
        rows = self.read("list_top_concepts", limit=limit)
        return [Ranked(r["name"], r["documents"], r["neighbours"]) for r in rows]

    def walk_graph(self) -> tuple[list[GraphNode], list[GraphEdge]]:
        """Every walkable node and co-occurrence edge (reads all edges: for components)."""
        nodes = [GraphNode(r["label"], r["key"]) for r in self.read("walk_export_nodes")]
        edges = [
            GraphEdge(GraphNode(r["a_label"], r["a_key"]), GraphNode(r["b_label"], r["b_key"]))
            for r in self.read("walk_export_edges")
        ]
        return nodes, edges
