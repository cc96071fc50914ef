"""The graph views of ``kgsynth explore`` (the saved queries in ``cypher/explore/``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgsynth.graph.elements import GraphResult
from kgsynth.graph.store import GraphStore


@dataclass(frozen=True)
class ConceptName:
    """A concept's key and display name."""

    key: str
    name: str


class ExploreOps(GraphStore):
    def concept_graph(self, key: str, limit: int, documents: int) -> GraphResult:
        """A concept, its ``limit`` heaviest co-occurrence neighbours and ``documents``
        documents mentioning it; no rows when the concept does not exist."""
        return self.read_graph("explore/concept_view", key=key, limit=limit, documents=documents)

    def concept_set_graph(self, set_hash: str) -> GraphResult:
        """A concept set, what it includes, its reference documents and the co-occurrence
        edges among its elements."""
        return self.read_graph("explore/question_view", set_hash=set_hash)

    def document_graph(self, doc_id: str, limit: int) -> GraphResult:
        """A document, its topics and (up to ``limit``) key concepts."""
        return self.read_graph("explore/document_view", id=doc_id, limit=limit)

    def topic_graph(self, limit: int, edges: int) -> GraphResult:
        """The ``limit`` most connected topics and up to ``edges`` edges among them."""
        return self.read_graph("explore/topic_map", limit=limit, edges=edges)

    def coverage_graph(self, limit: int, edges: int) -> GraphResult:
        """The ``limit`` most documented concepts with their usage by concept sets."""
        return self.read_graph("explore/coverage_view", limit=limit, edges=edges)

    def merge_graph(self, limit: int) -> GraphResult:
        """Up to ``limit`` merges (ALIAS_OF), highest score first."""
        return self.read_graph("explore/merge_view", limit=limit)

    def busiest_concepts(self, limit: int) -> list[ConceptName]:
        """The concepts mentioned by most documents."""
        rows = self.read("explore/busiest_concepts", limit=limit)
        return [ConceptName(r["key"], r["name"]) for r in rows]

    def find_concepts(self, words: Sequence[str], limit: int) -> list[ConceptName]:
        """Concepts whose key contains one of ``words``."""
        rows = self.read("explore/find_concepts", words=list(words), limit=limit)
        return [ConceptName(r["key"], r["name"]) for r in rows]
