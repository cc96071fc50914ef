"""``kgsynth explore``: every view rendered to a page that a real headless Chromium draws.

For each view the test builds a small graph, writes the page, loads it from a file URL with no
network, takes a screenshot, and checks that the graph drew (the canvas is not blank) and that
the page's embedded data holds exactly the nodes and relationships the view's query returned.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kgsynth.cli.app import app
from kgsynth.config import Settings
from kgsynth.errors import InputError
from kgsynth.explore import views
from kgsynth.explore.page import LABEL_COLOURS, write_page
from kgsynth.graph import GraphRepository
from kgsynth.records import Document, Extraction
from kgsynth.runs import RunFolder
from kgsynth.stages.ingest.build import write_batch
from kgsynth.tables import QA_SCHEMA, QA_TABLE, to_table
from tests.conftest import graph_env

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium')"
)
_DATA = re.compile(r'<script type="application/json"\s+id="neo4j-viz-data">(.*?)</script>', re.S)


def _pair(i: str, concepts: dict[str, tuple[str, ...]]) -> tuple[Document, Extraction]:
    doc = Document(id=i, text=f"text {i} " + "long " * 100, title=f"Title {i}", source="test")
    return doc, Extraction(i, "College", "Maths", concepts)


@pytest.fixture
def explore_graph(graph: GraphRepository) -> GraphRepository:
    write_batch(
        graph,
        [
            _pair("d1", {"Geometry": ("Pythagorean theorem", "Right triangle", "Hypotenuse")}),
            _pair("d2", {"Geometry": ("Pythagorean theorem", "Right triangle")}),
            _pair("d3", {"Trigonometry": ("Sine", "Right triangle"), "Geometry": ("Angle",)}),
            _pair("d4", {"Trigonometry": ("Sine", "Cosine")}),
        ],
    )
    graph.start_run("sample-test", "sample", "2026-11-21T00:00:00+00:00", "{}", 3, None)
    row = {
        "hash": "h1", "name": "Geometry | Pythagorean theorem, Right triangle", "size": 3,
        "topics": [{"key": "geometry", "pos": 0}],
        "concepts": [{"key": "pythagorean theorem", "pos": 1}, {"key": "right triangle", "pos": 2}],
        "refs": [{"id": "d2", "rank": 1, "jaccard": 1.0}, {"id": "d1", "rank": 2, "jaccard": 0.75}],
    }  # fmt: skip
    graph.write_concept_sets("sample-test", [row], batch_size=10)
    return graph


def _qa_run(runs_dir: Path) -> RunFolder:
    base = {"run_id": "generate-x", "answer": "A", "question_index": 0}
    rows = [
        {**base, "question_id": "q-set", "level": 3, "question": "Why [b]bold[/b]?",
         "set_hash": "h1", "walk_path": ["Topic:geometry", "Concept:pythagorean theorem"]},
        {**base, "question_id": "q-doc", "level": 1, "question": "What is a sine?",
         "source_doc_id": "d3", "walk_path": []},
    ]  # fmt: skip
    run = RunFolder(runs_dir, "generate")
    run.write_shard(QA_TABLE, 0, to_table(rows, QA_SCHEMA))
    return run


def _page_data(path: Path) -> dict:
    blocks = _DATA.findall(path.read_text(encoding="utf-8"))  # the page's comments name it too
    assert blocks, "the page has no embedded graph data"
    return json.loads(blocks[-1])


def _screenshot(page: Path, out: Path) -> Path:
    profile = out.parent / "chromium-profile"
    cmd = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", "--window-size=900,700",
        "--virtual-time-budget=20000", f"--screenshot={out}", page.resolve().as_uri(),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return out


def _drawn_colours(png: Path, colours: set[str]) -> set[str]:
    """Which of ``colours`` (hex) cover at least 40 pixels of the screenshot: the node circles
    of those colours were drawn (toolbar and header use none of them)."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3).astype(int)
    found = set()
    for colour in colours:
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        if int((np.abs(pixels - rgb).sum(axis=1) <= 12).sum()) >= 40:
            found.add(colour)
    return found


def _check(view: views.View, tmp_path: Path) -> dict:
    page = write_page(view, tmp_path / f"{view.name}.html")
    data = _page_data(page)
    assert {n["id"] for n in data["nodes"]} == {n.id for n in view.graph.nodes}
    assert {r["id"] for r in data["relationships"]} == {r.id for r in view.graph.relationships}
    assert len(data["nodes"]) == len(view.graph.nodes)
    if CHROMIUM is not None and view.graph.nodes:
        drawn = {view.colours.get(n.id) or LABEL_COLOURS[n.label] for n in view.graph.nodes}
        assert _drawn_colours(_screenshot(page, tmp_path / f"{view.name}.png"), drawn) == drawn
    return data


