"""Sample's graph operations: walk starts and steps, used sets, reference documents, persisting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kgsynth.graph.store import GraphStore, Row

#: The query that performs one walk step of each phase.
_STEP_QUERIES = {
    "topic": "walk_topic_step",
    "topic_concept": "walk_topic_concept_step",
    "concept": "walk_concept_step",
}


@dataclass(frozen=True)
class SetKeys:
    """A concept set as reference ranking sees it: its hash and its distinct member keys."""

    hash: str
    topics: Sequence[str]
    concepts: Sequence[str]


@dataclass(frozen=True)
class Stepped:
    """Where walk number ``walk`` of a step request went."""

    walk: int
    key: str
    name: str


class SampleOps(GraphStore):
    def walk_topics(self) -> list[tuple[str, str]]:
        """(key, name) of every topic, in key order: the start nodes of the walks."""
        return [(r["key"], r["name"]) for r in self.read("walk_topics")]

    def walk_step(self, phase: str, walks: list[Row], params: dict[str, Any]) -> list[Stepped]:
        """One step of many walks in ``phase`` ("topic", "topic_concept" or "concept").
        ``walks``: {i, key, u, visited}; ``params``: epsilon, temperature, coverage_bias.
        No entry for a walk at a dead end."""
        rows = self.read(_STEP_QUERIES[phase], walks=walks, **params)
        return [Stepped(r["walk"], r["key"], r["name"]) for r in rows]

    def walk_export_nodes(self) -> list[Row]:
        """Every walkable node: label, key, name, uses (walk_export_nodes.cypher)."""
        return self.read("walk_export_nodes")

    def walk_export_edges(self) -> list[Row]:
        """Every walk edge once: a_label, a_key, b_label, b_key, count."""
        return self.read("walk_export_edges")

    def used_concept_sets(self, hashes: Sequence[str], run_id: str) -> set[str]:
        """Those of ``hashes`` that a run other than ``run_id`` sampled."""
        rows = self.read("used_concept_sets", hashes=list(hashes), run_id=run_id)
        return {r["hash"] for r in rows}

    def reference_documents(
        self, sets: Sequence[SetKeys], top_k: int
    ) -> dict[str, list[tuple[str, float]]]:
        """Per set hash, its top ``top_k`` documents as (id, Jaccard), best first (one query)."""
        rows = self.read(
            "reference_documents",
            sets=[
                {"hash": s.hash, "topics": list(s.topics), "concepts": list(s.concepts)}
                for s in sets
            ],
            top_k=top_k,
        )
        return {r["hash"]: list(zip(r["ids"], r["scores"], strict=True)) for r in rows}

    def write_concept_sets(self, run_id: str, rows: Iterable[Row], batch_size: int) -> int:
        """Persist a run's concept sets (idempotent), ``batch_size`` per transaction; returns
        how many rows were written."""
        return sum(self.write_batches("write_concept_sets", rows, batch_size, run_id=run_id))
