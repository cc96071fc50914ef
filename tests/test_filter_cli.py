"""``kgsynth filter`` through the CLI: train, --apply, and the kept documents into ingest."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kgsynth.cli.app import app
from kgsynth.config import Settings
from kgsynth.graph import GraphRepository
from tests.conftest import graph_env
from tests.filter_fixtures import SYLLABUS, LabelledRater, labelled_documents

runner = CliRunner()


def _write(path: Path, docs: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"id": d["id"], "text": d["text"]}) + "\n" for d in docs))
    return path


@pytest.mark.model
def test_train_then_apply_then_ingest(
    settings: Settings, graph: GraphRepository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = labelled_documents()
    random.Random(1).shuffle(docs)
    math = [d for d in docs if d["label"] == "math"]
    other = [d for d in docs if d["label"] != "math"]
    train = _write(tmp_path / "train.jsonl", math[:30] + other[:60])
    new_docs = math[30:45] + other[60:90]
    new = _write(tmp_path / "new.jsonl", new_docs)
    syllabus = tmp_path / "syllabus.txt"
    syllabus.write_text("\n".join(SYLLABUS) + "\n")
    fake = LabelledRater(docs)
    monkeypatch.setattr("kgsynth.llm.load_backend", lambda *a, **k: fake)
    env = graph_env(settings)

    trained = runner.invoke(app, [
        "filter", str(train), "--domain", "mathematics", "--syllabus", str(syllabus),
        "--negatives", "40", "--rate-kept", "20", "--rate-fresh", "30", "--shard-size", "32",
        "--set", "rate_batch=10", "--set", "embed_chars=400", "--set", "n_estimators=100",
    ], env=env)  # fmt: skip
    assert trained.exit_code == 0, trained.output
    assert "iteration 2: kept" in trained.output and "kept documents:" in trained.output
    assert "embed corpus: 90/90 (" in trained.output  # progress lines without a terminal
    assert fake.rating_calls > 0
    (train_run,) = settings.runs_dir.glob("filter-*")
    assert (train_run / "syllabus.txt").read_text().splitlines() == SYLLABUS

    fake.rating_calls = 0
    applied = runner.invoke(app, ["filter", str(new), "--apply", str(train_run)], env=env)
    assert applied.exit_code == 0, applied.output
    assert fake.rating_calls == 0  # --apply never asks the LLM
    (apply_run,) = set(settings.runs_dir.glob("filter-*")) - {train_run}
    kept = pq.read_table(apply_run / "kept").to_pylist()
    labels = {d["id"]: d["label"] for d in new_docs}
    hits = sum(labels[k["id"]] == "math" for k in kept)
    assert hits >= 10 and len(kept) - hits <= 2, (hits, len(kept))  # of 15 math, 30 other
    assert {"id", "text", "score", "iteration"} <= set(kept[0])

    ingested = runner.invoke(app, ["ingest", str(apply_run / "kept"), "--no-dedup"], env=env)
    assert ingested.exit_code == 0, ingested.output
    assert graph.graph_counts().documents == len(kept)

    strict = ["filter", str(new), "--apply", str(train_run), "--threshold", "9.5"]
    assert runner.invoke(app, strict, env=env).exit_code == 0
    (strict_run,) = set(settings.runs_dir.glob("filter-*")) - {train_run, apply_run}
    assert len(pq.read_table(strict_run / "kept")) < len(kept)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["notes.csv"], "unsupported file type '.csv'"),
        (["good.jsonl", "--set", "colour=blue"], "--set expects KEY=VALUE"),
        (["good.jsonl", "--set", "negatives=many"], "--set negatives: expected int"),
        (["good.jsonl", "--threshold", "12"], "filter.threshold must be in [1, 10]"),
        (["good.jsonl", "--apply", "missing.joblib"], "no such filter model"),
        (["good.jsonl", "--apply", "good.jsonl"], "not a readable filter model"),
        (["empty.jsonl"], "empty.jsonl: empty file"),
    ],
)
def test_bad_input_is_one_line(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.csv").write_text("a,b\n")
    (tmp_path / "good.jsonl").write_text('{"text": "x"}\n')
    (tmp_path / "empty.jsonl").write_text("")
    result = runner.invoke(app, ["filter", *args], env={"KGSYNTH_RUNS_DIR": str(tmp_path)})
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
