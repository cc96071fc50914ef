"""The walk's transition law, measured on the real server.

A hand-built graph with known counts; 10,000 seeded steps per case go through one batched
query on the stored walk arrays (walk_step) and the empirical frequencies must match
p ∝ (count + ε)^(1/T) · (1 + uses)^(−γ) (chi-square, p > 0.001). Each pick is also checked
exactly against the inverse-CDF rule (first neighbour in key order whose cumulative weight
reaches u × total) computed here, and against the in-process numpy walk (tests/walk_reference)
over the graph's export, which must agree pick for pick.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest
from scipy.stats import chisquare

from kgsynth.config import SampleConfig
from kgsynth.graph import GraphRepository
from kgsynth.stages.sample.arrays import ArrayStepper, ensure_walk_arrays
from kgsynth.stages.sample.walk import Phase, StepRequest
from tests.walk_reference import NumpyWalk

pytestmark = pytest.mark.graph


def stepper(graph: GraphRepository, cfg: SampleConfig) -> ArrayStepper:
    return ArrayStepper(graph, ensure_walk_arrays(graph, cfg))


def reference(graph: GraphRepository, cfg: SampleConfig) -> NumpyWalk:
    return NumpyWalk(graph.walkable_nodes(), graph.counted_edges(), cfg)


EPS = 1e-5
STEPS = 10_000

# t0 is a topic hub, c0 a key-concept hub; counts chosen so that every case has a distinct law.
TOPIC_EDGES = {("t0", "t1"): 1, ("t0", "t2"): 2, ("t0", "t3"): 3, ("t0", "t4"): 4}
TOPIC_CONCEPT_EDGES = {("t0", "c1"): 5, ("t0", "c2"): 1, ("t0", "c3"): 2, ("t1", "c0"): 1}
CONCEPT_EDGES = {("c0", "c1"): 1, ("c0", "c2"): 3, ("c0", "c3"): 5, ("c0", "c4"): 7}
# Stored concept sets including each concept (for the coverage bias): c1 in 3, c0 and c3 in 1.
USES = {"c0": 1, "c1": 3, "c2": 0, "c3": 1, "c4": 0}


def _write_graph(graph: GraphRepository) -> None:
    """The graph through the build's own catalog queries, with exact counts."""
    graph.write("write_topics", rows=[{"key": f"t{i}", "name": f"T{i}"} for i in range(5)])
    graph.write("write_concepts", rows=[{"key": f"c{i}", "name": f"C{i}"} for i in range(5)])
    for name, edges in (
        ("add_topic_cooccurrence", TOPIC_EDGES),
        ("add_topic_concept_cooccurrence", TOPIC_CONCEPT_EDGES),
        ("add_concept_cooccurrence", CONCEPT_EDGES),
    ):
        graph.write(name, rows=[{"a": a, "b": b, "n": n} for (a, b), n in edges.items()])
    graph.write(
        "start_run", id="earlier", kind="sample", started_at="2026-01-01T00:00:00+00:00",
        params="{}", seed=0, model=None,
    )  # fmt: skip
    sets = [("c1", "c3"), ("c1",), ("c1", "c0")]
    rows = [
        {
            "hash": f"h{i}", "name": "+".join(keys), "size": len(keys), "topics": [],
            "concepts": [{"key": k, "pos": p} for p, k in enumerate(keys)], "refs": [],
        }
        for i, keys in enumerate(sets)
    ]  # fmt: skip
    written = graph.write("write_concept_sets", run_id="earlier", rows=rows)
    assert written == [{"written": 3, "includes": 5, "references": 0}]


@pytest.fixture(scope="module")
def walk_graph(_session_store: GraphRepository) -> GraphRepository:
    _session_store.write("clear_graph")
    _write_graph(_session_store)
    return _session_store


CASES = {
    # name: (phase, start, visited, temperature, coverage bias, {neighbour: count})
    "topic step": ("topic", "t0", ("t0", "t9"), 1.0, 0.0, {"t1": 1, "t2": 2, "t3": 3, "t4": 4}),
    "topic to concept step": ("topic_concept", "t0", (), 1.0, 0.0, {"c1": 5, "c2": 1, "c3": 2}),
    "concept step, c4 visited": (
        "concept", "c0", ("c0", "c4"), 1.0, 0.0, {"c1": 1, "c2": 3, "c3": 5}
    ),
    "concept step, temperature 0.5": (
        "concept", "c0", ("c0",), 0.5, 0.0, {"c1": 1, "c2": 3, "c3": 5, "c4": 7}
    ),
    "topic to concept step, coverage bias 1.5": (
        "topic_concept", "t0", (), 1.0, 1.5, {"c1": 5, "c2": 1, "c3": 2}
    ),
}  # fmt: skip


