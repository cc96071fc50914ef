"""Dedup building blocks: union-find clustering, the survivor rule, the FAISS concept index,
the packaged encoder."""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from bench.bench_dedup import cluster_ids, cluster_names
from kgsynth.config import DedupConfig
from kgsynth.embed.cluster import (
    Candidate,
    UnionFind,
    choose_survivor,
    clusters_from_pairs,
    plan_merges,
)
from kgsynth.embed.index import (
    IDS_FILE,
    INDEX_FILE,
    META_FILE,
    ConceptIndex,
    index_dir,
)
from kgsynth.embed.search import knn_above, range_above
from kgsynth.stages.dedup.candidates import Pairs, similar_pairs

if TYPE_CHECKING:
    from kgsynth.embed.encoder import Encoder

# -- clustering --------------------------------------------------------------------------


def test_union_find_joins_transitively() -> None:
    uf = UnionFind(5)
    assert uf.union(0, 1) and uf.union(3, 1)
    assert not uf.union(0, 3)  # already one set
    assert uf.find(0) == uf.find(3) != uf.find(2)


def test_clusters_are_components_of_size_two_or_more() -> None:
    pairs = [(0, 1), (1, 2), (5, 4), (7, 7)]  # 7-7 is a self pair, not a cluster
    assert clusters_from_pairs(8, pairs) == [[0, 1, 2], [4, 5]]
    assert clusters_from_pairs(3, []) == []


def test_clusters_do_not_depend_on_pair_order() -> None:
    rng = random.Random(7)
    pairs = [(rng.randrange(300), rng.randrange(300)) for _ in range(250)]
    expected = clusters_from_pairs(300, pairs)
    assert len(expected) > 10
    for _ in range(5):
        shuffled = [(b, a) if rng.random() < 0.5 else (a, b) for a, b in pairs]
        rng.shuffle(shuffled)
        assert clusters_from_pairs(300, shuffled) == expected


def test_survivor_rule_docs_then_shorter_name_then_key() -> None:
    most_docs = [Candidate("b", "Pythagoras theorem", 3), Candidate("a", "Pythagoras", 1)]
    assert choose_survivor(most_docs).key == "b"  # more documents beat a shorter name
    tie_docs = [Candidate("x.", "Quadratic Formula.", 2), Candidate("x", "Quadratic formula", 2)]
    assert choose_survivor(tie_docs).key == "x"  # same documents: shorter name
    tie_all = [Candidate("q2", "Abc", 2), Candidate("q1", "Xyz", 2)]
    assert choose_survivor(tie_all).key == "q1"  # same documents and length: smaller key
    with pytest.raises(ValueError):
        choose_survivor([])


def test_plan_is_the_same_for_shuffled_input() -> None:
    rng = random.Random(3)
    cands = {
        f"k{i}": Candidate(f"k{i}", "n" * rng.randint(3, 6), rng.randint(1, 3)) for i in range(60)
    }
    clusters = [[f"k{i}" for i in range(s, s + 4)] for s in range(0, 60, 4)]
    expected = plan_merges(clusters, cands)
    assert len(expected) == 15 * 3
    survivors = {s for _, s in expected}
    assert len(survivors) == 15 and not survivors & {a for a, _ in expected}
    for _ in range(5):
        shuffled = [rng.sample(c, len(c)) for c in clusters]
        rng.shuffle(shuffled)
        items = list(cands.items())
        rng.shuffle(items)
        assert plan_merges(shuffled, dict(items)) == expected


def test_plan_skips_members_no_longer_candidates() -> None:
    cands = {"a": Candidate("a", "A", 1), "b": Candidate("b", "B", 2)}
    assert plan_merges([["a", "gone"], ["a", "b", "gone"]], cands) == [("a", "b")]


def test_cluster_ids_keeps_sparse_ids_and_is_order_independent() -> None:
    lo, hi = np.array([10, 40, 7]), np.array([40, 99, 8])
    pairs = Pairs(lo, hi, np.array([0.95, 0.91, 0.93], dtype=np.float32))
    assert cluster_ids(pairs) == [[7, 8], [10, 40, 99]]
    order = np.array([2, 0, 1])
    assert cluster_ids(Pairs(lo[order], hi[order], pairs.scores[order])) == [[7, 8], [10, 40, 99]]


# -- the FAISS index ---------------------------------------------------------------------


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = rows.astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _planted(n_base: int, copies: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    """n_base random directions, each with ``copies`` slightly perturbed copies."""
    rng = np.random.default_rng(seed)
    base = _unit(rng.normal(size=(n_base, dim)))
    noise = rng.normal(scale=0.03, size=(n_base * copies, dim))
    return _unit(np.repeat(base, copies, axis=0) + noise)


def test_index_search_finds_pairs_above_threshold(tmp_path: Path) -> None:
    vectors = _planted(20, 3)
    index = ConceptIndex(tmp_path, "g1", "m", vectors.shape[1])
    ids = index.add([f"c{i}" for i in range(len(vectors))], vectors)
    pairs = similar_pairs(index, ids, vectors, threshold=0.9)
    brute = vectors @ vectors.T
    expected = {(i, j) for i in range(60) for j in range(i + 1, 60) if brute[i, j] >= 0.9}
    assert set(zip(pairs.lo.tolist(), pairs.hi.tolist(), strict=True)) == expected
    assert len(expected) == 60  # each triple of copies: 3 pairs
    assert cluster_ids(pairs) == [[3 * b, 3 * b + 1, 3 * b + 2] for b in range(20)]


def test_knn_search_equals_range_search_even_past_first_k() -> None:
    import faiss

    vectors = np.concatenate([_planted(1, 40, seed=1), _planted(30, 2, seed=2)])
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64) * 3)
    for threshold in (0.9, 0.97):
        r_rows, r_ids, _ = range_above(index, vectors, threshold)
        k_rows, k_ids, _ = knn_above(index, vectors, threshold, k=4)
        expected = set(zip(r_rows.tolist(), r_ids.tolist(), strict=True))
        assert set(zip(k_rows.tolist(), k_ids.tolist(), strict=True)) == expected
    rows_09 = range_above(index, vectors, 0.9)[0]
    assert np.bincount(rows_09)[0] == 40  # a 40-member cluster: more than the first k


