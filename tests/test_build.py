"""Graph build against the real server: nodes, links, co-occurrence counts, idempotence."""

from __future__ import annotations

from kgsynth.graph import GraphRepository
from kgsynth.records import Document, Extraction
from kgsynth.stages.ingest.build import batch_rows, write_batch
from kgsynth.stages.ingest.identity import DocumentIds


def _doc(i: str, concepts: dict[str, tuple[str, ...]]) -> tuple[Document, Extraction]:
    doc = Document(id=i, text=f"text of {i}", title=i.upper(), source=f"test:{i}")
    return doc, Extraction(doc_id=i, level="College", subject="Maths", concepts=concepts)


PAIRS = [
    _doc("d1", {"Algebra": ("Quadratic formula", "Discriminant"), "Geometry": ("Parabola",)}),
    _doc("d2", {"Algebra": ("quadratic  FORMULA", "Vieta's formulas")}),
    _doc("d3", {"Geometry": ("Parabola", "Focus"), "Algebra": ("Discriminant",)}),
]


def _edges(graph: GraphRepository) -> dict[tuple[str, str], int]:
    rows = graph.read("explore/cooccurrence_counts")
    return {(r["a"], r["b"]): r["count"] for r in rows}


def test_batch_rows_aggregates_listings_per_pair() -> None:
    rows = batch_rows(PAIRS, {})
    listed = {(r["topic"], r["concept"]): r["n"] for r in rows.listings}
    # "Discriminant" is listed under Algebra in d1 and d3
    assert listed[("algebra", "discriminant")] == 2
    assert not hasattr(rows, "concept_pairs")  # counted later, once per ingest
    # the first-seen spelling is the display name
    names = {r["key"]: r["name"] for r in rows.concepts}
    assert names["quadratic formula"] == "Quadratic formula"


def test_write_is_exact_and_idempotent(graph: GraphRepository) -> None:
    write_batch(graph, PAIRS)
    counts = graph.read("graph_counts")[0]
    assert (counts["documents"], counts["topics"], counts["concepts"]) == (3, 2, 5)
    edges = _edges(graph)
    assert edges[("Topic:algebra", "Topic:geometry")] == 2
    assert edges[("Topic:algebra", "Concept:quadratic formula")] == 2
    assert edges[("Concept:discriminant", "Concept:parabola")] == 2
    # ingest of the same documents again: all are repeats, nothing changes
    split = DocumentIds().split(graph, [p[0] for p in PAIRS])
    assert (split.fresh, split.repeats, split.conflicts) == ([], 3, [])
    assert graph.read("graph_counts")[0] == counts
    assert _edges(graph) == edges


def test_incremental_documents_add_to_counts(graph: GraphRepository) -> None:
    write_batch(graph, PAIRS[:2])
    write_batch(graph, PAIRS[2:])
    edges = _edges(graph)
    assert edges[("Concept:discriminant", "Concept:parabola")] == 2
    assert edges[("Topic:algebra", "Topic:geometry")] == 2
