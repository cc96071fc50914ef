"""The typed graph repository: one method per graph operation, each backed by its .cypher file.

:class:`GraphRepository` is a :class:`~kgsynth.graph.store.GraphStore` composed of one mixin per
area. A mixin is a ``GraphStore`` subclass in its own module (``class <Area>Ops(GraphStore)``)
whose methods call ``self.read`` / ``self.write`` / ``self.write_many`` with a catalogued query
name and return plain typed values or small frozen dataclasses. To add an area, write its module
and add its class to the bases below. Only this package names queries; stages, the CLI and
analysis call the methods.
"""

from __future__ import annotations

from kgsynth.graph.repository.benchmarks import BenchmarkItemKeys, BenchmarkOps, BenchmarkSummary
from kgsynth.graph.repository.cooccurrence import CooccurrenceOps
from kgsynth.graph.repository.dedup import DedupOps, MergedBatch, UndoneMerge
from kgsynth.graph.repository.explore import ConceptName, ExploreOps
from kgsynth.graph.repository.generate import GenerateOps
from kgsynth.graph.repository.ingest import IngestBatch, IngestOps
from kgsynth.graph.repository.migrations import MigrationOps
from kgsynth.graph.repository.review import QueuedPair, ReviewCounts, ReviewOps
from kgsynth.graph.repository.runs import RunOps
from kgsynth.graph.repository.sample import SampleOps
from kgsynth.graph.repository.statistics import (
    DegreeCount,
    GraphEdge,
    GraphNode,
    Ranked,
    StatisticsOps,
)
from kgsynth.graph.repository.stats import EdgeCoverage, GraphCounts, NodeCoverage, StatsOps
from kgsynth.graph.repository.walk_arrays import WalkArrayOps
from kgsynth.graph.store import GraphStore


class GraphRepository(
    IngestOps,
    CooccurrenceOps,
    DedupOps,
    ReviewOps,
    SampleOps,
    WalkArrayOps,
    GenerateOps,
    RunOps,
    StatsOps,
    ExploreOps,
    StatisticsOps,
    MigrationOps,
    BenchmarkOps,
    GraphStore,
):
    """The graph as kgsynth uses it: every named operation of every area."""


__all__ = [
    "BenchmarkItemKeys",
    "BenchmarkSummary",
    "ConceptName",
    "DegreeCount",
    "EdgeCoverage",
    "GraphCounts",
    "GraphEdge",
    "GraphNode",
    "GraphRepository",
    "IngestBatch",
    "MergedBatch",
    "NodeCoverage",
    "QueuedPair",
    "ReviewCounts",
    "Ranked",
    "UndoneMerge",
]
