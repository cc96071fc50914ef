"""The sample stage on the real server: walks, concept sets, references, persistence, coverage.

Queries exercised here: walk_step (and the walk-array queries), used_concept_sets,
reference_documents (tests/cypher), write_concept_sets, create_concept_sets, existing_concept_sets,
coverage_nodes, coverage_edges (plus start_run, finish_run, graph_counts).
"""

from __future__ import annotations

import json
from itertools import combinations, pairwise

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kgsynth.analysis.coverage import coverage
from kgsynth.config import Settings, changed
from kgsynth.errors import InputError
from kgsynth.graph import GraphRepository
from kgsynth.keys import set_hash
from kgsynth.records import Document, Extraction
from kgsynth.runs import RunFolder
from kgsynth.stages.ingest.build import write_batch
from kgsynth.stages.sample import CandidateSet, SampleReport, run_sample
from kgsynth.stages.sample.arrays import ArrayStepper, ensure_walk_arrays
from kgsynth.stages.sample.references import ReferenceIndex
from kgsynth.stages.sample.walk import Node, Walk, epoch_draws, run_walks
from tests.graph_helpers import run_test_cypher

pytestmark = pytest.mark.graph

TOPICS = ["Algebra", "Geometry", "Calculus", "Probability", "Number Theory"]
IDEAS = [f"Idea {i:02d}" for i in range(12)]


def _doc(i: str, concepts: dict[str, tuple[str, ...]]) -> tuple[Document, Extraction]:
    doc = Document(id=i, text=f"text of {i}", title=i.upper(), source=f"test:{i}")
    return doc, Extraction(doc_id=i, level=None, subject=None, concepts=concepts)


def corpus() -> list[tuple[Document, Extraction]]:
    """One document per pair of topics, each with six distinct ideas (three per topic).

    So the topic graph is complete (K5) and every idea has at least five idea neighbours:
    no walk of the paper's lengths can meet a dead end.
    """
    docs = []
    for i, j in combinations(range(len(TOPICS)), 2):
        ideas = [IDEAS[(i + j + 2 * k) % len(IDEAS)] for k in range(6)]
        docs.append(_doc(f"p{i}{j}", {TOPICS[i]: tuple(ideas[:3]), TOPICS[j]: tuple(ideas[3:])}))
    return docs


# A topic with no topic neighbour whose only idea has no idea neighbour.
LONELY = _doc("lonely", {"Lonely Topic": ("Solo Idea",)})


def sample(
    graph: GraphRepository, settings: Settings, **changes: object
) -> tuple[SampleReport, pa.Table]:
    s = settings.updated(sample=changed(settings.sample, **changes)) if changes else settings
    run = RunFolder(s.runs_dir, "sample")
    report = run_sample(graph, s, run)
    return report, run.read_table("concept_sets")


def _sets(table: pa.Table) -> list[tuple[str, ...]]:
    return [tuple(p) for p in table.column("walk_path").to_pylist()]


# -- the walk ------------------------------------------------------------------------------


def test_walks_take_the_drawn_number_of_steps_without_revisits(
    graph: GraphRepository, settings: Settings
) -> None:
    write_batch(graph, corpus())
    cfg = settings.sample
    index = ensure_walk_arrays(graph, cfg)
    topics = index.topics
    assert [t.key for t in topics] == sorted(t.lower() for t in TOPICS)
    walks: list[Walk] = []
    for epoch in range(8):  # 40 walks, in one batch per epoch
        d = epoch_draws(cfg, epoch, len(topics))
        starts = [topics[i] for i in d.order]
        got = run_walks(ArrayStepper(graph, index), cfg, epoch, starts, d.topic_steps,
                        d.concept_steps, d.u)  # fmt: skip
        for w, t, c in zip(got, d.topic_steps, d.concept_steps, strict=True):
            assert (len(w.topics), len(w.concepts)) == (1 + t, 1 + c)
        walks += got
    assert not any(w.dead_end for w in walks)
    for w in walks:
        assert len(set(w.path)) == len(w.path), f"revisit in {w.path}"
        assert w.topics[0] == w.start
    # Both ends of both ranges occur: 2-3 topics and 4-5 key concepts per walk.
    assert {len(w.topics) for w in walks} == {2, 3}
    assert {len(w.concepts) for w in walks} == {4, 5}


