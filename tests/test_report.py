"""``kgsynth report``: its numbers against direct computations on small fixtures, its graph
statistics against the real server, its files (HTML, JSON, non-empty PNGs) and the CLI."""

from __future__ import annotations

import json
from collections import Counter
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kgsynth.analysis.diversity import Sampling, group_pairs, mean_pairwise_distance, vendi_score
from kgsynth.analysis.report import write_report
from kgsynth.cli.app import app
from kgsynth.config import DedupConfig
from kgsynth.embed.encoder import Encoder
from kgsynth.graph import GraphRepository
from kgsynth.records import Document, Extraction
from kgsynth.runs import RunFolder
from kgsynth.stages.ingest.build import write_batch
from kgsynth.tables import CONCEPT_SETS_SCHEMA, QA_SCHEMA, QA_TABLE, to_table
from tests.conftest import graph_env
from tests.test_fit import assert_png_has_content

# (level, group, question, answer): d3 and h3 have one question each, so they give no pair.
QUESTIONS = [
    (1, "d1", "What is the derivative of x squared?", "It is 2x."),
    (1, "d1", "How fast does x squared change at x = 3?", "At rate 6, twice x."),
    (1, "d1", "Name a prime number larger than 10.", "Eleven is one."),
    (1, "d2", "What is the area of a circle of radius 2?", "Four pi square units."),
    (1, "d2", "How does a circle's area grow with its radius?", "With the radius squared."),
    (1, "d3", "What is a vector?", "A quantity with size and direction."),
    (3, "h1", "Combine the sine rule with the area of a triangle.", "Area = ab sin(C) / 2."),
    (3, "h1", "Use Pythagoras to find a hypotenuse of sides 3 and 4.", "It is 5."),
    (3, "h2", "How do primes relate to the sieve of Eratosthenes?", "The sieve keeps primes."),
    (3, "h2", "Why do primes thin out as numbers grow?", "Density is about 1 / ln n."),
    (3, "h2", "Estimate how many primes lie below 1000.", "About 168 of them."),
    (3, "h3", "What is Bayes' rule?", "P(A|B) = P(B|A) P(A) / P(B)."),
]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder(DedupConfig(device="cpu"))


def _generate_run(runs: Path) -> RunFolder:
    run = RunFolder(runs, "generate")
    rows = [
        {"question_id": f"q{i}", "run_id": run.run_id, "level": level, "question": q,
         "answer": a, "source_doc_id": g if level < 3 else None,
         "set_hash": g if level == 3 else None}
        for i, (level, g, q, a) in enumerate(QUESTIONS)
    ]  # fmt: skip
    run.write_shard(QA_TABLE, 0, to_table(rows, QA_SCHEMA))
    return run


def _direct_within(encoder: Encoder, level: int) -> list[float]:
    """Pairwise cosines within each group, computed pair by pair from raw vectors."""
    by_group: dict[str, list[str]] = {}
    for lv, g, q, _ in QUESTIONS:
        if lv == level:
            by_group.setdefault(g, []).append(q)
    sims = []
    for qs in by_group.values():
        vectors = encoder.encode(qs)
        for a, b in combinations(range(len(qs)), 2):
            u, v = vectors[a], vectors[b]
            sims.append(float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))))
    return sims


def test_within_group_similarity_matches_a_direct_computation(encoder: Encoder) -> None:
    level1 = [(g, q) for lv, g, q, _ in QUESTIONS if lv == 1]
    groups = [g for g, _ in level1]

    def fetch(rows: list[int]) -> list[str]:
        return [level1[i][1] for i in rows]

    sims, size = group_pairs(groups, fetch, encoder.encode, Sampling())
    direct = _direct_within(encoder, 1)
    assert size == {"groups": 2, "questions": 5, "pairs": 4, "groups_total": 3}
    assert sorted(sims) == pytest.approx(sorted(direct), abs=1e-5)
    # Sampling: one group of at most two questions gives exactly one pair.
    sims, size = group_pairs(groups, fetch, encoder.encode, Sampling(1, 2, seed=4))
    assert size["groups"] == 1 and size["questions"] == 2 and len(sims) == 1


def test_vendi_score_and_mean_distance_match_their_definitions() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 8))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    eig = np.linalg.eigvalsh(x @ x.T / len(x))
    eig = eig[eig > 1e-12]
    assert vendi_score(x) == pytest.approx(np.exp(-np.sum(eig * np.log(eig))), rel=1e-9)
    assert vendi_score(np.repeat(x[:1], 10, axis=0)) == pytest.approx(1.0)
    assert vendi_score(np.eye(6)) == pytest.approx(6.0)
    pairs = [1 - x[i] @ x[j] for i, j in combinations(range(len(x)), 2)]
    assert mean_pairwise_distance(x) == pytest.approx(np.mean(pairs), rel=1e-9)


def _sample_run(runs: Path, walks: list[list[str]], walk_count: int, dead: int) -> RunFolder:
    run = RunFolder(runs, "sample")
    rows = [
        {"run_id": run.run_id, "set_hash": f"s{i}", "walk_path": path,
         "topic_keys": [p.split(":", 1)[1] for p in path if p.startswith("Topic:")],
         "concept_keys": [p.split(":", 1)[1] for p in path if p.startswith("Concept:")]}
        for i, path in enumerate(walks)
    ]  # fmt: skip
    run.write_shard("concept_sets", 0, to_table(rows, CONCEPT_SETS_SCHEMA))
    run.write_manifest({"counts": {"walks": walk_count, "dead_ends": dead}})
    return run


