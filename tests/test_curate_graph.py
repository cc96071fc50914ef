"""kgsynth curate and benchmark with the real graph: concept-level avoidance, reference copies,
the CLI on a generate run, export of the curated table, and answer agreement."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from kgsynth.cli.app import app
from kgsynth.config import Settings, changed
from kgsynth.graph import GraphRepository
from kgsynth.llm.base import ChatRequest, Completion, LLMBackend
from kgsynth.records import Document, Extraction
from kgsynth.runs import RunFolder
from kgsynth.stages.curate.agree import Agreement, final_answer, same_answer
from kgsynth.stages.curate.avoid import BenchmarkAvoider, load_avoider
from kgsynth.stages.curate.benchfiles import BenchmarkItem
from kgsynth.stages.curate.concepts import add_benchmark
from kgsynth.stages.ingest.build import write_batch
from kgsynth.stages.sample import run_sample
from kgsynth.tables import QA_SCHEMA, QA_TABLE, to_table
from tests.conftest import graph_env

ALGEBRA = {"Algebra": ("linear equation", "slope", "intercept", "graph of a line")}
GEOMETRY = {"Geometry": ("triangle", "angle sum", "similar triangles", "slope")}


def _ingest(graph: GraphRepository) -> None:
    docs = [
        (Document("d1", "Lines: y = mx + b has slope m and intercept b.", "d1", "t"), ALGEBRA),
        (Document("d2", "Triangles have angle sum 180 degrees.", "d2", "t"), GEOMETRY),
        (Document("d3", "Lines and triangles meet in coordinate geometry.", "d3", "t"),
         {"Algebra": ("slope", "linear equation"), "Geometry": ("triangle", "slope")}),
    ]  # fmt: skip
    write_batch(graph, [(d, Extraction(d.id, None, None, c)) for d, c in docs])


class NoBackend:
    def __call__(self) -> LLMBackend:
        raise AssertionError("items with given concepts need no model")


def test_benchmark_add_and_sample_avoids_its_concept_sets(
    graph: GraphRepository, settings: Settings
) -> None:
    _ingest(graph)
    items = [
        BenchmarkItem("bm.jsonl", "1", "What is the slope of y = 2x + 1?", 1,
                      {"concepts": {"Algebra": ["Slope", "Linear equation"]}}),
        BenchmarkItem("bm.jsonl", "2", "Sum of angles?", 2,
                      {"concepts": ["angle sum", "not in graph"]}),
    ]  # fmt: skip
    report = add_benchmark(graph, items, settings, NoBackend())
    assert (report.items, report.given, report.links) == (2, 2, 3)
    stored = {i.item: i.concept_keys for i in graph.benchmark_items()}
    assert stored == {"1": ("slope", "linear equation"), "2": ("angle sum", "not in graph")}
    assert [(s.benchmark, s.items, s.linked_concepts) for s in graph.benchmark_summary()] == [
        ("bm.jsonl", 2, 3)
    ]

    cfg = settings.updated(sample=changed(settings.sample, epochs=20, seed=3))
    plain = run_sample(graph, cfg, RunFolder(settings.runs_dir, "sample"))
    avoider = load_avoider(graph)
    avoiding = run_sample(graph, cfg, RunFolder(settings.runs_dir, "sample"), avoid=avoider.blocks)
    sets = pq.read_table(avoiding.path / "concept_sets").column("concept_keys").to_pylist()
    before = pq.read_table(plain.path / "concept_sets").column("concept_keys").to_pylist()
    covers = [s for s in before if {"slope", "linear equation"} <= set(s)]
    assert covers, "the plain run samples sets holding item 1's concepts"
    assert not [s for s in sets if {"slope", "linear equation"} <= set(s)]
    assert avoiding.avoided == avoider.avoided > 0
    assert avoider.by_item == {"bm.jsonl#1": avoider.avoided}  # item 2 cannot be covered
    half = BenchmarkAvoider(graph.benchmark_items(), share=0.5, min_concepts=1)
    assert half.blocks(["angle sum", "triangle"]) is not None
    assert graph.delete_benchmark("bm.jsonl") == 2 and graph.benchmark_items() == []


def _generate_run(
    settings: Settings, questions: Sequence[str], refs: Sequence[str] = ()
) -> RunFolder:
    run = RunFolder(settings.runs_dir, "generate")
    rows = [
        {"question_id": f"q{i}", "run_id": run.run_id, "level": 3, "question": q,
         "answer": "The answer is \\boxed{4}.", "seed": i, "reference_doc_ids": list(refs)}
        for i, q in enumerate(questions)
    ]  # fmt: skip
    run.write_shard(QA_TABLE, 0, to_table(rows, QA_SCHEMA))
    return run


def test_cli_curate_generate_run_then_export(
    graph: GraphRepository, settings: Settings, tmp_path: Path
) -> None:
    text = (
        "The slope of a line through two points is the change in y divided by the change in x "
        "between those two points on the coordinate plane."
    )
    write_batch(
        graph, [(Document("ref1", text, "ref1", "t"), Extraction("ref1", None, None, ALGEBRA))]
    )
    bench = tmp_path / "bench.csv"
    bench.write_text(
        "problem\nWhat is the value of x when three times x plus seven equals twenty-two?\n"
    )
    questions = [
        "What is the slope of the line through (1, 2) and (3, 8)?",
        "What is the slope of the line through (1, 2) and (3, 8)?",
        "WHAT IS THE VALUE OF X WHEN THREE TIMES X PLUS SEVEN EQUALS TWENTY-TWO?",
        "Explain why " + text[0].lower() + text[1:-1] + "?",
    ]
    first = _generate_run(settings, questions, refs=["ref1"])
    env = graph_env(settings)
    result = CliRunner().invoke(app, ["curate", "--benchmark", str(bench)], env=env)
    assert result.exit_code == 0, result.output
    assert "kept 2 of 4" in result.output
    kept = pq.read_table(first.path / "curated").to_pylist()
    assert [r["question_id"] for r in kept] == ["q0", "q3"]
    assert [r["reference_copy"] for r in kept] == [False, True]
    removed = pq.read_table(first.path / "removed").to_pylist()
    assert [(r["reason"], r["matched_source"], r["matched_item"]) for r in removed] == [
        ("exact_duplicate", first.run_id, "q0"),
        ("benchmark_overlap", "bench.csv", "1"),
    ]
    manifest = json.loads((first.path / "curate.json").read_text())
    assert manifest["counts"]["removed"] == {"exact_duplicate": 1, "benchmark_overlap": 1}

    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["export", str(out), "--run", first.run_id], env=env)
    assert result.exit_code == 0 and "/curated" in result.output, result.output
    assert len(out.read_text().splitlines()) == 2

    second = _generate_run(settings, [questions[0], "How many sides does a regular hexagon have?"])
    result = CliRunner().invoke(app, ["curate", "--run", second.run_id], env=env)
    assert result.exit_code == 0, result.output
    gone = pq.read_table(second.path / "removed").to_pylist()
    assert [(r["question_id"], r["matched_source"], r["matched_item"]) for r in gone] == [
        ("q0", first.run_id, "q0")
    ]

    result = CliRunner().invoke(app, ["curate", "--benchmark", str(tmp_path / "none.csv")], env=env)
    assert result.exit_code == 2 and "none.csv: benchmark file not found" in result.output


class KnownAnswers(LLMBackend):
    """A backend that answers from a table: question -> list of replies, one per sample."""

    model_name = "known-answers"

    def __init__(self, replies: dict[str, list[str]]) -> None:
        self.replies = replies
        self.calls = 0

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        out = []
        for r in requests:
            question = next(q for q in self.replies if q in r.messages[-1]["content"])
            text = self.replies[question][self.calls % len(self.replies[question])]
            self.calls += 1
            out.append(Completion(text, 10, 5, "stop"))
        return out


def test_answer_agreement_on_a_fixture_backend(settings: Settings, tmp_path: Path) -> None:
    assert final_answer("so \\boxed{\\frac{1}{2}} is it") == "\\frac{1}{2}"
    assert final_answer("The final answer is 12 apples.") == "12 apples"
    assert final_answer("x = 3, then y = 4") == "4"
    assert same_answer("\\frac{1}{2}", "0.5") and not same_answer("2", "3")
    assert same_answer("blue", "Blue") and not same_answer("blue", None)
    replies = {
        "What is 2 + 2?": ["\\boxed{4}", "It is 4.", "\\boxed{5}"],
        "What is half of 1?": ["\\boxed{0.5}", "\\boxed{1/2}", "\\boxed{\\frac{1}{2}}"],
        "Name a prime above 10 and below 12.": ["\\boxed{13}", "\\boxed{9}", "\\boxed{7}"],
    }
    backend = KnownAnswers({q: r for q, r in replies.items()})
    agreement = Agreement.from_settings(backend, settings, samples=3)
    rows = [
        {"question": "What is 2 + 2?", "answer": "\\boxed{4}"},
        {"question": "What is half of 1?", "answer": "so $\\frac12$ is \\boxed{\\frac{1}{2}}"},
        {"question": "Name a prime above 10 and below 12.", "answer": "\\boxed{11}"},
    ]
    scores = agreement.score(rows)
    assert scores == [(0.75, "4"), (1.0, "\\frac{1}{2}"), (0.25, "11")]
    seeds = {r.seed for r in agreement.requests(rows[:1])}
    assert len(seeds) == 3  # each sample its own seed