def test_step_ranges_are_parameters(graph: GraphRepository, settings: Settings) -> None:
    write_batch(graph, corpus())
    report, table = sample(
        graph, settings, topic_steps_min=0, topic_steps_max=0, concept_steps_min=1,
        concept_steps_max=1, epochs=1,
    )  # fmt: skip
    assert report.walks == len(TOPICS) and report.dead_ends == 0
    assert {len(t) for t in table.column("topic_keys").to_pylist()} == {1}
    assert {len(c) for c in table.column("concept_keys").to_pylist()} == {2}


def test_dead_ends_end_the_phase_and_are_recorded(
    graph: GraphRepository, settings: Settings
) -> None:
    write_batch(graph, [*corpus(), LONELY])
    report, table = sample(graph, settings)
    rows = [r for r in table.to_pylist() if r["start_topic"] == "lonely topic"]
    # Five epochs start once each from the lonely topic: the same set, kept once.
    assert len(rows) == 1 and rows[0]["dead_end"] is True
    assert rows[0]["walk_path"] == ["Topic:lonely topic", "Concept:solo idea"]
    assert report.dead_ends == 5 and report.rejected == 0
    assert not any(r["dead_end"] for r in table.to_pylist() if r["start_topic"] != "lonely topic")


def test_end_walk_policy_sets_walks_without_concepts_aside(
    graph: GraphRepository, settings: Settings
) -> None:
    write_batch(graph, [*corpus(), LONELY])
    report, table = sample(graph, settings, dead_end="end_walk")
    assert "lonely topic" not in table.column("start_topic").to_pylist()
    assert report.dead_ends == 5 and report.rejected == 5
    rejects = (report.path / "rejects" / "sample.jsonl").read_text().splitlines()
    assert len(rejects) == 5
    first = json.loads(rejects[0])
    assert first["reason"] == "walk reached no key concept (dead end)"
    assert json.loads(first["payload"]) == ["Topic:lonely topic"]


def test_revisits_happen_only_when_allowed(graph: GraphRepository, settings: Settings) -> None:
    # Two topics and two ideas: a walk of 2 topic steps must come back to its start.
    write_batch(graph, [_doc("d", {"Algebra": ("Idea 1",), "Geometry": ("Idea 2",)})])
    report, table = sample(graph, settings, topic_steps_min=2, concept_steps_min=1,
                           concept_steps_max=1, epochs=1)  # fmt: skip
    assert report.dead_ends == 2  # each walk's second topic step finds no unvisited topic
    report, table = sample(graph, settings, topic_steps_min=2, concept_steps_min=1,
                           concept_steps_max=1, epochs=1, allow_revisits=True)  # fmt: skip
    assert report.dead_ends == 0
    for path in table.column("walk_path").to_pylist():
        assert path[0] == path[2] and path[0].startswith("Topic:")  # back where it started
        assert len(path) == 5  # 3 topic visits, 2 concept visits


# -- runs, reproducibility, dedup ------------------------------------------------------------

SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("set_hash", pa.string()),
        ("topics", pa.list_(pa.string())),
        ("topic_keys", pa.list_(pa.string())),
        ("concepts", pa.list_(pa.string())),
        ("concept_keys", pa.list_(pa.string())),
        ("walk_path", pa.list_(pa.string())),
        ("dead_end", pa.bool_()),
        ("reference_doc_ids", pa.list_(pa.string())),
        ("reference_scores", pa.list_(pa.float64())),
        ("epoch", pa.int32()),
        ("start_topic", pa.string()),
        ("seed", pa.int64()),
    ]
)


def test_run_writes_shards_graph_and_manifest(graph: GraphRepository, settings: Settings) -> None:
    write_batch(graph, corpus())
    progress: list[tuple[int, int]] = []
    s = settings.updated(sample=changed(settings.sample, batch_size=4, seed=3))
    run = RunFolder(s.runs_dir, "sample")
    report = run_sample(
        graph, s, run, on_progress=lambda done, total: progress.append((done, total))
    )
    table = run.read_table("concept_sets")

    # The parquet schema, exactly, in every shard.
    assert table.schema.equals(SCHEMA)
    shards = sorted((run.path / "concept_sets").glob("part-*.parquet"))
    assert len(shards) == 5 * 2  # ceil(5 topics / 4) batches per epoch
    assert all(pq.read_schema(p).equals(SCHEMA) for p in shards)
    assert progress[-1] == (25, 25) and len(progress) == 10

    # Counts add up; each set appears once; its columns agree with each other.
    assert report.walks == 25 and report.sets == table.num_rows
    assert report.sets + report.duplicates_skipped + report.rejected == report.walks
    rows = table.to_pylist()
    assert len({r["set_hash"] for r in rows}) == len(rows)
    names = {n.lower(): n for n in TOPICS + IDEAS}
    for r in rows:
        assert r["set_hash"] == set_hash(r["topic_keys"], r["concept_keys"])
        assert r["walk_path"] == [f"Topic:{k}" for k in r["topic_keys"]] + [
            f"Concept:{k}" for k in r["concept_keys"]
        ]
        assert r["topics"] == [names[k] for k in r["topic_keys"]]
        assert r["concepts"] == [names[k] for k in r["concept_keys"]]
        assert r["start_topic"] == r["topic_keys"][0] and 0 <= r["epoch"] < 5
        assert (r["run_id"], r["seed"]) == (run.run_id, 3)
        assert 1 <= len(r["reference_doc_ids"]) <= 2
        assert r["reference_scores"] == sorted(r["reference_scores"], reverse=True)

    # The graph: one ConceptSet per row, sampled by a finished Run with the same counts.
    counts = graph.read("graph_counts")[0]
    assert counts["concept_sets"] == report.sets and counts["runs"] == 1
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["counts"]["sets"] == report.sets and manifest["seed"] == 3
    assert manifest["counts"]["persisted"] == report.sets