def _graph(graph: GraphRepository) -> GraphRepository:
    def pair(i: str, concepts: dict[str, tuple[str, ...]]) -> tuple[Document, Extraction]:
        doc = Document(id=i, text=f"text {i}", title=i, source="t")
        return doc, Extraction(i, "College", "M", concepts)

    write_batch(graph, [
        pair("d1", {"Geometry": ("Pythagorean theorem", "Right triangle", "Hypotenuse")}),
        pair("d2", {"Geometry": ("Pythagorean theorem", "Right triangle")}),
        pair("d3", {"Trigonometry": ("Sine", "Right triangle")}),
        pair("d4", {"<b>Loud</b> topic": ("Cosine",)}),
    ])  # fmt: skip
    return graph


def test_report_on_the_real_graph(graph: GraphRepository, tmp_path: Path, encoder: Encoder) -> None:
    _graph(graph)
    runs = tmp_path / "runs"
    gen = _generate_run(runs)
    first = _sample_run(runs, [["Topic:geometry", "Concept:pythagorean theorem",
                                "Concept:right triangle"]], 10, 2)  # fmt: skip
    second = _sample_run(runs, [["Topic:trigonometry", "Concept:sine"]], 30, 1)
    out = tmp_path / "report"
    report = write_report(out, [gen], [first, second], encoder.encode, graph)
    body = json.loads((out / "report.json").read_text())
    level1 = body["questions"]["levels"]["1"]
    assert level1["within"]["mean"] == pytest.approx(np.mean(_direct_within(encoder, 1)), abs=1e-5)
    level3 = body["questions"]["levels"]["3"]
    assert level3["within"]["grouped_by"] == "concept set" and level3["within"]["pairs"] == 4
    assert level3["within"]["mean"] == pytest.approx(np.mean(_direct_within(encoder, 3)), abs=1e-5)
    assert 1.0 < level1["corpus"]["vendi_score"] <= 6.0 and level1["corpus"]["sample"] == 6
    assert level1["question_words"]["mean"] == pytest.approx(
        np.mean([len(q.split()) for lv, _, q, _ in QUESTIONS if lv == 1]))  # fmt: skip
    g = body["graph"]
    # Degree distributions counted in the database equal those counted from the edge list.
    nodes, edges = graph.walk_graph()
    for name, kinds in {"topic": {("Topic", "Topic")}, "concept": {("Concept", "Concept")},
                        "topic_concept": {("Topic", "Concept")}}.items():  # fmt: skip
        members = [n for n in nodes if name == "topic_concept" or n.label == name.title()]
        degree = Counter({n: 0 for n in members})
        for e in edges:
            if (e.a.label, e.b.label) in kinds:
                degree[e.a] += 1
                degree[e.b] += 1
        expected = Counter(degree.values())
        assert {int(k): v for k, v in g["degrees"][name]["nodes_per_degree"].items()} == expected
    # Key concepts: d1 and d3 join Pythagorean theorem, Right triangle, Hypotenuse and Sine.
    assert g["components"]["concept"] == {"nodes": 5, "components": 2, "largest_share": 0.8,
                                          "isolated": 1}  # fmt: skip
    assert g["components"]["all"]["components"] == 2  # the <b>Loud</b> topic and Cosine apart
    assert g["top_topics"][0] == {"name": "Geometry", "documents": 2, "related": 3}
    assert (
        g["top_concepts"][0]["name"] == "Right triangle" and g["top_concepts"][0]["documents"] == 3
    )
    assert g["dead_ends"]["share"] == pytest.approx(3 / 40)
    cov = g["coverage_over_runs"]
    assert [(r["concepts_used"], r["edges_used"]) for r in cov] == [(2, 2), (3, 3)]
    assert cov[1]["concepts_share"] == pytest.approx(3 / 5)
    html = (out / "index.html").read_text()
    assert "&lt;b&gt;Loud&lt;/b&gt; topic" in html and "<b>Loud" not in html
    for name in report["figures"].values():
        assert name in html
        assert_png_has_content(out / name)
    assert set(report["figures"]) == {"within_similarity", "question_lengths", "answer_lengths",
                                      "degrees", "coverage"}  # fmt: skip


def test_report_cli(settings, graph: GraphRepository, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _graph(graph)
    _generate_run(settings.runs_dir)
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--out", str(tmp_path / "r")], env=graph_env(settings))
    assert result.exit_code == 0, result.output
    assert f"report: {tmp_path / 'r' / 'index.html'}" in result.output.replace("\n", "")
    body = json.loads((tmp_path / "r" / "report.json").read_text())
    assert body["generate_runs"] and body["graph"]["coverage_over_runs"] == []
    result = runner.invoke(app, ["report", "--no-graph", "sample-x"], env=graph_env(settings))
    assert result.exit_code == 2 and "no such run folder" in result.output
    empty = {**graph_env(settings), "KGSYNTH_RUNS_DIR": str(tmp_path / "none")}
    result = runner.invoke(app, ["report", "--no-graph"], env=empty)
    assert result.exit_code == 2 and "no finished generate or sample run" in result.output
