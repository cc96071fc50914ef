"""The CLI through Typer's runner: help, exit codes, one-line errors, ingest on the real graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kgsynth.assets import asset_dir
from kgsynth.cli.app import app, unwrap_help
from kgsynth.config import Settings
from kgsynth.graph import GraphRepository
from tests.conftest import graph_env

runner = CliRunner()

COMMANDS = [
    ["ingest"], ["dedup"], ["sample"], ["generate"], ["export"], ["stats"], ["demo"], ["fit"],
    ["report"],
    ["db"], ["db", "start"], ["db", "stop"], ["db", "status"], ["db", "migrate"], ["db", "reset"],
    ["prompts"], ["prompts", "export"], ["prompts", "check"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 5


def test_help_reads_as_paragraphs() -> None:
    result = runner.invoke(app, ["generate", "--help"], env={"COLUMNS": "200"})
    assert "reference documents; levels 1 and 2 use the documents in the graph." in result.output
    assert unwrap_help("One\n  two.\n\n- a\n  b\n- c\nd") == "One two.\n\n- a b\n- c d"


def test_no_arguments_shows_help() -> None:
    result = runner.invoke(app, [])
    assert "ingest" in result.output and "sample" in result.output


def test_missing_input_is_one_line_and_exit_2(settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    result = runner.invoke(app, ["ingest", str(missing)], env=graph_env(settings))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: {missing}: no such file or folder"]


def test_unreachable_database_masks_the_password(tmp_path: Path) -> None:
    env = {
        "KGSYNTH_NEO4J_URI": "bolt://127.0.0.1:9",
        "KGSYNTH_NEO4J_PASSWORD": "very-secret-pw",
        "KGSYNTH_HOME": str(tmp_path),
    }
    result = runner.invoke(app, ["stats"], env=env)
    assert result.exit_code == 3
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "bolt://127.0.0.1:9" in lines[0]
    assert "very-secret-pw" not in result.output and "Traceback" not in result.output


def test_bad_config_value_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats"], env={"KGSYNTH_SAMPLE_EPOCHS": "zero"})
    assert result.exit_code == 2
    assert "KGSYNTH_SAMPLE_EPOCHS: expected int" in result.output


def test_ingest_given_concepts_twice_changes_nothing(
    settings: Settings, graph: GraphRepository, tmp_path: Path
) -> None:
    env = graph_env(settings)
    src = asset_dir("examples") / "annotated.jsonl"
    first = runner.invoke(app, ["ingest", str(src), "--no-dedup"], env=env)
    assert first.exit_code == 0, first.output
    counts = graph.read("graph_counts")[0]
    assert counts["documents"] == 6 and counts["topics"] >= 3 and counts["concepts"] >= 30
    second = runner.invoke(app, ["ingest", str(src), "--no-dedup"], env=env)
    assert second.exit_code == 0, second.output
    assert "6 already in the graph" in second.output
    assert graph.read("graph_counts")[0] == counts
    runs = sorted(p for p in settings.runs_dir.iterdir() if p.name.startswith("ingest-"))
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["report"]["given"] == 6 and manifest["graph"]["documents"] == 6


def test_bad_rows_are_counted_and_kept_with_reasons(
    settings: Settings, graph: GraphRepository, tmp_path: Path
) -> None:
    src = tmp_path / "mixed.jsonl"
    good = {"id": "g1", "text": "Good", "topics": ["Algebra"], "concepts": ["group", "ring"]}
    src.write_text(json.dumps(good) + "\n{oops\n" + json.dumps({"text": ""}) + "\n")
    result = runner.invoke(app, ["ingest", str(src), "--no-dedup"], env=graph_env(settings))
    assert result.exit_code == 0, result.output
    assert "2 rejected" in result.output
    run = next(p for p in settings.runs_dir.iterdir() if p.name.startswith("ingest-"))
    rejects = [json.loads(x) for x in (run / "rejects" / "ingest.jsonl").read_text().splitlines()]
    assert [r["source"] for r in rejects] == [f"{src}:2", f"{src}:3"]
    assert rejects[0]["reason"].startswith("malformed JSON") and rejects[0]["payload"] == "{oops"
    assert graph.read("graph_counts")[0]["documents"] == 1


def test_all_rows_bad_is_an_error(
    settings: Settings, graph: GraphRepository, tmp_path: Path
) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text("{oops\n[1]\n")
    result = runner.invoke(app, ["ingest", str(src)], env=graph_env(settings))
    assert result.exit_code == 2
    assert "no usable documents" in result.output and "2 rows were rejected" in result.output


def test_db_status_and_reset(settings: Settings, graph: GraphRepository) -> None:
    env = graph_env(settings)
    graph.write("write_topics", rows=[{"key": "t", "name": "T"}])
    status = runner.invoke(app, ["db", "status"], env=env)
    assert status.exit_code == 0, status.output
    assert "schema   : v2 applied, 0 pending" in status.output
    assert "topics=1" in status.output
    refused = runner.invoke(app, ["db", "reset"], env=env)
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert runner.invoke(app, ["db", "reset", "--yes"], env=env).exit_code == 0
    assert graph.read("graph_counts")[0]["topics"] == 0


def test_local_server_start_reuse_stop(tmp_path: Path) -> None:
    """Without a URI: `db start` keeps a local ArcadeDB running, commands reuse it, `db stop`."""
    started = runner.invoke(app, ["db", "start"], env=_local_env(tmp_path))
    try:
        assert started.exit_code == 0, started.output
        assert "Bolt URI : bolt://127.0.0.1:" in started.output
        status = runner.invoke(app, ["db", "status"], env=_local_env(tmp_path))
        assert status.exit_code == 0 and "ArcadeDB" in status.output, status.output
        assert (tmp_path / "home" / "server.json").exists()
    finally:
        stopped = runner.invoke(app, ["db", "stop"], env=_local_env(tmp_path))
    assert stopped.exit_code == 0 and "stopped" in stopped.output
    assert not (tmp_path / "home" / "server.json").exists()


def _local_env(tmp_path: Path) -> dict[str, str]:
    from kgsynth.graph.localserver import _free_port

    ports = tmp_path / "ports.json"
    if not ports.exists():
        ports.write_text(json.dumps([_free_port(), _free_port()]))
    bolt, http = json.loads(ports.read_text())
    return {
        "KGSYNTH_HOME": str(tmp_path / "home"),
        "KGSYNTH_NEO4J_BOLT_PORT": str(bolt),
        "KGSYNTH_NEO4J_HTTP_PORT": str(http),
        "KGSYNTH_NEO4J_URI": "",
    }
