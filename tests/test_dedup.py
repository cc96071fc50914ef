"""Dedup against the real graph server: merge records, moved links, exact co-occurrence
counts, the persisted index, incremental runs, and undo.

Expected counts are computed here from the documents as written (with merged spellings mapped
to their survivor), never read back from what the code under test wrote.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import pytest

from kgsynth.config import Settings
from kgsynth.embed.index import IDS_FILE, INDEX_FILE, META_FILE, ConceptIndex
from kgsynth.graph import GraphRepository
from kgsynth.graph.repository import UndoneMerge
from kgsynth.keys import normalize_key
from kgsynth.records import Document, Extraction
from kgsynth.stages.dedup import (
    MergeNotFoundError,
    concept_links,
    list_merges,
    run_dedup,
    undo_merge,
)
from kgsynth.stages.ingest.build import write_batch

Pair = tuple[Document, Extraction]


def _doc(i: str, concepts: dict[str, tuple[str, ...]]) -> Pair:
    doc = Document(id=i, text=f"text of {i}", title=i.upper(), source=f"test:{i}")
    return doc, Extraction(doc_id=i, level="College", subject="Maths", concepts=concepts)


def _expected_edges(pairs: Sequence[Pair], alias_of: dict[str, str]) -> dict[tuple[str, str], int]:
    """CO_OCCURS counts from scratch: documents in which both ends occur."""
    counts: Counter[tuple[str, str]] = Counter()
    for _, ex in pairs:
        topics = sorted({normalize_key(t) for t in ex.concepts})
        raw = {normalize_key(n) for names in ex.concepts.values() for n in names}
        concepts = sorted({alias_of.get(k, k) for k in raw})
        counts.update((f"Topic:{a}", f"Topic:{b}") for a, b in combinations(topics, 2))
        counts.update((f"Topic:{t}", f"Concept:{c}") for t in topics for c in concepts)
        counts.update((f"Concept:{a}", f"Concept:{b}") for a, b in combinations(concepts, 2))
    return dict(counts)


def _edges(graph: GraphRepository) -> dict[tuple[str, str], int]:
    return {(r["a"], r["b"]): r["count"] for r in graph.read("explore/cooccurrence_counts")}


def _all_keys(pairs: Sequence[Pair]) -> list[str]:
    return sorted({normalize_key(n) for _, ex in pairs for ns in ex.concepts.values() for n in ns})


def _snapshot(graph: GraphRepository, keys: list[str]) -> tuple[Any, ...]:
    """Every count a merge touches: CO_OCCURS edges and each concept's links."""
    return _edges(graph), concept_links(graph, keys)


def _merge_rows(merges: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"alias": a, "survivor": s, "score": 0.95, "link_score": 0.96, "threshold": 0.9,
         "merged_at": "2026-01-01T00:00:00+00:00", "rule": "surface",
         "decided_by": "verifier", "reason": None}
        for a, s in merges
    ]  # fmt: skip


def _merge(graph: GraphRepository, merges: list[tuple[str, str]]) -> list[list[dict[str, Any]]]:
    """merge_concepts + recompute_concept_cooccurrence in one transaction, as the stage does."""
    done = graph.merge_concepts(_merge_rows(merges), sorted({s for _, s in merges}))
    return [done.merged, done.recounted]


# -- the queries, without a model ----------------------------------------------------------

SMALL = [
    _doc("d1", {"Algebra": ("Quadratic formula", "Discriminant"), "Geometry": ("Parabola",)}),
    _doc("d2", {"Algebra": ("quadratic formulas", "Discriminant")}),
    # both spellings in one document: after the merge it must count once
    _doc("d3", {"Algebra": ("Quadratic formula", "quadratic formulas"),
                "Geometry": ("quadratic formulas",)}),
]  # fmt: skip


