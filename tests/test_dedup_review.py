"""The review queue, keep-apart decisions and the LLM judge, against the real graph with the
packaged MiniLM (pairs are found by the real embedding search).

Expected co-occurrence counts are computed from the documents as written (merged spellings
mapped to their survivor), never read back from what the code under test wrote.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from typer.testing import CliRunner

from kgsynth.cli.app import app
from kgsynth.config import Settings
from kgsynth.graph import GraphRepository
from kgsynth.llm.base import ChatRequest, Completion, LLMBackend
from kgsynth.stages.dedup import list_merges, run_dedup
from kgsynth.stages.dedup.merge import Link, clusters_apart
from kgsynth.stages.dedup.review import (
    JUDGE_SCHEMA,
    ReviewPairNotFoundError,
    accept,
    judge,
    pair_id,
    queue_rows,
    read_judgement,
    reject,
)
from kgsynth.stages.ingest.build import write_batch
from tests.conftest import graph_env
from tests.test_dedup import _doc, _edges, _expected_edges

DOCS = [
    _doc("d1", {"Geometry": ("Pythagorean theorem", "Hypotenuse")}),
    _doc("d2", {"Geometry": ("Pythagoras theorem", "Right triangle")}),
    _doc("d3", {"Linear Algebra": ("theorem of Cayley-Hamilton", "row echelon form")}),
    _doc("d4", {"Linear Algebra": ("Cayley-Hamilton theorem", "echelon row form")}),
    _doc("d5", {"Probability": ("Gaussian distribution", "Hypotenuse")}),
    _doc("d6", {"Probability": ("Gauss distribution",)}),
]
PYTHAGORAS = pair_id("pythagoras theorem", "pythagorean theorem")
CAYLEY = pair_id("cayley-hamilton theorem", "theorem of cayley-hamilton")
GAUSS = pair_id("gauss distribution", "gaussian distribution")


def _queued_ids(graph: GraphRepository) -> set[str]:
    return {p.id for p in graph.review_queue()}


@pytest.mark.model
def test_queue_accept_reject_and_rebuild_respects_decisions(
    graph: GraphRepository, settings: Settings
) -> None:
    write_batch(graph, DOCS)
    report = run_dedup(graph, settings)
    # three reworded pairs wait; the swapped word order is blocked; nothing merged
    assert (report.merged, report.queued, report.blocked) == (0, 3, 1)
    assert report.blocked_by_rule == {"word_order": 1}
    queue = graph.review_queue()
    assert {p.id for p in queue} == {PYTHAGORAS, CAYLEY, GAUSS}
    assert [p.score for p in queue] == sorted((p.score for p in queue), reverse=True)
    assert all(p.score >= settings.dedup.threshold for p in queue)
    by_id = {p.id: p for p in queue}
    assert (by_id[PYTHAGORAS].a_name, by_id[PYTHAGORAS].a_docs) == ("Pythagoras theorem", ("D2",))
    assert (by_id[PYTHAGORAS].b_name, by_id[PYTHAGORAS].b_docs) == ("Pythagorean theorem", ("D1",))
    assert by_id[CAYLEY].rule == "of_phrase"

    assert reject(graph, [PYTHAGORAS]) == 1
    merged = accept(graph, settings, [CAYLEY], reasons={CAYLEY: "same theorem"})
    assert merged == {"theorem of cayley-hamilton": "cayley-hamilton theorem"}
    assert _queued_ids(graph) == {GAUSS}
    assert graph.review_counts().queued == 1 and graph.review_counts().kept_apart == 1
    record = next(m for m in list_merges(graph) if m["alias"] == "theorem of cayley-hamilton")
    assert (record["decided_by"], record["rule"], record["reason"]) == (
        "review", "review", "same theorem"
    )  # fmt: skip
    alias_of = {"theorem of cayley-hamilton": "cayley-hamilton theorem"}
    assert _edges(graph) == _expected_edges(DOCS, alias_of)
    with pytest.raises(ReviewPairNotFoundError, match=PYTHAGORAS):
        accept(graph, settings, [PYTHAGORAS])

    # a rebuild finds every pair again: the rejected one stays apart, the merged one merged
    rebuilt = run_dedup(graph, settings, rebuild=True)
    assert (rebuilt.merged, rebuilt.kept_apart, rebuilt.queued) == (0, 1, 1)
    assert _queued_ids(graph) == {GAUSS}
    assert graph.review_counts().kept_apart == 1

    # a later ingest that brings a new spelling of a kept-apart concept: the new pair is
    # decided on its own, the kept-apart pair still never merges
    write_batch(graph, [_doc("d7", {"Geometry": ("Pythagoras' theorem",)})])
    later = run_dedup(graph, settings)
    merges = {m["alias"]: m["survivor"] for m in list_merges(graph)}
    assert merges["pythagoras' theorem"] == "pythagoras theorem"
    assert "pythagorean theorem" not in merges and "pythagoras theorem" not in merges
    # its pair with "pythagorean theorem" maps onto the kept-apart pair: not queued again
    assert (later.merged, later.queued) == (1, 0) and _queued_ids(graph) == {GAUSS}


class FixedJudge(LLMBackend):
    """Replies with fixed JSON by the first marker found in the user message."""

    model_name = "fixed"

    def __init__(self, replies: dict[str, str]) -> None:
        self.replies = replies
        self.requests: list[ChatRequest] = []

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        self.requests += requests
        out = []
        for r in requests:
            user = r.messages[-1]["content"]
            text = next(v for k, v in self.replies.items() if k in user)
            out.append(Completion(text, 10, 10, "stop"))
        return out


@pytest.mark.model
def test_judge_decides_queued_pairs_and_records_its_reason(
    graph: GraphRepository, settings: Settings
) -> None:
    write_batch(graph, DOCS)
    run_dedup(graph, settings)
    backend = FixedJudge(
        {
            "Gauss": '{"same": true, "reason": "Gauss and Gaussian name one distribution"}',
            "Pythagor": '{"same": false, "reason": "kept apart on purpose"}',
            "Cayley": "I think they are the same",  # not JSON: stays queued
        }
    )
    report = judge(graph, settings, backend)
    assert (report.judged, report.merged, report.kept_apart, report.unreadable) == (3, 1, 1, 1)
    assert all(r.json_schema == JUDGE_SCHEMA and r.temperature == 0 for r in backend.requests)
    assert _queued_ids(graph) == {CAYLEY}
    record = next(m for m in list_merges(graph) if m["decided_by"] == "judge:fixed")
    assert {record["alias"], record["survivor"]} == {"gauss distribution", "gaussian distribution"}
    assert record["reason"] == "Gauss and Gaussian name one distribution"
    apart = graph.read("list_keep_apart")
    assert [(r["a"], r["b"], r["decided_by"], r["reason"]) for r in apart] == [
        ("pythagoras theorem", "pythagorean theorem", "judge:fixed", "kept apart on purpose")
    ]


@pytest.mark.model
def test_judge_runs_on_a_real_backend(
    graph: GraphRepository, settings: Settings, tiny_backend: LLMBackend
) -> None:
    """Plumbing with the tiny random Llama: every pair is judged or left queued, none lost."""
    write_batch(graph, DOCS)
    run_dedup(graph, settings)
    report = judge(graph, settings, tiny_backend)
    assert report.judged == 3
    decided = report.merged + report.kept_apart
    assert decided + report.unreadable == 3
    assert graph.review_counts().queued == report.unreadable


@pytest.mark.model
def test_review_from_the_command_line(graph: GraphRepository, settings: Settings) -> None:
    write_batch(graph, DOCS)
    run_dedup(graph, settings)
    runner = CliRunner()
    env = graph_env(settings)
    listed = runner.invoke(app, ["dedup", "--review", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert {r["id"] for r in rows} == {PYTHAGORAS, CAYLEY, GAUSS}
    text = runner.invoke(app, ["dedup", "--review"], env=env)
    assert "3 pairs wait for review" in text.output and "Pythagoras theorem" in text.output
    decided = runner.invoke(
        app, ["dedup", "--accept", GAUSS, "--reject", PYTHAGORAS, "--reject", CAYLEY], env=env
    )
    assert decided.exit_code == 0, decided.output
    assert "1 merged, 2 kept apart" in decided.output
    assert graph.review_counts().queued == 0
    stats = runner.invoke(app, ["stats", "--json"], env=env)
    counts = json.loads(stats.output)["counts"]
    assert (counts["review_queue"], counts["kept_apart"], counts["merged_concepts"]) == (0, 2, 1)
    unknown = runner.invoke(app, ["dedup", "--accept", "p0000000000"], env=env)
    assert unknown.exit_code == 2 and "p0000000000" in unknown.output


def test_clusters_never_join_concepts_kept_apart() -> None:
    scores = {("a", "b"): 0.99, ("b", "c"): 0.95, ("c", "d"): 0.93, ("e", "f"): 0.91}
    links = [Link(a, b, s, "surface", "verifier") for (a, b), s in scores.items()]
    assert clusters_apart(links, set()) == ([["a", "b", "c", "d"], ["e", "f"]], 0)
    # a and c kept apart: b~c would join them, so it is refused; c~d still joins
    assert clusters_apart(links, {frozenset(("a", "c"))}) == (
        [["a", "b"], ["c", "d"], ["e", "f"]],
        1,
    )


def test_queue_rows_follow_merges_and_skip_decided_pairs() -> None:
    review = [Link("x", "y", 0.92, "added_words", "verifier", "adds 'number'"),
              Link("x2", "y", 0.95, "added_words", "verifier", "adds 'number'"),
              Link("p", "q", 0.91, "different_words", "verifier", "..."),
              Link("u", "v", 0.93, "of_phrase", "verifier", "...")]  # fmt: skip
    rows = queue_rows(review, {"x2": "x", "q": "p"}, {frozenset(("u", "v"))}, 0.9)
    # x2 merged into x: one pair (x, y) with the better score; p~q became one concept
    assert [(r["a"], r["b"], r["score"], r["id"]) for r in rows] == [
        ("x", "y", 0.95, pair_id("y", "x"))
    ]


def test_judge_replies_are_read_strictly() -> None:
    assert read_judgement('{"same": true, "reason": " one\\n name "}') == (True, "one name")
    assert read_judgement('Sure: {"same": false, "reason": "differ"}') == (False, "differ")
    bad = [
        "",
        "yes",
        '{"same": "yes", "reason": "x"}',
        '{"same": true}',
        '{"same": 1, "reason": ""}',
    ]
    assert [read_judgement(b) for b in bad] == [None] * len(bad)


@pytest.mark.model
def test_bundled_annotated_corpus_merges_only_true_variants(
    graph: GraphRepository, settings: Settings
) -> None:
    """Ingest (with its dedup) of the bundled documents that carry their concepts: the only
    automatic merge is a true surface variant; the Pythagoras/Pythagorean pair waits."""
    from kgsynth.assets import asset_dir

    env = graph_env(settings)
    src = asset_dir("examples") / "annotated.jsonl"
    result = CliRunner().invoke(app, ["ingest", str(src)], env=env)
    assert result.exit_code == 0, result.output
    merges = {(m["alias_name"], m["survivor_name"]) for m in list_merges(graph)}
    assert merges == {("derivatives of functions", "derivative of a function")}
    assert [(p.a_name, p.b_name) for p in graph.review_queue()] == [
        ("Pythagoras theorem", "Pythagorean theorem")
    ]
    assert "1 pairs queued for review" in result.output
