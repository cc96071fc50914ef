"""The whole chain through the CLI with the real packaged models, on a few bundled documents:
ingest (SmolLM2 extraction + given concepts) → dedup (MiniLM + FAISS) → sample → generate →
export (+ nested subsets) → report. Every provenance column must point at real things in the
graph."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kgsynth.assets import asset_dir
from kgsynth.cli.app import app
from kgsynth.config import Settings
from kgsynth.graph import GraphRepository
from tests.conftest import chain_inputs, graph_env

runner = CliRunner()


@pytest.mark.model
def test_chain_on_bundled_documents(
    settings: Settings, graph: GraphRepository, model_home: Path, tmp_path: Path
) -> None:
    examples = asset_dir("examples")
    corpus = chain_inputs(settings, model_home, tmp_path)
    env = {
        **graph_env(settings),
        "KGSYNTH_LLM_THREADS": "1",
        "KGSYNTH_LLM_BATCH_SIZE": "8",
        "KGSYNTH_EXTRACT_MAX_TOPICS": "2",
        "KGSYNTH_EXTRACT_MAX_CONCEPTS": "6",
        "KGSYNTH_EXTRACT_MAX_NEW_TOKENS": "220",
        "KGSYNTH_GENERATE_QUESTION_MAX_NEW_TOKENS": "160",
        "KGSYNTH_GENERATE_ANSWER_MAX_NEW_TOKENS": "48",
        "KGSYNTH_GENERATE_REFERENCE_CHARS": "300",
    }

    ingest = runner.invoke(app, ["ingest", str(corpus), str(examples / "annotated.jsonl")], env=env)
    assert ingest.exit_code == 0, ingest.output
    counts = graph.read("graph_counts")[0]
    assert counts["documents"] + _rejected(settings, "ingest") == 9
    assert counts["documents"] >= 6 and counts["topics"] >= 3 and counts["concepts"] >= 20
    # the near-duplicate spellings in annotated.jsonl were merged by the packaged MiniLM
    merges = runner.invoke(app, ["dedup", "--list"], env=env)
    assert merges.exit_code == 0 and counts["merged_concepts"] >= 1, merges.output
    assert "->" in merges.output

    sample = runner.invoke(app, ["sample", "--epochs", "1", "--max-sets", "2", "--seed", "3"],
                           env=env)  # fmt: skip
    assert sample.exit_code == 0, sample.output

    gen = runner.invoke(
        app, ["generate", "--level", "3", "--questions-per-set", "1", "--max-sets", "2"], env=env
    )
    assert gen.exit_code == 0, gen.output
    run = next(p for p in settings.runs_dir.iterdir() if p.name.startswith("generate-"))
    manifest = json.loads((run / "manifest.json").read_text())
    qa = pq.read_table(run / "qa").to_pylist()
    assert len(qa) + manifest["last_invocation"]["rejected"] >= 1
    usage = graph.read("explore/run_usage", run_id=run.name)
    assert usage and usage[0]["kind"] == "generate" and usage[0]["seed"] == 0
    docs = {r["id"] for r in graph.read("list_document_ids")}
    sets = pq.read_table(
        next(p for p in settings.runs_dir.iterdir() if p.name.startswith("sample-"))
        / "concept_sets"
    ).to_pylist()
    set_hashes = {s["set_hash"] for s in sets}
    for row in qa:
        assert row["level"] == 3 and row["question"] and row["answer"] is not None
        assert row["set_hash"] in set_hashes
        assert set(row["reference_doc_ids"]) <= docs and row["reference_doc_ids"]
        assert row["question_model"] and row["question_prompt_sha256"]
        sources = graph.read("explore/question_sources", set_hash=row["set_hash"])
        assert {r["document_id"] for r in sources} == set(row["reference_doc_ids"])

    chat = tmp_path / "chat.jsonl"
    out = runner.invoke(
        app, ["export", str(chat), "--format", "chat", "--include-truncated"], env=env
    )
    assert out.exit_code == 0, out.output
    records = [json.loads(line) for line in chat.read_text().splitlines()]
    assert len(records) == len(qa)
    for rec, row in zip(records, qa, strict=True):
        assert [m["role"] for m in rec["messages"]] == ["user", "assistant"]
        assert rec["messages"][0]["content"] == row["question"]

    # Nested subsets counted with the generator's own tokenizer, and the report on these runs.
    if qa:
        subsets = tmp_path / "subsets"
        out = runner.invoke(app, ["export", str(subsets), "--subsets", "1", "--subset-unit",
                                  "rows", "--include-truncated"], env=env)  # fmt: skip
        assert out.exit_code == 0, out.output
        manifest = json.loads((subsets / "subsets.json").read_text())
        assert manifest["tokenizer"] == qa[0]["question_model"]
        assert manifest["subsets"][0]["rows"] == 1 and manifest["subsets"][0]["tokens"] > 0
    out = runner.invoke(app, ["report", "--out", str(tmp_path / "report")], env=env)
    assert out.exit_code == 0, out.output
    body = json.loads((tmp_path / "report" / "report.json").read_text())
    assert body["questions"]["rows"] == len(qa) and body["graph"]["coverage_over_runs"]
    assert (tmp_path / "report" / "index.html").stat().st_size > 1000


def _rejected(settings: Settings, kind: str) -> int:
    run = next(p for p in settings.runs_dir.iterdir() if p.name.startswith(f"{kind}-"))
    path = run / "rejects" / f"{kind}.jsonl"
    extract = run / "rejects" / "extract.jsonl"
    return sum(len(p.read_text().splitlines()) for p in (path, extract) if p.exists())
