"""Dedup's review queue and keep-apart decisions (merges and undo: :mod:`.dedup`).

Records (see docs/dedup.md): ``(alias)-[:ALIAS_OF {score, rule, decided_by, reason, ...}]->
(survivor)`` for a merge; ``(a)-[:REVIEW_CANDIDATE {id, score, rule, detail, threshold,
queued_at}]->(b)`` for a pair waiting for review; ``(a)-[:KEEP_APART {score, decided_by,
reason, decided_at}]->(b)`` for a pair that must never be merged (``a`` the smaller key).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgsynth.graph.store import GraphStore, Row


@dataclass(frozen=True)
class QueuedPair:
    """One pair in the review queue."""

    id: str
    a: str
    a_name: str
    b: str
    b_name: str
    score: float
    rule: str
    detail: str
    queued_at: str
    a_docs: tuple[str, ...] = ()  # titles of documents that mention a (a few)
    b_docs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewCounts:
    queued: int  # pairs waiting for review
    kept_apart: int  # keep-apart decisions


class ReviewOps(GraphStore):
    """The review queue and keep-apart decisions."""

    def kept_apart_pairs(self) -> set[frozenset[str]]:
        """Every keep-apart decision as a pair of current (survivor) keys."""
        return {frozenset((r["a"], r["b"])) for r in self.read("list_keep_apart")}

    # -- the review queue and decisions ------------------------------------------------
    def queue_review_pairs(self, rows: list[Row]) -> int:
        """Queue undecided pairs (rows: see queue_review_pairs.cypher); returns how many are
        in the queue now (new or already there)."""
        return len(self.write("queue_review_pairs", rows=rows)) if rows else 0

    def review_queue(
        self, ids: Sequence[str] | None = None, limit: int = 1000, examples: int = 2
    ) -> list[QueuedPair]:
        """Queued pairs (all, or those with the given ids), best score first."""
        rows = self.read(
            "list_review_queue",
            ids=None if ids is None else list(ids),
            limit=limit,
            examples=examples,
        )
        return [
            QueuedPair(**{**r, "a_docs": tuple(r["a_docs"]), "b_docs": tuple(r["b_docs"])})
            for r in rows
        ]

    def keep_apart(self, rows: list[Row]) -> int:
        """Record keep-apart decisions (rows: see keep_apart.cypher); returns how many."""
        return len(self.write("keep_apart", rows=rows)) if rows else 0

    def review_counts(self) -> ReviewCounts:
        row = self.read("review_counts")[0]
        return ReviewCounts(int(row["queued"]), int(row["kept_apart"]))