def expected_probabilities(
    counts: dict[str, int], temperature: float, gamma: float
) -> dict[str, float]:
    """p ∝ (count + ε)^(1/T) / (1 + uses)^γ, worked out independently of the code under test."""
    w = {
        k: (c + EPS) ** (1 / temperature) / (1 + USES.get(k, 0)) ** gamma for k, c in counts.items()
    }
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}


def inverse_cdf_pick(counts: dict[str, int], temperature: float, gamma: float, u: float) -> str:
    """The first neighbour (key order) whose running weight reaches u × total."""
    keys = sorted(counts)
    weights = [(counts[k] + EPS) ** (1 / temperature) * (1 + USES[k]) ** -gamma if gamma else
               (counts[k] + EPS) ** (1 / temperature) for k in keys]  # fmt: skip
    total = sum(weights)
    running = 0.0
    for k, w in zip(keys, weights, strict=True):
        running += w
        if running >= u * total:
            return k
    raise AssertionError("u must be < 1")


@pytest.mark.parametrize("case", list(CASES))
def test_transition_frequencies_match_the_law(walk_graph: GraphRepository, case: str) -> None:
    phase, start, visited, temperature, gamma, counts = CASES[case]
    cfg = dataclasses.replace(SampleConfig(), temperature=temperature, coverage_bias=gamma)
    draws = np.random.default_rng(20261121).random(STEPS)
    requests = [StepRequest(start, float(u), visited) for u in draws]
    picks = stepper(walk_graph, cfg).step(phase, requests)  # one query, 10k walks

    assert all(p is not None for p in picks)
    seen = Counter(p.key for p in picks if p is not None)
    assert set(seen) <= set(counts), f"stepped outside the allowed neighbours: {seen}"
    probs = expected_probabilities(counts, temperature, gamma)
    keys = sorted(counts)
    result = chisquare([seen[k] for k in keys], [probs[k] * STEPS for k in keys])
    assert result.pvalue > 0.001, (case, dict(seen), probs)
    # Names come back with the keys.
    assert {p.name for p in picks if p is not None} <= {k.upper() for k in counts}
    # Every single pick is the inverse-CDF pick of its draw...
    expected = [inverse_cdf_pick(counts, temperature, gamma, float(u)) for u in draws]
    assert [p.key for p in picks if p is not None] == expected
    # ...and the in-process numpy walk, fed the same draws, agrees pick for pick.
    assert reference(walk_graph, cfg).step(phase, requests) == picks


def test_dead_ends_return_none(walk_graph: GraphRepository) -> None:
    cfg = SampleConfig()
    requests = [
        StepRequest("t0", 0.5, ("t0", "t1", "t2", "t3", "t4")),  # every neighbour visited
        StepRequest("t2", 0.5, ("t2", "t0")),  # its only neighbour visited
        StepRequest("nowhere", 0.5, ()),  # no such topic
        StepRequest("t0", 0.999, ("t0",)),  # a live walk among them
    ]
    phase: Phase = "topic"
    picks = stepper(walk_graph, cfg).step(phase, requests)
    assert [p.key if p else None for p in picks] == [None, None, None, "t4"]
    assert reference(walk_graph, cfg).step(phase, requests) == picks
    # t2 has no key concepts, c4 only c0 as a concept neighbour.
    assert stepper(walk_graph, cfg).step("topic_concept", [StepRequest("t2", 0.1, ())]) == [None]
    assert stepper(walk_graph, cfg).step("concept", [StepRequest("c4", 0.1, ("c4", "c0"))]) == [
        None
    ]


def test_export_holds_the_walk_graph(walk_graph: GraphRepository) -> None:
    nodes = {(r["label"], r["key"]): r["uses"] for r in walk_graph.read("walk_export_nodes")}
    assert {k: v for (label, k), v in nodes.items() if label == "Concept"} == USES
    assert {k for (label, k) in nodes if label == "Topic"} == {f"t{i}" for i in range(5)}
    edges = {(e.a_label, e.a_key, e.b_label, e.b_key): e.count for e in walk_graph.counted_edges()}
    assert len(edges) == len(TOPIC_EDGES) + len(TOPIC_CONCEPT_EDGES) + len(CONCEPT_EDGES)
    assert edges[("Topic", "t0", "Topic", "t4")] == 4
    assert edges[("Topic", "t0", "Concept", "c1")] == 5
    assert edges[("Concept", "c0", "Concept", "c4")] == 7