def test_merge_moves_links_and_recounts_exactly(graph: GraphRepository) -> None:
    write_batch(graph, SMALL)
    keys = _all_keys(SMALL)
    before = _snapshot(graph, keys)
    assert before[0] == _expected_edges(SMALL, {})
    listed = graph.read("list_concepts_for_index")
    assert [r["key"] for r in listed] == keys
    cands = {r["key"]: r["docs"] for r in graph.read("list_merge_candidates", keys=keys)}
    assert cands == {"discriminant": 2, "parabola": 1, "quadratic formula": 2,
                     "quadratic formulas": 2}  # fmt: skip

    done, counted = _merge(graph, [("quadratic formulas", "quadratic formula")])
    assert done == [{"alias": "quadratic formulas", "survivor": "quadratic formula",
                     "mentions": 2, "listings": 2, "repointed": 0, "dropped": 4}]  # fmt: skip
    # quadratic formula: with discriminant, parabola; with topics algebra, geometry
    assert counted == [{"concepts": 1, "concept_edges": 2, "topic_edges": 2}]
    alias_of = {"quadratic formulas": "quadratic formula"}
    assert _edges(graph) == _expected_edges(SMALL, alias_of)
    assert _edges(graph)[("Topic:algebra", "Concept:quadratic formula")] == 3  # d3 once

    links = {r["key"]: r for r in concept_links(graph, keys)}
    assert links["quadratic formulas"]["merged_into"] == "quadratic formula"
    assert links["quadratic formulas"]["mentions"] == links["quadratic formulas"]["listings"] == []
    assert links["quadratic formula"]["mentions"] == [
        {"doc": "d1", "keys": ["quadratic formula"]},
        {"doc": "d2", "keys": ["quadratic formulas"]},
        {"doc": "d3", "keys": ["quadratic formula", "quadratic formulas"]},
    ]
    assert links["quadratic formula"]["listings"] == [
        {"topic": "algebra", "count": 4}, {"topic": "geometry", "count": 1}
    ]  # fmt: skip
    assert [r["key"] for r in graph.read("list_concepts_for_index")] == [
        "discriminant", "parabola", "quadratic formula"
    ]  # fmt: skip
    assert [r["key"] for r in graph.read("list_merge_candidates", keys=keys)] == [
        "discriminant", "parabola", "quadratic formula"
    ]  # fmt: skip
    assert list_merges(graph) == [
        {"alias": "quadratic formulas", "alias_name": "quadratic formulas",
         "survivor": "quadratic formula", "survivor_name": "Quadratic formula",
         "score": 0.95, "link_score": 0.96, "threshold": 0.9,
         "merged_at": "2026-01-01T00:00:00+00:00", "rule": "surface", "reason": None,
         "decided_by": "verifier"}
    ]  # fmt: skip
    assert graph.read("list_merges") == list_merges(graph)
    raw = graph.read("list_concept_links", keys=["quadratic formulas", "absent"])
    assert [(r["key"], r["name"], r["merged_into"]) for r in raw] == [
        ("quadratic formulas", "quadratic formulas", "quadratic formula")
    ]
    # a second identical merge finds the alias already merged and does nothing
    assert _merge(graph, [("quadratic formulas", "quadratic formula")])[0] == []

    undone = graph.undo_merge("quadratic formulas", "quadratic formula")
    assert undone is not None
    assert dataclasses.replace(undone, recounted=[]) == UndoneMerge(
        alias="quadratic formulas", alias_name="quadratic formulas",
        survivor="quadratic formula", mentions=2, listings=2, recounted=[],
    )  # fmt: skip
    assert undone.recounted[0]["concepts"] == 2
    assert _snapshot(graph, keys) == before
    assert list_merges(graph) == []
    assert graph.undo_merge("quadratic formulas", "quadratic formula") is None


CHAIN = [
    _doc("d1", {"X": ("a", "b", "t", "o")}),
    _doc("d2", {"X": ("a",), "Y": ("b", "o")}),
    _doc("d3", {"Y": ("t", "b")}),
    _doc("d4", {"Z": ("c", "a", "t")}),
]