def test_range_search_includes_a_score_equal_to_the_threshold() -> None:
    import faiss

    index = faiss.IndexIDMap2(faiss.IndexFlatIP(2))
    index.add_with_ids(np.array([[0.6, 0.8]], dtype=np.float32), np.array([5], dtype=np.int64))
    query = np.array([[1.0, 0.0]], dtype=np.float32)
    score = float(np.float32(0.6))
    assert range_above(index, query, score)[1].tolist() == [5]
    assert knn_above(index, query, score)[1].tolist() == [5]


def test_index_saves_atomically_and_loads_back(tmp_path: Path) -> None:
    directory = index_dir(tmp_path, "graph-a")
    vectors = _planted(5, 2)
    index = ConceptIndex(directory, "graph-a", "model-x", vectors.shape[1])
    index.add([f"k{i}" for i in range(10)], vectors)
    assert index.remove(["k3", "k4", "missing"]) == 2
    index.threshold = 0.9
    index.save()
    assert sorted(p.name for p in directory.iterdir()) == sorted([INDEX_FILE, IDS_FILE, META_FILE])
    meta = json.loads((directory / META_FILE).read_text())
    assert meta == {"graph_id": "graph-a", "model": "model-x", "dim": 32, "count": 8,
                    "threshold": 0.9, "format": 1}  # fmt: skip
    loaded = ConceptIndex.load(directory, "graph-a", "model-x")
    assert loaded is not None and len(loaded) == 8 and "k3" not in loaded
    assert loaded.threshold == 0.9
    np.testing.assert_allclose(loaded.vectors([loaded.id_of("k9")])[0], vectors[9], atol=1e-6)
    new_ids = loaded.add(["k10"], vectors[:1])
    assert new_ids.tolist() == [10]  # ids are never reused


def test_index_for_another_graph_or_model_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    vectors = _planted(2, 2)
    ConceptIndex(tmp_path, "graph-a", "model-x", 32).save()
    index = ConceptIndex(tmp_path, "graph-a", "model-x", 32)
    index.add(["a", "b", "c", "d"], vectors)
    index.save()
    with caplog.at_level(logging.WARNING, logger="kgsynth.embed.index"):
        assert ConceptIndex.load(tmp_path, "graph-b", "model-x") is None
        assert ConceptIndex.load(tmp_path, "graph-a", "model-y") is None
    assert "belongs to graph graph-a" in caplog.text and "model 'model-x'" in caplog.text
    assert ConceptIndex.load(tmp_path / "absent", "graph-a", "model-x") is None


def test_index_whose_files_disagree_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = ConceptIndex(tmp_path, "g", "m", 32)
    index.add(["a", "b"], _planted(1, 2))
    index.save()
    ids = json.loads((tmp_path / IDS_FILE).read_text())
    ids["ids"], ids["keys"] = ids["ids"][:1], ids["keys"][:1]
    (tmp_path / IDS_FILE).write_text(json.dumps(ids))
    with caplog.at_level(logging.WARNING, logger="kgsynth.embed.index"):
        assert ConceptIndex.load(tmp_path, "g", "m") is None
    assert "inconsistent" in caplog.text


# -- the packaged model ------------------------------------------------------------------


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    from kgsynth.embed.encoder import Encoder

    return Encoder(DedupConfig())


@pytest.mark.model
def test_encoder_gives_unit_float32_rows(encoder: Encoder) -> None:
    names = ["Pythagorean theorem", "Pythagorean Theorem.", "Photosynthesis"]
    vectors = encoder.encode(names)
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384) == (3, encoder.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] >= 0.95 > vectors[0] @ vectors[2]
    seen: list[tuple[int, int]] = []
    again = encoder.encode(names, on_progress=lambda d, t: seen.append((d, t)))
    np.testing.assert_allclose(again, vectors, atol=1e-5)
    assert seen == [(3, 3)]


@pytest.mark.model
def test_cluster_names_finds_spelling_variants(encoder: Encoder) -> None:
    names = ["Quadratic formula", "Cell membrane", "Quadratic Formula.", "Newton's second law",
             "Cell membranes", "Newton's third law", "Photosynthesis"]  # fmt: skip
    assert cluster_names(names, DedupConfig(threshold=0.9), encoder)[0] == [[0, 2], [1, 4]]
    shuffled = [names[i] for i in (6, 4, 2, 0, 5, 3, 1)]
    assert cluster_names(shuffled, DedupConfig(threshold=0.9), encoder)[0] == [[1, 6], [2, 3]]


def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    from kgsynth.embed.encoder import Encoder
    from kgsynth.errors import ModelError

    with pytest.raises(ModelError, match="not a folder"):
        Encoder(DedupConfig(model=str(tmp_path / "nope"))).encode(["x"])
