"""The typed repository returns exactly what its queries return, in today's shapes."""

from __future__ import annotations

from kgsynth.graph import GraphRepository
from kgsynth.graph.repository import GraphCounts
from kgsynth.keys import text_hash
from kgsynth.records import Document, Extraction
from kgsynth.stages.ingest.build import write_batch


def _doc(i: str, concepts: dict[str, tuple[str, ...]]) -> tuple[Document, Extraction]:
    doc = Document(id=i, text=f"text of {i}", title=i.upper(), source=f"test:{i}")
    return doc, Extraction(doc_id=i, level="College", subject="Maths", concepts=concepts)


PAIRS = [
    _doc("d1", {"Algebra": ("Quadratic formula", "Discriminant"), "Geometry": ("Parabola",)}),
    _doc("d2", {"Algebra": ("Discriminant",)}),
]


def test_graph_counts_as_dict_is_the_query_row(graph: GraphRepository) -> None:
    """Manifests and `kgsynth stats` print as_dict(): same keys, same order, same values."""
    write_batch(graph, PAIRS)
    raw = graph.read("graph_counts")[0]
    counts = graph.graph_counts()
    assert isinstance(counts, GraphCounts)
    assert list(counts.as_dict().items()) == list(raw.items())
    assert (counts.documents, counts.topics, counts.concepts, counts.concept_edges) == (2, 2, 3, 3)


def test_lookups_answer_only_for_what_exists(graph: GraphRepository) -> None:
    write_batch(graph, PAIRS)
    stored = graph.stored_text_hashes(["d2", "nope", "d1"])
    assert stored == {"d1": text_hash("text of d1"), "d2": text_hash("text of d2")}
    assert graph.stored_text_hashes([]) == {}
    assert graph.resolve_aliases(["discriminant", "nope"]) == {}
    assert graph.document_ids() == ["d1", "d2"]
    assert graph.document_texts(["d2", "nope"]) == {"d2": "text of d2"}
    assert graph.concepts_for_index() == {
        "discriminant": "Discriminant", "parabola": "Parabola",
        "quadratic formula": "Quadratic formula",
    }  # fmt: skip
    topics = [(n.key, n.name) for n in graph.walkable_nodes() if n.label == "Topic"]
    assert sorted(topics) == [("algebra", "Algebra"), ("geometry", "Geometry")]
    assert graph.clear_graph() > 0
    assert graph.graph_counts().documents == 0
