"""The saved Neo4j Browser queries in cypher/explore/, run on a small hand-built graph."""

from __future__ import annotations

import pytest

from kgsynth.graph import GraphRepository
from kgsynth.records import Document, Extraction
from kgsynth.stages.ingest.build import write_batch


def _pair(i: str, concepts: dict[str, tuple[str, ...]]) -> tuple[Document, Extraction]:
    doc = Document(id=i, text=f"text {i}", title=f"Title {i}", source="test")
    return doc, Extraction(i, "College", "Maths", concepts)


@pytest.fixture
def small_graph(graph: GraphRepository) -> GraphRepository:
    write_batch(
        graph,
        [
            _pair("d1", {"Geometry": ("Pythagorean theorem", "Right triangle", "Hypotenuse")}),
            _pair("d2", {"Geometry": ("Pythagorean theorem", "Right triangle")}),
            _pair("d3", {"Trigonometry": ("Sine", "Right triangle")}),
        ],
    )
    graph.write(
        "start_run", id="sample-test", kind="sample", started_at="2026-11-21T00:00:00+00:00",
        params='{"epochs": 1}', seed=3, model=None,
    )  # fmt: skip
    graph.write(
        "write_concept_sets",
        run_id="sample-test",
        rows=[{
            "hash": "h1", "name": "Geometry | Pythagorean theorem, Right triangle", "size": 3,
            "topics": [{"key": "geometry", "pos": 0}],
            "concepts": [{"key": "pythagorean theorem", "pos": 1},
                         {"key": "right triangle", "pos": 2}],
            "refs": [{"id": "d2", "rank": 1, "jaccard": 1.0},
                     {"id": "d1", "rank": 2, "jaccard": 0.75}],
        }],
    )  # fmt: skip
    return graph


def test_concept_neighbourhood(small_graph: GraphRepository) -> None:
    rows = small_graph.read("explore/concept_neighbourhood", key="right triangle", limit=10)
    got = {(r["neighbour"], r["kind"]): r["count"] for r in rows}
    assert got == {
        ("Pythagorean theorem", "Concept"): 2,
        ("Geometry", "Topic"): 2,
        ("Hypotenuse", "Concept"): 1,
        ("Sine", "Concept"): 1,
        ("Trigonometry", "Topic"): 1,
    }
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)
    assert (
        small_graph.read("explore/concept_neighbourhood", key="right triangle", limit=2)[0][
            "documents"
        ]
        == 2
    )


def test_question_sources(small_graph: GraphRepository) -> None:
    rows = small_graph.read("explore/question_sources", set_hash="h1")
    assert [(r["document_id"], r["rank"], r["jaccard"]) for r in rows] == [
        ("d2", 1, 1.0), ("d1", 2, 0.75)
    ]  # fmt: skip
    assert rows[0]["elements"] == ["Geometry", "Pythagorean theorem", "Right triangle"]


def test_top_concepts_per_topic(small_graph: GraphRepository) -> None:
    rows = small_graph.read("explore/top_concepts_per_topic", per_topic=2)
    geometry = [(r["concept"], r["count"]) for r in rows if r["topic"] == "Geometry"]
    assert geometry == [("Pythagorean theorem", 2), ("Right triangle", 2)]
    assert [r["concept"] for r in rows if r["topic"] == "Trigonometry"] == [
        "Right triangle", "Sine"
    ]  # fmt: skip


def test_run_usage(small_graph: GraphRepository) -> None:
    rows = small_graph.read("explore/run_usage", run_id="sample-test")
    assert {r["element"] for r in rows} == {"Geometry", "Pythagorean theorem", "Right triangle"}
    assert all(r["sets"] == 1 and r["uses"] == 1 and r["seed"] == 3 for r in rows)


def test_unused_concepts(small_graph: GraphRepository) -> None:
    rows = small_graph.read("explore/unused_concepts", limit=10)
    assert [(r["concept"], r["documents"]) for r in rows] == [("Hypotenuse", 1), ("Sine", 1)]


def test_cooccurrence_counts_listing(small_graph: GraphRepository) -> None:
    rows = small_graph.read("explore/cooccurrence_counts")
    assert rows[0]["count"] == max(r["count"] for r in rows)
    assert ("Concept:pythagorean theorem", "Concept:right triangle", 2) in {
        (r["a"], r["b"], r["count"]) for r in rows
    }
