"""Sample's graph operations: used sets and persisting.
The walk's own operations are in :mod:`kgsynth.graph.repository.walk_arrays`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kgsynth.graph.store import GraphStore, Row


class SampleOps(GraphStore):
    def used_concept_sets(self, hashes: Sequence[str], run_id: str) -> set[str]:
        """Those of ``hashes`` that a run other than ``run_id`` sampled."""
        rows = self.read("used_concept_sets", hashes=list(hashes), run_id=run_id)
        return {r["hash"] for r in rows}

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
