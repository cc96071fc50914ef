"""Generate's graph reads: documents in id order, their texts and concepts, set concept links."""

from __future__ import annotations

from collections.abc import Sequence

from kgsynth.graph.store import GraphStore, Row


class GenerateOps(GraphStore):
    def document_ids(self) -> list[str]:
        """Every document id, in id order (shard i holds the same documents on every re-run)."""
        return [r["id"] for r in self.read("list_document_ids")]

    def document_texts(self, ids: Sequence[str]) -> dict[str, str]:
        """Id -> full text ("" when it has none) of those ``ids`` that exist."""
        return {r["id"]: r["text"] or "" for r in self.read("document_texts", ids=list(ids))}

    def document_concepts(self, ids: Sequence[str]) -> dict[str, Row]:
        """Id -> {id, topics: [{key, name}], concepts: [{key, name, topic}]} of existing ids."""
        return {r["id"]: r for r in self.read("document_concepts", ids=list(ids))}

    def concept_topic_links(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """(topic, concept) -> (times listed under the topic, documents with both), for the
        pairs whose two nodes exist."""
        rows = self.read(
            "concept_topic_links", pairs=[{"topic": t, "concept": c} for t, c in pairs]
        )
        return {(r["topic"], r["concept"]): (r["listed"], r["cooccurs"]) for r in rows}
