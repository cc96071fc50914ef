"""Whole-graph counts, coverage of the graph by sampled concept sets, and clearing the graph."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from kgsynth.graph.store import GraphStore


@dataclass(frozen=True)
class GraphCounts:
    """The graph's size (graph_counts.cypher); merged concept aliases are not ``concepts``."""

    documents: int
    topics: int
    concepts: int
    merged_concepts: int
    mentions: int
    document_topics: int
    topic_concepts: int
    topic_edges: int
    topic_concept_edges: int
    concept_edges: int
    concept_sets: int
    runs: int

    def as_dict(self) -> dict[str, int]:
        """The counts by name, in this order (what manifests and ``kgsynth stats`` show)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class NodeCoverage:
    """Concept sets in scope and the distinct topics and concepts they include."""

    sets: int
    topics: int
    concepts: int


@dataclass(frozen=True)
class EdgeCoverage:
    """Distinct co-occurrence edges that the walks in scope traversed, per sub-graph."""

    topic_edges: int
    topic_concept_edges: int
    concept_edges: int


class StatsOps(GraphStore):
    def graph_counts(self) -> GraphCounts:
        return GraphCounts(**self.read("graph_counts")[0])

    def node_coverage(self, run_id: str | None) -> NodeCoverage:
        """Of one run's stored concept sets, or of all runs' when ``run_id`` is None."""
        return NodeCoverage(**self.read("coverage_nodes", run_id=run_id)[0])

    def edge_coverage(self, run_id: str | None) -> EdgeCoverage:
        """Of one run's walks, or of all runs' when ``run_id`` is None."""
        return EdgeCoverage(**self.read("coverage_edges", run_id=run_id)[0])

    def clear_graph(self) -> int:
        """Delete all data (schema records kept); returns the number of nodes deleted."""
        return int(self.write("clear_graph")[0]["deleted"])