def test_chained_merge_repoints_aliases_and_undoes_exactly(graph: GraphRepository) -> None:
    write_batch(graph, CHAIN)
    keys = _all_keys(CHAIN)
    before = _snapshot(graph, keys)
    first, _ = _merge(graph, [("b", "a"), ("c", "a")])
    assert [(r["alias"], r["mentions"], r["listings"]) for r in first] == [
        ("b", 3, 2), ("c", 1, 1)
    ]  # fmt: skip
    second, _ = _merge(graph, [("a", "t")])
    assert second[0]["repointed"] == 2  # b and c now point at t directly
    assert {(m["alias"], m["survivor"]) for m in list_merges(graph)} == {
        ("a", "t"), ("b", "t"), ("c", "t")
    }  # fmt: skip
    assert graph.read("resolve_aliases", keys=["a", "b", "c"]) == [
        {"key": "a", "survivor": "t"}, {"key": "b", "survivor": "t"},
        {"key": "c", "survivor": "t"},
    ]  # fmt: skip
    assert _edges(graph) == _expected_edges(CHAIN, {"a": "t", "b": "t", "c": "t"})
    listings = {r["key"]: r["listings"] for r in concept_links(graph, ["t"])}
    assert listings["t"] == [{"topic": "x", "count": 4}, {"topic": "y", "count": 3},
                             {"topic": "z", "count": 3}]  # fmt: skip

    # undo a alone: a gets back only what was its own; b and c stay merged into t
    graph.undo_merge("a", "t")
    assert _edges(graph) == _expected_edges(CHAIN, {"b": "t", "c": "t"})
    links = {r["key"]: r for r in concept_links(graph, ["a", "t"])}
    assert links["a"]["listings"] == [{"topic": "x", "count": 2}, {"topic": "z", "count": 1}]
    assert links["t"]["listings"] == [{"topic": "x", "count": 2}, {"topic": "y", "count": 3},
                                      {"topic": "z", "count": 2}]  # fmt: skip
    graph.undo_merge("b", "t")
    graph.undo_merge("c", "t")
    assert _snapshot(graph, keys) == before


# -- the stage, with the packaged model ----------------------------------------------------

FIRST = [
    _doc("d1", {"Geometry": ("Pythagorean theorem", "Hypotenuse"),
                "Algebra": ("Quadratic formula",)}),
    _doc("d2", {"Geometry": ("pythagoras theorem", "Right triangle")}),
    # two spellings of one concept in one document
    _doc("d3", {"Geometry": ("Pythagorean theorem", "Pythagorean Theorem."),
                "Physics": ("Newton's second law",)}),
    _doc("d4", {"Algebra": ("Quadratic Formula.", "Discriminant"),
                "Physics": ("Newton's third law",)}),
    _doc("d5", {"Biology": ("Photosynthesis", "Chlorophyll")}),
]  # fmt: skip
# Only surface variants merge: "pythagorean theorem" has 2 documents, its dotted spelling 1;
# the two quadratic spellings tie on 1 document, so the shorter name wins. "pythagoras
# theorem" is a different word form: queued for review, not merged. Newton's second/third
# law score 0.86: no pair.
FIRST_MERGES = {
    "pythagorean theorem.": "pythagorean theorem",
    "quadratic formula.": "quadratic formula",
}
SECOND = [
    _doc("d6", {"Geometry": ("Pythagorean theorems", "Hypotenuse")}),
    _doc("d7", {"Biology": ("Cell membrane", "Photosynthesis")}),
    _doc("d8", {"Biology": ("Cell membranes",)}),
]
SECOND_MERGES = {"pythagorean theorems": "pythagorean theorem", "cell membranes": "cell membrane"}