@needs_chromium
def test_concept_view_draws_the_concept_its_neighbours_and_documents(
    explore_graph: GraphRepository, tmp_path: Path
) -> None:
    view = views.concept_view(explore_graph, "Right Triangle", limit=3)
    data = _check(view, tmp_path)
    captions = {n["caption"] for n in data["nodes"]}
    assert "Right triangle" in captions and "Pythagorean theorem" in captions
    neighbours = [r for r in view.graph.relationships if r.type == "CO_OCCURS"]
    assert len(neighbours) == 3  # bounded by limit, heaviest first
    counts = sorted((r.properties["count"] for r in neighbours), reverse=True)
    assert counts == [3, 2, 1]  # Geometry (3 documents), Pythagorean theorem (2), then a 1
    assert "3 of 6 co-occurring" in view.notes[0] and "3 left out" in view.notes[0]
    texts = [n["properties"].get("text") for n in data["nodes"] if "text" in n["properties"]]
    assert texts and all(len(t) <= 200 for t in texts)  # long texts cut on hover


@needs_chromium
def test_question_views_trace_a_question_to_its_sources(
    explore_graph: GraphRepository, settings: Settings, tmp_path: Path
) -> None:
    _qa_run(settings.runs_dir)
    level3 = views.question_view(explore_graph, settings.runs_dir, "q-set", None, limit=20)
    _check(level3, tmp_path)
    types = sorted({r.type for r in level3.graph.relationships})
    assert types == ["CO_OCCURS", "INCLUDES", "REFERENCES"]
    assert {n.properties.get("id") for n in level3.graph.nodes} >= {"d1", "d2"}
    assert "Why [b]bold[/b]?" in level3.notes[0]
    level1 = views.question_view(explore_graph, settings.runs_dir, "q-doc", None, limit=20)
    (tmp_path / "l1").mkdir()
    _check(level1, tmp_path / "l1")
    assert {n.properties.get("key") for n in level1.graph.nodes} >= {"trigonometry", "sine"}


@needs_chromium
def test_topic_coverage_and_merge_views(explore_graph: GraphRepository, tmp_path: Path) -> None:
    topics = views.topics_view(explore_graph, limit=10)
    _check(topics, tmp_path)
    assert {n.properties["key"] for n in topics.graph.nodes} == {"geometry", "trigonometry"}
    assert [r.properties["count"] for r in topics.graph.relationships] == [1]

    coverage = views.coverage_view(explore_graph, limit=4)
    _check(coverage, tmp_path)
    assert len(coverage.graph.nodes) == 4  # of 6 concepts
    used = {n.properties["key"] for n in coverage.graph.nodes if n.id in coverage.colours
            and coverage.colours[n.id] != views.UNUSED_COLOUR}  # fmt: skip
    assert used == {"pythagorean theorem", "right triangle"}

    merges = views.merges_view(explore_graph, limit=10)
    assert merges.graph.nodes == [] and "0 of 0 merges" in merges.notes[0]


def test_bad_input_names_the_closest_matches(
    explore_graph: GraphRepository, settings: Settings
) -> None:
    with pytest.raises(InputError, match="closest: right triangle"):
        views.concept_view(explore_graph, "right triangles", limit=5)
    _qa_run(settings.runs_dir)
    with pytest.raises(InputError, match="closest: q-set"):
        views.question_view(explore_graph, settings.runs_dir, "q-sett", None, limit=5)


def test_empty_graph_says_what_to_run_first(graph: GraphRepository) -> None:
    with pytest.raises(InputError, match="kgsynth ingest"):
        views.require_graph(graph)


def test_cli_writes_a_page_and_reports_what_was_left_out(
    explore_graph: GraphRepository, settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "t.html"
    result = CliRunner().invoke(
        app, ["explore", "topics", "--limit", "1", "-o", str(out)], env=graph_env(settings)
    )
    assert result.exit_code == 0, result.output
    assert "1 of 2 topics (1 left out)" in result.output
    assert len(_page_data(out)["nodes"]) == 1
    bad = CliRunner().invoke(app, ["explore", "galaxy"], env=graph_env(settings))
    assert bad.exit_code == 2 and "unknown view 'galaxy'" in bad.output


def test_the_demo_views_of_a_run(
    explore_graph: GraphRepository, settings: Settings, tmp_path: Path
) -> None:
    from kgsynth.explore import write_run_views

    run = _qa_run(settings.runs_dir)
    pages = write_run_views(explore_graph, settings.runs_dir, run.run_id, tmp_path / "views")
    assert [p.name for p in pages] == ["concept.html", "question.html"]
    concept = _page_data(pages[0])
    assert "Right triangle" in {n["caption"] for n in concept["nodes"]}  # the most mentioned
    question = _page_data(pages[1])
    assert "h1" in {n["properties"].get("hash") for n in question["nodes"]}  # q-set's set
