"""Hostile input: every case asserts its exact outcome.

Either one clear error line with its exit code (and nothing written), or a successful
ingest whose bad rows are counted rejects naming file:line and reason, with the graph
consistent (checked by count queries). Runs the CLI in-process against the session graph.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kgsynth.cli.app import app
from kgsynth.config import Settings
from kgsynth.graph import GraphRepository
from tests.conftest import graph_env

runner = CliRunner()


T = "algebra"  # the topic of every row (names must pass the [names] hygiene rules)


def row(i: int | str, text: str | None = None, **extra: Any) -> dict[str, Any]:
    """A valid pre-extracted document (no LLM needed)."""
    body = {"id": i, "text": text if text is not None else f"document {i}", "topics": [T]}
    body["concepts"] = {T: [f"idea {i}", "shared idea"]}
    return {**body, **extra}


def jsonl(*rows: dict[str, Any] | str) -> bytes:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass
class Case:
    """One input file and what must come of it."""

    content: bytes
    rc: int = 0
    rejects: dict[int, str] = field(default_factory=dict)  # line -> reason fragment
    documents: int | None = None  # documents in the graph afterwards
    error: str | None = None  # the one error line (for rc != 0)
    name: str = "in.jsonl"
    counts: dict[str, int] = field(default_factory=dict)  # other graph counts


SURR = "\ud800"
CASES: dict[str, Case] = {
    "lone surrogate in text": Case(
        jsonl(row(1), row(2), row(3, "doc" + SURR), row(4)),
        rejects={3: '"text" holds a lone surrogate (\\ud800 at character 3)'},
        documents=3,
    ),
    "lone surrogate in id": Case(
        jsonl(row("a" + SURR), row(2)), rejects={1: '"id" holds a lone surrogate'}, documents=1
    ),
    "lone surrogate in a topic": Case(
        jsonl(row(1, topics=[T + SURR]), row(2)),
        rejects={1: '"topics" holds a lone surrogate'},
        documents=1,
    ),
    "lone surrogate in a concept": Case(
        jsonl(row(1, concepts={T: ["ring" + SURR]}), row(2)),
        rejects={1: '"concepts" holds a lone surrogate'},
        documents=1,
    ),
    "lone surrogate in a title": Case(
        jsonl(row(1, title=SURR), row(2)), rejects={1: '"title" holds'}, documents=1
    ),
    "UTF-8 byte order mark": Case(b"\xef\xbb\xbf" + jsonl(row(1), row(2)), documents=2),
    "upper-case .JSONL": Case(jsonl(row(1)), name="UPPER.JSONL", documents=1),
    "zero-width-only concept": Case(
        jsonl(row(1, concepts={T: ["\u200b\u200d", "real numbers"]})),
        documents=1,
        counts={"concepts": 1, "topics": 1},
    ),
    "zero-width-only topic": Case(
        jsonl(row(1, topics=["\u200b"], concepts={"\u200b": ["rings"], T: ["groups"]})),
        documents=1,
        counts={"topics": 1, "concepts": 1},
    ),
    "same id, same text twice": Case(jsonl(row(1), row(1)), documents=1),
    "same id, different text": Case(
        jsonl(row(1), row(1, "another text")),
        rejects={2: "conflicting duplicate id '1': a different text has it earlier in this ingest"},
        documents=1,
    ),
    "7 and '7' with different texts": Case(
        jsonl(row(7, "seven"), row("7", "sieben")),
        rejects={2: "conflicting duplicate id '7'"},
        documents=1,
    ),
    "7 and '7' with the same text": Case(jsonl(row(7, "seven"), row("7", "seven")), documents=1),
    "malformed JSON": Case(
        jsonl(row(1), '{"id": 2, "text": '), rejects={2: "malformed JSON"}, documents=1
    ),
    "a JSON array": Case(jsonl("[1, 2]", row(1)), rejects={1: "expected a JSON object"}),
    "missing text": Case(jsonl({"id": 1}, row(2)), rejects={1: 'missing or empty "text"'}),
    "blank text": Case(jsonl(row(1, "   "), row(2)), rejects={1: 'missing or empty "text"'}),
    "numeric text": Case(
        jsonl({"id": 1, "text": 5}, row(2)), rejects={1: 'missing or empty "text"'}
    ),
    "id is a list": Case(jsonl(row([1]), row(2)), rejects={1: '"id" must be a string or'}),
    "id is a float": Case(jsonl(row(1.5), row(2)), rejects={1: '"id" must be a string or'}),
    "topics not a list": Case(
        jsonl(row(1, topics=T), row(2)), rejects={1: '"topics" must be a list of strings'}
    ),
    "flat concepts without topics": Case(
        jsonl({"id": 1, "text": "x", "concepts": ["a"]}, row(2)),
        rejects={1: 'a flat "concepts" list needs "topics"'},
    ),
    "invalid UTF-8 bytes": Case(
        jsonl(row(1)) + b'{"id": 2, "text": "\xff\xfe"}\n', rejects={2: "not valid UTF-8"}
    ),
    "markup in a rejected row's topic": Case(
        jsonl(row(1, topics=["[/bad]"], concepts={"[/bad]": "x"}), row(2)),
        rejects={1: "\"concepts\" for topic '[/bad]' must be a list of strings"},
        documents=1,
    ),
    "Cypher in names is data": Case(
        jsonl(row(1, topics=['x"}) DETACH DELETE n //'], concepts={T: ["') RETURN 1 //"]})),
        documents=1,
        counts={"topics": 2},
    ),
    "CRLF line ends": Case(jsonl(row(1), row(2)).replace(b"\n", b"\r\n"), documents=2),
    "NUL inside a text": Case(jsonl(row(1, "a\u0000b"), row(2)), documents=2),
    "empty file": Case(b"", rc=2, error="empty file; expected one JSON object per line"),
    "only blank lines": Case(b"\n  \n\n", rc=2, error="no documents in"),
    "every row rejected": Case(
        jsonl("[]", "{}"), rc=2, error="no usable documents in", rejects={1: "", 2: ""}
    ),
    "unsupported file type": Case(b"a,b\n", rc=2, name="in.csv", error="unsupported file type"),
}


def _ingest(settings: Settings, path: Path) -> Any:
    return runner.invoke(app, ["ingest", "--no-dedup", str(path)], env=graph_env(settings))


def _rejects(settings: Settings) -> list[dict[str, Any]]:
    found = sorted(settings.runs_dir.glob("ingest-*/rejects/ingest.jsonl"))
    return [json.loads(x) for x in found[-1].read_text().splitlines()] if found else []


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input(
    name: str, settings: Settings, graph: GraphRepository, tmp_path: Path
) -> None:
    case = CASES[name]
    path = tmp_path / case.name
    path.write_bytes(case.content)
    result = _ingest(settings, path)
    assert result.exit_code == case.rc, result.output
    assert "Traceback" not in result.output
    if case.error:
        errors = _error_lines(result.output)
        assert len(errors) == 1 and case.error in errors[0] and str(path) in errors[0], errors
    rejects = _rejects(settings)
    assert {int(r["source"].rsplit(":", 1)[1]): r["reason"] for r in rejects}.keys() == set(
        case.rejects
    ), rejects
    for r in rejects:
        assert r["source"].startswith(f"{path}:")
        assert case.rejects[int(r["source"].rsplit(":", 1)[1])] in r["reason"]
    counts = graph.read("graph_counts")[0]
    if case.rc:
        assert counts["documents"] == 0
        return
    assert f"{len(case.rejects)} rejected" in result.output
    expected_docs = case.documents
    if expected_docs is None:
        expected_docs = case.content.count(b"\n") - len(case.rejects)
    assert counts["documents"] == expected_docs, counts
    for key, value in case.counts.items():
        assert counts[key] == value, counts


def test_conflict_with_a_document_already_in_the_graph(
    settings: Settings, graph: GraphRepository, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_bytes(jsonl(row("x", "original")))
    second.write_bytes(jsonl(row("x", "original"), row("x", "changed")))
    assert _ingest(settings, first).exit_code == 0
    result = _ingest(settings, second)
    assert result.exit_code == 0 and "1 already in the graph, 1 rejected" in result.output
    [reject] = _rejects(settings)
    assert reject["source"] == f"{second}:2"
    assert reject["reason"] == "conflicting duplicate id 'x': a different text has it in the graph"


def test_display_names_keep_the_first_seen_spelling(
    settings: Settings, graph: GraphRepository, tmp_path: Path
) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        jsonl(row(1, concepts={T: ["ﬁeld theory"]}), row(2, concepts={T: ["field theory"]}))
    )
    assert _ingest(settings, path).exit_code == 0
    names = {r["name"] for r in graph.read("list_concepts_for_index")}
    assert "ﬁeld theory" in names and "field theory" not in names  # one key, first spelling


def test_markup_in_a_path_is_printed_as_text(settings: Settings, tmp_path: Path) -> None:
    missing = "[/x].jsonl"
    result = runner.invoke(app, ["ingest", missing], env=graph_env(settings))
    assert result.exit_code == 2
    assert _error_lines(result.output) == [f"error: {missing}: no such file or folder"]
    styled = tmp_path / "[bold]x[red].txt"
    styled.write_bytes(b"")
    result = _ingest(settings, styled)
    assert _error_lines(result.output) == [
        f"error: {styled}: empty file; expected the document's text"
    ]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["sample", "--seed", "99999999999999999999"], "sample.seed must be an integer from 0 to"),
        (["sample", "--seed", "-1"], "sample.seed must be an integer from 0 to"),
        (["generate", "--seed", str(2**64)], "llm.seed must be an integer from 0 to"),
    ],
)
def test_out_of_range_seed_is_one_line(args: list[str], error: str, tmp_path: Path) -> None:
    result = runner.invoke(app, args, env={"KGSYNTH_HOME": str(tmp_path)})
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(_error_lines(result.output)) == 1 and error in result.output


def test_config_error_keeps_the_section_name(tmp_path: Path) -> None:
    config = tmp_path / "kgsynth.toml"
    config.write_text("[sample]\nbogus = 1\n")
    result = runner.invoke(app, ["--config", str(config), "stats"])
    assert result.exit_code == 2
    [line] = _error_lines(result.output)
    assert "unknown key(s) ['bogus'] in [sample]" in line


def test_password_inside_the_uri_is_masked(tmp_path: Path) -> None:
    env = {"KGSYNTH_NEO4J_URI": "bolt://neo4j:s3cr3t-pw@127.0.0.1:1", "KGSYNTH_HOME": str(tmp_path)}
    result = runner.invoke(app, ["stats"], env=env)
    assert result.exit_code == 3 and "s3cr3t-pw" not in result.output
    [line] = _error_lines(result.output)
    assert "bolt://neo4j:***@127.0.0.1:1" in line


def test_failed_sample_leaves_no_run_folder_for_generate(
    settings: Settings, graph: GraphRepository
) -> None:
    env = graph_env(settings)
    failed = runner.invoke(app, ["sample"], env=env)  # the graph is empty: nothing to walk
    assert failed.exit_code == 2 and "the graph has no topics" in _error_lines(failed.output)[0]
    assert not list(settings.runs_dir.glob("sample-*"))
    result = runner.invoke(app, ["generate"], env=env)
    assert result.exit_code == 2
    assert _error_lines(result.output) == [
        f"error: {settings.runs_dir}: no 'sample' run with output found; run 'kgsynth sample' first"
    ]


def test_parquet_rows_with_bad_text(
    settings: Settings, graph: GraphRepository, tmp_path: Path
) -> None:
    path = tmp_path / "in.parquet"
    table = {"id": ["a", "b", "c"], "text": ["fine", None, " "], "topics": [[T]] * 3}
    pq.write_table(pa.table({**table, "concepts": [["rings", "groups"]] * 3}), path)
    result = _ingest(settings, path)
    assert result.exit_code == 0 and "1 read" in result.output
    assert [r["source"] for r in _rejects(settings)] == [f"{path}:row 2", f"{path}:row 3"]