@pytest.mark.model
def test_run_dedup_merges_by_rule_and_keeps_counts_exact(
    graph: GraphRepository, settings: Settings
) -> None:
    write_batch(graph, FIRST)
    progress: list[tuple[str, int, int]] = []
    report = run_dedup(graph, settings, on_progress=lambda *a: progress.append(a))
    assert (report.embedded, report.merged, report.clusters) == (12, 2, 2)
    assert report.candidate_pairs == 4  # the three pythagoras spellings pairwise + quadratic
    assert (report.queued, report.blocked, report.kept_apart) == (1, 0, 0)
    assert report.index_size == 10 and report.rebuilt
    assert ("embed", 12, 12) in progress and ("merge", 2, 2) in progress

    merges = list_merges(graph)
    assert {m["alias"]: m["survivor"] for m in merges} == FIRST_MERGES
    for m in merges:
        assert m["threshold"] == 0.9 and m["link_score"] >= 0.9 and 0.9 <= m["score"] <= 1.0
        assert (m["rule"], m["decided_by"]) == ("surface", "verifier")
    queued = graph.review_queue()
    assert [(p.a, p.b, p.rule) for p in queued] == [
        ("pythagoras theorem", "pythagorean theorem", "different_words")
    ]
    assert queued[0].a_docs == ("D2",) and queued[0].b_docs == ("D1", "D3")
    assert _edges(graph) == _expected_edges(FIRST, FIRST_MERGES)
    assert _edges(graph)[("Concept:hypotenuse", "Concept:pythagorean theorem")] == 1
    assert _edges(graph)[("Topic:geometry", "Concept:pythagorean theorem")] == 2  # d3 once
    mentions = concept_links(graph, ["pythagorean theorem"])[0]["mentions"]
    assert mentions == [
        {"doc": "d1", "keys": ["pythagorean theorem"]},
        {"doc": "d3", "keys": ["pythagorean theorem", "pythagorean theorem."]},
    ]
    counts = graph.read("graph_counts")[0]
    assert (counts["concepts"], counts["merged_concepts"]) == (10, 2)

    # the index is persisted beside the graph, tied to its id
    graph_id = graph.ensure_graph_id()
    assert report.index_path == settings.home / "index" / graph_id
    assert all((report.index_path / f).is_file() for f in (INDEX_FILE, IDS_FILE, META_FILE))
    meta = json.loads((report.index_path / META_FILE).read_text())
    assert (meta["graph_id"], meta["model"], meta["count"], meta["dim"], meta["threshold"]) == (
        graph_id, "all-MiniLM-L6-v2", 10, 384, 0.9
    )  # fmt: skip
    index = ConceptIndex.load(report.index_path, graph_id, "all-MiniLM-L6-v2")
    assert index is not None and "pythagorean theorem" in index
    assert "pythagorean theorem." not in index  # aliases leave the index

    again = run_dedup(graph, settings)
    assert (again.embedded, again.merged, again.candidate_pairs, again.rebuilt) == (0, 0, 0, False)
    assert graph.review_counts().queued == 1


@pytest.mark.model
def test_incremental_run_embeds_only_new_concepts(
    graph: GraphRepository, settings: Settings
) -> None:
    write_batch(graph, FIRST)
    run_dedup(graph, settings)
    write_batch(graph, SECOND)  # resolve_aliases maps known alias spellings on ingest
    report = run_dedup(graph, settings)
    # new: pythagorean theorems, cell membrane, cell membranes
    assert (report.embedded, report.merged, report.rebuilt) == (3, 2, False)
    merges = {m["alias"]: m["survivor"] for m in list_merges(graph)}
    assert merges == {**FIRST_MERGES, **SECOND_MERGES}
    alias_of = {**FIRST_MERGES, **SECOND_MERGES}
    assert _edges(graph) == _expected_edges(FIRST + SECOND, alias_of)

    rebuilt = run_dedup(graph, settings, rebuild=True)
    assert (rebuilt.embedded, rebuilt.merged, rebuilt.rebuilt) == (11, 0, True)
    assert rebuilt.index_size == 11 and rebuilt.queued == 1  # the pythagoras pair, once


@pytest.mark.model
def test_undo_restores_pre_merge_counts(graph: GraphRepository, settings: Settings) -> None:
    write_batch(graph, FIRST)
    keys = _all_keys(FIRST)
    before = _snapshot(graph, keys)
    run_dedup(graph, settings)
    assert _snapshot(graph, keys) != before
    for alias in FIRST_MERGES:
        undone = undo_merge(graph, settings, alias)
        assert undone.survivor == FIRST_MERGES[alias] and undone.mentions == 1
    assert _snapshot(graph, keys) == before
    assert list_merges(graph) == []
    with pytest.raises(MergeNotFoundError):
        undo_merge(graph, settings, "Pythagorean Theorem.")
    # the undone concepts are back in the index, so an incremental run leaves them apart
    report = run_dedup(graph, settings)
    assert (report.embedded, report.merged, report.index_size) == (0, 0, 12)
    # an undo is a keep-apart decision: even a rebuild, which finds the pairs again, keeps it
    assert graph.review_counts().kept_apart == 2
    rebuilt = run_dedup(graph, settings, rebuild=True)
    assert (rebuilt.merged, rebuilt.kept_apart) == (0, 2)
    assert _snapshot(graph, keys) == before
