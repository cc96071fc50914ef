"""Dedup's graph operations: the concepts to index, merges, their review and their undo."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from kgsynth.embed.cluster import Candidate
from kgsynth.graph.store import GraphStore, Row


@dataclass(frozen=True)
class MergedBatch:
    """What one merge transaction did: the aliases merged (a planned merge whose alias or
    survivor was missing or already merged is left out) and the recount's row(s)."""

    aliases: list[str]
    recounted: list[Row]


@dataclass(frozen=True)
class UndoneMerge:
    """One undone merge: the alias's display name and the links it got back."""

    alias_name: str
    mentions: int
    listings: int


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

    def merge_concepts(self, rows: list[Row], survivors: list[str]) -> MergedBatch:
        """Merge aliases into survivors and recount the survivors' co-occurrences, in ONE
        transaction. ``rows``: {alias, survivor, score, link_score, threshold, merged_at}."""
        done, counted = self.write_many(
            [
                ("merge_concepts", {"rows": rows}),
                ("recompute_concept_cooccurrence", {"keys": survivors}),
            ]
        )
        return MergedBatch([r["alias"] for r in done], counted)

    def resolve_aliases(self, keys: Sequence[str]) -> dict[str, str]:
        """Alias key -> survivor key, for those ``keys`` that were merged into another."""
        return {r["key"]: r["survivor"] for r in self.read("resolve_aliases", keys=list(keys))}

    def list_merges(self) -> list[Row]:
        """Every merge record (fields as in list_merges.cypher), oldest first."""
        return self.read("list_merges")

    def concept_links(self, keys: Sequence[str]) -> list[Row]:
        """Per existing key: key, name, merged_into, mentions, listings (list_concept_links)."""
        return self.read("list_concept_links", keys=list(keys))

    def undo_merge(self, alias: str, survivor: str) -> UndoneMerge | None:
        """Undo the merge of ``alias`` into ``survivor`` and recount both, in ONE transaction;
        None when ``alias`` was not merged into ``survivor``."""
        undone, _ = self.write_many(
            [
                ("undo_merge", {"alias": alias, "survivor": survivor}),
                ("recompute_concept_cooccurrence", {"keys": [alias, survivor]}),
            ]
        )
        if not undone:
            return None
        row = undone[0]
        return UndoneMerge(row["alias_name"], int(row["mentions"]), int(row["listings"]))
