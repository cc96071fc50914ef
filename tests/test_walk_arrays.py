"""Walks on stored arrays: equal to the numpy reference walk, stale arrays never used,
min_documents honoured, references equal to the brute-force query on a random corpus."""

from __future__ import annotations

import dataclasses
import json
import random

import pytest
from typer.testing import CliRunner

from kgsynth.cli.app import app
from kgsynth.config import SampleConfig, Settings
from kgsynth.graph import GraphRepository
from kgsynth.runs import RunFolder
from kgsynth.stages.ingest.build import write_batch
from kgsynth.stages.sample import run_sample
from kgsynth.stages.sample.arrays import ArrayStepper, ensure_walk_arrays
from kgsynth.stages.sample.references import ReferenceIndex
from kgsynth.stages.sample.walk import epoch_draws, run_walks
from tests.conftest import graph_env
from tests.graph_helpers import run_test_cypher
from tests.test_counting import brute_force, corpus, edges
from tests.test_dedup import _merge_rows
from tests.walk_reference import NumpyWalk

pytestmark = pytest.mark.graph


def walks_both_ways(
    graph: GraphRepository, cfg: SampleConfig, epochs: int = 2
) -> tuple[list, list]:
    index = ensure_walk_arrays(graph, cfg)
    ref = NumpyWalk(graph.walkable_nodes(), graph.counted_edges(), cfg)
    assert [n.key for n in ref.starts] == [n.key for n in index.topics]
    got, want = [], []
    for epoch in range(epochs):
        d = epoch_draws(cfg, epoch, len(index.topics))
        starts = [index.topics[i] for i in d.order]
        args = (cfg, epoch, starts, d.topic_steps, d.concept_steps, d.u)
        got += run_walks(ArrayStepper(graph, index), *args)
        want += run_walks(ref, *args)
    return got, want


@pytest.mark.parametrize(
    "changes",
    [{}, {"temperature": 0.5, "epsilon": 0.3}, {"allow_revisits": True}, {"min_documents": 3},
     {"dead_end": "end_walk", "topic_steps_max": 4, "topic_steps_min": 3}],
)  # fmt: skip
def test_array_walks_equal_the_numpy_walk(graph: GraphRepository, changes: dict) -> None:
    write_batch(graph, corpus(120, seed=7))
    cfg = dataclasses.replace(SampleConfig(), **changes)
    got, want = walks_both_ways(graph, cfg, epochs=3)
    assert got == want
    assert sum(len(w.concepts) for w in got) > 2 * len(got)  # the walks went somewhere


def test_stale_arrays_are_rebuilt_never_used(graph: GraphRepository) -> None:
    pairs = corpus(120, seed=8)
    write_batch(graph, pairs[:100])
    cfg = SampleConfig()
    first = ensure_walk_arrays(graph, cfg)
    assert graph.walk_array_facts().signature == first.signature
    # Unchanged graph and settings: the stored arrays are used as they are.
    assert ensure_walk_arrays(graph, cfg).signature == first.signature
    # Settings the weights depend on change the signature.
    for change in ({"epsilon": 0.1}, {"temperature": 2.0}, {"min_documents": 2}):
        assert ensure_walk_arrays(graph, dataclasses.replace(cfg, **change)).signature != (
            first.signature
        )
    ensure_walk_arrays(graph, cfg)
    # An incremental ingest: the stored signature no longer matches, walks see the new counts.
    write_batch(graph, pairs[100:])
    stored = graph.walk_array_facts().signature
    fresh = ensure_walk_arrays(graph, cfg)
    assert stored == first.signature != fresh.signature
    got, want = walks_both_ways(graph, cfg, epochs=1)
    assert got == want
    # A merge (and its undo) recounts and so changes the signature; counts stay exact.
    before = graph.walk_array_facts().signature
    graph.merge_concepts(_merge_rows([("concept 1", "concept 0")]), ["concept 0"])
    assert ensure_walk_arrays(graph, cfg).signature != before
    assert walks_both_ways(graph, cfg, epochs=1)[0] == walks_both_ways(graph, cfg, epochs=1)[1]
    merged = graph.walk_array_facts().signature
    assert graph.undo_merge("concept 1", "concept 0") is not None
    assert ensure_walk_arrays(graph, cfg).signature != merged
    assert edges(graph) == brute_force(pairs)
    # Arrays that lost nodes (an interrupted build or a partial delete) are not trusted.
    graph.write("delete_walk_arrays_batch", limit=3)
    assert graph.walk_array_facts().signature is None
    ensure_walk_arrays(graph, cfg)
    assert walks_both_ways(graph, cfg, epochs=1)[0] == walks_both_ways(graph, cfg, epochs=1)[1]


def test_min_documents_keeps_rare_nodes_off_walks(
    graph: GraphRepository, settings: Settings
) -> None:
    pairs = corpus(150, seed=9)
    write_batch(graph, pairs)
    docs: dict[str, int] = {}
    for _, ex in pairs:
        for name in {c.lower() for names in ex.concepts.values() for c in names}:
            docs[name] = docs.get(name, 0) + 1
    rare = {k for k, n in docs.items() if n < 4}
    assert rare and len(rare) < len(docs)
    s = dataclasses.replace(settings, sample=dataclasses.replace(settings.sample, min_documents=4))
    run = RunFolder(s.runs_dir, "sample")
    run_sample(graph, s, run)
    table = run.read_table("concept_sets")
    seen = {k for keys in table.column("concept_keys").to_pylist() for k in keys}
    assert seen and not seen & rare
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["walk_arrays"]["min_documents"] == 4
    # `kgsynth stats` shows the threshold and what it leaves walkable.
    env = {**graph_env(settings), "KGSYNTH_SAMPLE_MIN_DOCUMENTS": "4"}
    result = CliRunner().invoke(app, ["stats", "--json"], env=env)
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)["counts"]
    assert counts["walkable concepts (min_documents 4)"] == len(docs) - len(rare)


def test_references_equal_brute_force_on_a_random_corpus(graph: GraphRepository) -> None:
    pairs = corpus(200, seed=10)
    write_batch(graph, pairs)
    rng = random.Random(0)
    topics = sorted({t.lower() for _, ex in pairs for t in ex.concepts})
    concepts = sorted({c.lower() for _, ex in pairs for ns in ex.concepts.values() for c in ns})
    specs = [
        (f"h{i}", rng.sample(topics, rng.randint(1, 3)), rng.sample(concepts, rng.randint(1, 6)))
        for i in range(60)
    ]
    got = ReferenceIndex(graph.document_links(pending_only=False)).top_k(specs, 5)
    rows = run_test_cypher(
        graph,
        "reference_documents",
        sets=[{"hash": h, "topics": t, "concepts": c} for h, t, c in specs],
        top_k=5,
    )
    assert got == {r["hash"]: list(zip(r["ids"], r["scores"], strict=True)) for r in rows}
