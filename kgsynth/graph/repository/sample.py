"""Sample's graph operations: used sets, reference documents (the in-database form), persisting.
The walk's own operations are in :mod:`kgsynth.graph.repository.walk_arrays`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kgsynth.graph.store import GraphStore, Row


@dataclass(frozen=True)
class SetKeys:
    """A concept set as reference ranking sees it: its hash and its distinct member keys."""

    hash: str
    topics: Sequence[str]
    concepts: Sequence[str]


class SampleOps(GraphStore):
    def used_concept_sets(self, hashes: Sequence[str], run_id: str) -> set[str]:
        """Those of ``hashes`` that a run other than ``run_id`` sampled."""
        rows = self.read("used_concept_sets", hashes=list(hashes), run_id=run_id)
        return {r["hash"] for r in rows}

    def reference_documents(
        self, sets: Sequence[SetKeys], top_k: int
    ) -> dict[str, list[tuple[str, float]]]:
        """Per set hash, its top ``top_k`` documents as (id, Jaccard), best first (one query;
        the sample stage ranks in process, kgsynth.stages.sample.references, to the same
        result)."""
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
        """Persist concept sets (idempotent MERGE; for sets that may exist already),
        ``batch_size`` per transaction; returns how many rows were written."""
        return sum(self.write_batches("write_concept_sets", rows, batch_size, run_id=run_id))

    def existing_concept_sets(self, hashes: Sequence[str]) -> set[str]:
        """Those of ``hashes`` stored in the graph (by any run)."""
        return {r["hash"] for r in self.read("existing_concept_sets", hashes=list(hashes))}

    def create_concept_sets(self, run_id: str, rows: list[Row]) -> int:
        """CREATE sets not in the graph yet, with their links, in one transaction."""
        return int(self.write("create_concept_sets", run_id=run_id, rows=rows)[0]["written"])
