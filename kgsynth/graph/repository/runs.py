"""Run records: one (:Run) node per invocation of sample or generate."""

from __future__ import annotations

from kgsynth.graph.store import GraphStore


class RunOps(GraphStore):
    def start_run(
        self, run_id: str, kind: str, started_at: str, params: str, seed: int, model: str | None
    ) -> None:
        """Record a run's start (re-running with the same id keeps the first start).
        ``params`` is JSON text of the validated parameters."""
        self.write(
            "start_run",
            id=run_id,
            kind=kind,
            started_at=started_at,
            params=params,
            seed=seed,
            model=model,
        )

    def finish_run(self, run_id: str, finished_at: str, counts: str) -> None:
        """Mark a run finished with its counts (JSON text)."""
        self.write("finish_run", id=run_id, finished_at=finished_at, counts=counts)