def test_same_seed_same_sets_any_batch_size_other_seed_other_sets(
    graph: GraphRepository, settings: Settings
) -> None:
    write_batch(graph, corpus())
    _, first = sample(graph, settings, seed=7)
    _, again = sample(graph, settings, seed=7, batch_size=2)
    _, other = sample(graph, settings, seed=8)
    assert _sets(again) == _sets(first)
    assert again.column("set_hash").to_pylist() == first.column("set_hash").to_pylist()
    assert (
        again.column("reference_doc_ids").to_pylist()
        == first.column("reference_doc_ids").to_pylist()
    )
    assert _sets(other) != _sets(first)


def test_sets_are_deduplicated_within_a_run(graph: GraphRepository, settings: Settings) -> None:
    # One topic pair, three ideas: every walk finds one of very few sets.
    write_batch(graph, [_doc("d", {"Algebra": ("Idea 1", "Idea 2"), "Geometry": ("Idea 3",)})])
    report, table = sample(graph, settings, epochs=20, concept_steps_min=1, concept_steps_max=1)
    hashes = table.column("set_hash").to_pylist()
    assert len(hashes) == len(set(hashes)) == report.sets
    assert report.walks == 40 and report.duplicates_skipped == 40 - report.sets > 0


def test_skip_used_skips_sets_of_earlier_runs(graph: GraphRepository, settings: Settings) -> None:
    write_batch(graph, corpus())
    _, first = sample(graph, settings, seed=1)
    earlier = set(first.column("set_hash").to_pylist())
    plain, second = sample(graph, settings, seed=2)
    overlap = earlier & set(second.column("set_hash").to_pylist())
    assert overlap, "the corpus is small enough that two seeds share some sets"

    report, third = sample(graph, settings, seed=2, skip_used=True)
    kept = set(third.column("set_hash").to_pylist())
    used = earlier | set(second.column("set_hash").to_pylist())
    assert not kept & used
    assert report.previously_used_skipped > 0
    assert report.sets + report.duplicates_skipped + report.previously_used_skipped == 25
    # The query behind it: a set counts as used only when another run sampled it.
    some = sorted(overlap)[:1]
    assert graph.read("used_concept_sets", hashes=some, run_id="someone-else") == [
        {"hash": some[0]}
    ]
    assert graph.read("used_concept_sets", hashes=["no-such-hash"], run_id="x") == []


def test_max_sets_caps_the_run(graph: GraphRepository, settings: Settings) -> None:
    write_batch(graph, corpus())
    report, table = sample(graph, settings, max_sets=3, batch_size=2)
    assert report.sets == table.num_rows == 3
    assert graph.read("graph_counts")[0]["concept_sets"] == 3


def test_resume_skips_finished_shards(graph: GraphRepository, settings: Settings) -> None:
    write_batch(graph, corpus())
    s = settings.updated(sample=changed(settings.sample, batch_size=2))
    run = RunFolder(s.runs_dir, "sample")
    report = run_sample(graph, s, run)
    table = run.read_table("concept_sets")
    # Lose the last shards (as if interrupted), then resume the same run id.
    shards = sorted((run.path / "concept_sets").glob("part-*.parquet"))
    for p in shards[-4:]:
        (p.parent / f"_{p.stem}.done").unlink()
        p.unlink()
    resumed = run_sample(graph, s, RunFolder(s.runs_dir, "sample", run.run_id))
    assert resumed.sets == report.sets and resumed.walks == report.walks
    again = RunFolder(s.runs_dir, "sample", run.run_id).read_table("concept_sets")
    assert again.equals(table)


