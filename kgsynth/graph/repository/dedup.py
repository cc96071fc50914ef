"""Dedup's graph operations: the concepts to index, merges, their review and their undo."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kgsynth.embed.cluster import Candidate
from kgsynth.graph.store import GraphStore, Row


@dataclass(frozen=True)
class MergedBatch:
    """What one merge transaction did: a row per merge made (alias, survivor, mentions,
    listings, repointed, dropped; a planned merge whose alias or survivor was missing or
    already merged has none) and the recount's row (concepts, concept_edges, topic_edges)."""

    merged: list[Row]
    recounted: list[Row]

    @property
    def aliases(self) -> list[str]:
        return [r["alias"] for r in self.merged]


@dataclass(frozen=True)
class UndoneMerge:
    """One undone merge: the alias (key and display name), its survivor, the links the alias
    got back, and the recount's row."""

    alias: str
    alias_name: str
    survivor: str
    mentions: int
    listings: int
    recounted: list[Row]


class DedupOps(GraphStore):
    def ensure_graph_id(self) -> str:
        """The graph's identity (created on first call); the saved index records it."""
        return str(self.write("ensure_graph_id", new_id=uuid.uuid4().hex)[0]["id"])

    def concepts_for_index(self) -> dict[str, str]:
        """Key -> display name of every concept not merged into another, in key order."""
        return {r["key"]: r["name"] for r in self.read("list_concepts_for_index")}

    def merge_candidates(self, keys: Sequence[str]) -> list[Candidate]:
        """Name and mentioning-document count of those ``keys`` that exist unmerged."""
        rows = self.read("list_merge_candidates", keys=list(keys))
        return [Candidate(r["key"], r["name"], int(r["docs"])) for r in rows]

    def merge_concepts(
        self, rows: list[Row], survivors: list[str], dequeue: Sequence[str] = ()
    ) -> MergedBatch:
        """Merge aliases into survivors, recount the survivors' co-occurrences and take the
        review-queue pairs ``dequeue`` (ids) out of the queue, in ONE transaction. ``rows``:
        {alias, survivor, score, link_score, threshold, merged_at, rule, reason, decided_by}."""
        steps: list[tuple[str, dict[str, Any]]] = [
            ("merge_concepts", {"rows": rows}),
            ("recompute_concept_cooccurrence", {"keys": survivors}),
        ]
        if dequeue:
            steps.append(("drop_review_pairs", {"ids": list(dequeue)}))
        done, counted, *_ = self.write_many(steps)
        return MergedBatch(done, counted)

    def resolve_aliases(self, keys: Sequence[str]) -> dict[str, str]:
        """Alias key -> survivor key, for those ``keys`` that were merged into another."""
        return {r["key"]: r["survivor"] for r in self.read("resolve_aliases", keys=list(keys))}

    def list_merges(self) -> list[Row]:
        """Every merge record (fields as in list_merges.cypher), oldest first."""
        return self.read("list_merges")

    def concept_links(self, keys: Sequence[str]) -> list[Row]:
        """Per existing key: key, name, merged_into, mentions, listings (list_concept_links)."""
        return self.read("list_concept_links", keys=list(keys))

    def undo_merge(
        self, alias: str, survivor: str, keep_apart: Row | None = None
    ) -> UndoneMerge | None:
        """Undo the merge of ``alias`` into ``survivor``, record ``keep_apart`` (a
        keep_apart.cypher row) and recount both, in ONE transaction; None when ``alias`` was
        not merged into ``survivor``."""
        steps: list[tuple[str, dict[str, Any]]] = [
            ("undo_merge", {"alias": alias, "survivor": survivor})
        ]
        if keep_apart is not None:
            steps.append(("keep_apart", {"rows": [keep_apart]}))
        steps.append(("recompute_concept_cooccurrence", {"keys": [alias, survivor]}))
        undone, *_, counted = self.write_many(steps)
        if not undone:
            return None
        row = undone[0]
        return UndoneMerge(
            row["alias"],
            row["alias_name"],
            row["survivor"],
            int(row["mentions"]),
            int(row["listings"]),
            counted,
        )
