"""Export of a run's ``qa`` table: one parquet file, JSON Lines, chat records."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kgsynth.errors import ConfigError
from kgsynth.runs import RunFolder
from kgsynth.stages.export import CHAT_PROVENANCE, export_qa, qa_table
from kgsynth.tables import QA_SCHEMA, QA_TABLE, to_table


def _row(i: int, level: int, finish: str = "stop") -> dict[str, object]:
    return {
        "question_id": f"q{i}", "run_id": "generate-1", "level": level,
        "question": f"Question {i}: what is $\\sqrt{{{i}}}$?", "answer": f"Answer {i} ✓",
        "selected_concepts": ["Roots", "Radicals"] if level > 1 else [],
        "concepts": ["Roots", "Radicals"], "topics": ["Algebra"],
        "set_hash": "abc" if level == 3 else None,
        "source_doc_id": None if level == 3 else "doc-1", "reference_doc_ids": ["doc-1"],
        "walk_path": [], "question_model": "qm", "answer_model": "am",
        "question_prompt": f"level{level}_question", "question_prompt_sha256": "0" * 64,
        "answer_prompt": "answer", "answer_prompt_sha256": "1" * 64, "temperature": 0.7,
        "top_p": 0.95, "max_new_tokens": 384, "seed": 11 + i, "prompt_tokens": 100,
        "completion_tokens": 50, "answer_prompt_tokens": 60, "answer_completion_tokens": 200,
        "orig_tag": "new" if level == 1 else None,
        "school_level": "college" if level == 1 else None, "question_index": 0,
        "answer_seed": 99 + i, "answer_finish_reason": finish,
    }  # fmt: skip


@pytest.fixture
def run(tmp_path: Path) -> RunFolder:
    run = RunFolder(tmp_path / "runs", "generate")
    run.write_shard(QA_TABLE, 0, to_table([_row(0, 1), _row(1, 2, "length")], QA_SCHEMA))
    run.write_shard(QA_TABLE, 1, to_table([_row(2, 3)], QA_SCHEMA))
    return run


def test_parquet_export_reads_back(run: RunFolder, tmp_path: Path) -> None:
    out = tmp_path / "out" / "qa.parquet"
    assert export_qa(qa_table(run), out, "parquet", include_truncated=True) == 3
    table = pq.read_table(out)
    assert table.schema == QA_SCHEMA
    assert table.column("question_id").to_pylist() == ["q0", "q1", "q2"]
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_parquet(out)
    assert list(frame["level"]) == [1, 2, 3] and frame["answer"][2] == "Answer 2 ✓"


def test_jsonl_export_has_every_column_and_skips_cut_off_answers(
    run: RunFolder, tmp_path: Path
) -> None:
    out = tmp_path / "qa.jsonl"
    assert export_qa(qa_table(run), out, "jsonl") == 2  # q1's answer hit its token budget
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["question_id"] for r in records] == ["q0", "q2"]
    assert all(set(r) == set(QA_SCHEMA.names) for r in records)
    assert records[0]["answer"] == "Answer 0 ✓" and records[1]["set_hash"] == "abc"


def test_chat_export(run: RunFolder, tmp_path: Path) -> None:
    out = tmp_path / "chat.jsonl"
    assert export_qa(qa_table(run), out, "chat", include_truncated=True) == 3
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    first = records[0]
    assert first["messages"] == [
        {"role": "user", "content": "Question 0: what is $\\sqrt{0}$?"},
        {"role": "assistant", "content": "Answer 0 ✓"},
    ]
    assert set(first) == {"messages", *CHAT_PROVENANCE}
    assert (first["level"], first["source_doc_id"], first["orig_tag"]) == (1, "doc-1", "new")
    assert records[2]["set_hash"] == "abc" and records[2]["source_doc_id"] is None


def test_unknown_format_is_refused_and_nothing_is_left(run: RunFolder, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="export format"):
        export_qa(qa_table(run), tmp_path / "x.csv", "csv")
    assert not list(tmp_path.glob("*x.csv*"))