def test_an_empty_graph_is_an_input_error(graph: GraphRepository, settings: Settings) -> None:
    with pytest.raises(InputError, match="no topics"):
        sample(graph, settings)


# -- reference documents -----------------------------------------------------------------------

TOY = [
    _doc("d1", {"Algebra": ("x", "y"), "Geometry": ("z",)}),  # T:algebra T:geometry C:x C:y C:z
    _doc("d2", {"Geometry": ("z", "w")}),  # T:geometry C:z C:w
    _doc("a2", {"Geometry": ("w", "z")}),  # the same elements as d2, a smaller id
    _doc("d3", {"Calculus": ("v",)}),  # T:calculus C:v
    _doc("d5", {"X": ("v",)}),  # T:x — not the key concept x
]


def _candidate(topics: list[str], concepts: list[str]) -> CandidateSet:
    t = [Node(k, k) for k in topics]
    c = [Node(k, k) for k in concepts]
    return CandidateSet(Walk(0, t[0], t, c), set_hash(topics, concepts), t, c)


def reference_documents(
    graph: GraphRepository, sets: list[CandidateSet], top_k: int
) -> dict[str, list[tuple[str, float]]]:
    """The stage's in-process references, checked against the in-database query."""
    specs = [(c.hash, [n.key for n in c.topics], [n.key for n in c.concepts]) for c in sets]
    got = ReferenceIndex(graph.document_links(pending_only=False)).top_k(specs, top_k)
    rows = run_test_cypher(
        graph, "reference_documents", top_k=top_k,
        sets=[{"hash": h, "topics": list(t), "concepts": list(c)} for h, t, c in specs],
    )  # fmt: skip
    assert got == {r["hash"]: list(zip(r["ids"], r["scores"], strict=True)) for r in rows}
    return got


def test_references_rank_by_jaccard_with_ties_by_id(graph: GraphRepository) -> None:
    write_batch(graph, TOY)
    s1 = _candidate(["geometry"], ["z", "w"])
    s2 = _candidate(["algebra"], ["x"])
    s3 = _candidate(["calculus"], ["v", "x"])
    refs = reference_documents(graph, [s1, s2, s3], top_k=3)
    # s1 = {T:geometry, C:z, C:w}: a2 and d2 hold exactly these (1.0, tie -> id order);
    # d1 shares geometry and z: 2 / (3 + 5 - 2) = 1/3.
    assert refs[s1.hash] == [("a2", 1.0), ("d2", 1.0), ("d1", pytest.approx(1 / 3))]
    # s2 = {T:algebra, C:x}: only d1 shares anything: 2 / (2 + 5 - 2) = 0.4. d5's *topic* x
    # is a different element from the key concept x.
    assert refs[s2.hash] == [("d1", pytest.approx(0.4))]
    # s3 = {T:calculus, C:v, C:x}: d3 2/(3+2-2) = 2/3, d1 1/(3+5-1) = 1/7, d5 1/(3+2-1) = 1/4.
    assert refs[s3.hash] == [
        ("d3", pytest.approx(2 / 3)), ("d5", pytest.approx(1 / 4)), ("d1", pytest.approx(1 / 7)),
    ]  # fmt: skip
    assert reference_documents(graph, [s1], top_k=2)[s1.hash] == [("a2", 1.0), ("d2", 1.0)]
    rows = run_test_cypher(
        graph, "reference_documents", sets=[{"hash": "h", "topics": ["nothing"], "concepts": []}],
        top_k=2,
    )  # fmt: skip
    assert rows == [{"hash": "h", "ids": [], "scores": []}]


# -- persistence and coverage ------------------------------------------------------------------


def _start(graph: GraphRepository, run_id: str) -> None:
    graph.write("start_run", id=run_id, kind="sample", started_at="2026-11-21T00:00:00+00:00",
                params="{}", seed=0, model=None)  # fmt: skip


def _set_row(hash_: str, topics: list[str], concepts: list[str], refs: list[str]) -> dict:
    return {
        "hash": hash_, "name": hash_, "size": len(topics) + len(concepts),
        "topics": [{"key": k, "pos": i} for i, k in enumerate(topics)],
        "concepts": [{"key": k, "pos": len(topics) + i} for i, k in enumerate(concepts)],
        "refs": [{"id": d, "rank": i + 1, "jaccard": 0.5} for i, d in enumerate(refs)],
    }  # fmt: skip


def test_coverage_by_hand(graph: GraphRepository) -> None:
    write_batch(graph, TOY[:2] + TOY[3:4])  # d1, d2, d3
    # Graph: topics algebra, geometry, calculus; concepts x, y, z, w, v. Edges: topic-topic
    # algebra-geometry; topic-concept algebra/geometry x y z (d1), geometry-w (d2), calculus-v;
    # concept-concept x-y, x-z, y-z, z-w. So 1 + 8 + 4 = 13 edges.
    s1 = _set_row("s1", ["algebra", "geometry"], ["z", "w"], ["d2", "d1"])
    s2 = _set_row("s2", ["algebra"], ["x", "y"], ["d1"])
    s3 = _set_row("s3", ["calculus"], ["v"], ["d3"])
    _start(graph, "r1")
    _start(graph, "r2")
    assert graph.write("write_concept_sets", run_id="r1", rows=[s1, s2]) == [
        {"written": 2, "includes": 7, "references": 3}
    ]
    graph.write("write_concept_sets", run_id="r2", rows=[s3, s1])  # s1 sampled again
    again = graph.write("write_concept_sets", run_id="r2", rows=[s3, s1])  # idempotent
    assert again == [{"written": 2, "includes": 6, "references": 3}]
    assert graph.read("graph_counts")[0]["concept_sets"] == 3

    r1 = coverage(graph, "r1")
    # r1 walked algebra-geometry (tt), geometry-z and algebra-x (tc), z-w and x-y (cc).
    assert r1["sets"] == 2
    assert (r1["topics"]["touched"], r1["topics"]["total"]) == (2, 3)
    assert (r1["concepts"]["touched"], r1["concepts"]["total"]) == (4, 5)
    assert (r1["topic_edges"]["touched"], r1["topic_edges"]["total"]) == (1, 1)
    assert (r1["topic_concept_edges"]["touched"], r1["topic_concept_edges"]["total"]) == (2, 8)
    assert (r1["concept_edges"]["touched"], r1["concept_edges"]["total"]) == (2, 4)
    assert r1["edges"] == {"touched": 5, "total": 13, "share": pytest.approx(5 / 13)}
    assert r1["topics"]["share"] == pytest.approx(2 / 3)

    r2 = coverage(graph, "r2")  # s3 + s1: calculus-v, and s1's three edges
    assert (r2["sets"], r2["topics"]["touched"], r2["concepts"]["touched"]) == (2, 3, 3)
    assert r2["edges"]["touched"] == 4

    everything = coverage(graph)
    assert everything["run_id"] is None and everything["sets"] == 3
    assert (everything["topics"]["share"], everything["concepts"]["share"]) == (1.0, 1.0)
    assert everything["topic_concept_edges"]["touched"] == 3
    assert everything["edges"]["touched"] == 6
    assert coverage(graph, "no-such-run")["edges"]["touched"] == 0


def test_coverage_of_a_sample_run_matches_its_table(
    graph: GraphRepository, settings: Settings
) -> None:
    write_batch(graph, corpus())
    report, table = sample(graph, settings, epochs=2)
    run_id = table.column("run_id")[0].as_py()
    rows = table.to_pylist()
    report_ = coverage(graph, run_id)
    assert report_["sets"] == report.sets
    assert report_["topics"]["touched"] == len({k for r in rows for k in r["topic_keys"]})
    assert report_["concepts"]["touched"] == len({k for r in rows for k in r["concept_keys"]})
    steps = {frozenset(pair) for r in rows for pair in pairwise(r["walk_path"])}
    assert report_["edges"]["touched"] == len(steps)


def test_coverage_bias_steers_a_later_run_to_less_used_concepts(
    graph: GraphRepository, settings: Settings
) -> None:
    write_batch(graph, corpus())
    _, earlier = sample(graph, settings, epochs=2, seed=5)
    uses: dict[str, int] = {}
    for keys in earlier.column("concept_keys").to_pylist():
        for k in keys:
            uses[k] = uses.get(k, 0) + 1
    # The biased run sees only the earlier run's sets (a run stores its own after its walks).
    _, biased = sample(graph, settings, epochs=2, seed=6, coverage_bias=3.0)
    _, plain = sample(graph, settings, epochs=2, seed=6)

    def mean_uses(table: pa.Table) -> float:
        keys = [k for ks in table.column("concept_keys").to_pylist() for k in ks]
        return sum(uses.get(k, 0) for k in keys) / len(keys)

    assert mean_uses(biased) < mean_uses(plain)
