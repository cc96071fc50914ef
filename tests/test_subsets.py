"""Nested training subsets: nested, seeded, levels in proportion, token counts exact."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kgsynth.cli.app import app
from kgsynth.errors import InputError
from kgsynth.runs import RunFolder
from kgsynth.stages.export.subsets import (
    generator_model,
    mixed_order,
    tokenizer_counter,
    write_subsets,
)
from kgsynth.tables import QA_SCHEMA, QA_TABLE, to_table

WORDS = [
    "prime",
    "derivative",
    "circle",
    "vector",
    "probability",
    "algebra",
    "radius",
    "function",
    "number",
]


def _table(model: str, n: int = 100) -> pa.Table:
    rows = []
    for i in range(n):
        level = 1 if i % 10 < 6 else 2 if i % 10 < 9 else 3  # 60% / 30% / 10%
        words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(1 + i % 7))
        rows.append({
            "question_id": f"q{i:03d}", "run_id": "generate-x", "level": level,
            "question": f"Question {i}: explain {words}?", "answer": f"The {words} answer {i}.",
            "question_model": model, "answer_finish_reason": "length" if i == 5 else "stop",
        })  # fmt: skip
    return to_table(rows, QA_SCHEMA)


@pytest.fixture(scope="module")
def counter(tiny_llama_folder: Path):  # type: ignore[no-untyped-def]
    return tokenizer_counter(str(tiny_llama_folder), Path("unused-home"))


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["question_id"] for line in path.read_text().splitlines()]


def test_mixed_order_keeps_level_shares_in_every_prefix() -> None:
    levels = [1] * 600 + [2] * 300 + [3] * 100
    order = mixed_order(levels, seed=3)
    assert sorted(order.tolist()) == list(range(1000))
    picked = [levels[i] for i in order]
    for end in range(1, 1001):
        prefix = picked[:end]
        for level, share in ((1, 0.6), (2, 0.3), (3, 0.1)):
            assert abs(prefix.count(level) - share * end) <= 1
    assert mixed_order(levels, seed=3).tolist() == order.tolist()
    assert mixed_order(levels, seed=4).tolist() != order.tolist()


def test_token_subsets_are_nested_exact_and_seeded(
    tmp_path: Path,
    counter,
    tiny_llama_folder: Path,  # type: ignore[no-untyped-def]
) -> None:
    table = _table(str(tiny_llama_folder))
    name = str(tiny_llama_folder)
    subsets = write_subsets(table, tmp_path / "a", [800, 200, 400], "tokens", "jsonl", 7, name,
                            counter, source="generate-x")  # fmt: skip
    assert [s.target for s in subsets] == [200, 400, 800]
    manifest = json.loads((tmp_path / "a" / "subsets.json").read_text())
    assert manifest["tokenizer"] == name and manifest["seed"] == 7
    assert manifest["rows_available"] == 99  # the cut-off answer (q005) is left out
    previous: list[str] = []
    for s, entry in zip(subsets, manifest["subsets"], strict=True):
        path = tmp_path / "a" / s.file
        records = [json.loads(line) for line in path.read_text().splitlines()]
        ids = [r["question_id"] for r in records]
        assert ids[: len(previous)] == previous and len(ids) > len(previous)  # nested
        assert "q005" not in ids
        tokens = [sum(counter([r["question"], r["answer"]])) for r in records]
        assert entry["tokens"] == s.tokens == sum(tokens)  # exact
        assert sum(tokens) >= s.target > sum(tokens) - tokens[-1]  # shortest prefix
        assert entry["rows"] == len(ids)
        assert sum(entry["rows_by_level"].values()) == len(ids)
        previous = ids
    again = write_subsets(table, tmp_path / "b", [200, 400, 800], "tokens", "jsonl", 7, name,
                          counter)  # fmt: skip
    assert [_ids(tmp_path / "b" / s.file) for s in again] == [
        _ids(tmp_path / "a" / s.file) for s in subsets
    ]
    other = write_subsets(table, tmp_path / "c", [800], "tokens", "jsonl", 8, name, counter)
    assert _ids(tmp_path / "c" / other[0].file) != _ids(tmp_path / "a" / subsets[-1].file)


def test_row_subsets_have_exact_rows_and_level_shares(
    tmp_path: Path,
    counter,
    tiny_llama_folder: Path,  # type: ignore[no-untyped-def]
) -> None:
    table = _table("m", n=200)
    subsets = write_subsets(table, tmp_path, [20, 50, 100], "rows", "parquet", 1, "tiny", counter,
                            include_truncated=True)  # fmt: skip
    for s in subsets:
        read = pq.read_table(tmp_path / s.file)
        assert read.num_rows == s.rows == s.target and read.schema == QA_SCHEMA
        levels = read.column("level").to_pylist()
        for level, share in ((1, 0.6), (2, 0.3), (3, 0.1)):
            assert abs(levels.count(level) - share * s.rows) <= 1
        assert s.tokens == sum(
            sum(counter([q, a]))
            for q, a in zip(read.column("question").to_pylist(), read.column("answer").to_pylist(),
                            strict=True)
        )  # fmt: skip


def test_too_large_a_subset_is_refused(tmp_path: Path, counter) -> None:  # type: ignore[no-untyped-def]
    table = _table("m", n=20)
    with pytest.raises(InputError, match="subset of 10,000,000 tokens was asked for; the run"):
        write_subsets(table, tmp_path, [10_000_000], "tokens", "jsonl", 0, "tiny", counter)
    with pytest.raises(InputError, match="subset of 50 rows was asked for; the run has 19"):
        write_subsets(table, tmp_path, [50], "rows", "jsonl", 0, "tiny", counter)


def test_generator_model_is_the_default_tokenizer() -> None:
    assert generator_model(_table("some/model", n=5)) == "some/model"
    with pytest.raises(InputError, match="pass --tokenizer"):
        generator_model(_table("", n=5))


def test_export_cli_writes_subsets_with_the_generators_tokenizer(
    tmp_path: Path, tiny_llama_folder: Path
) -> None:
    run = RunFolder(tmp_path / "runs", "generate")
    run.write_shard(QA_TABLE, 0, _table(str(tiny_llama_folder)))
    out = tmp_path / "subsets"
    args = ["--runs-dir", str(tmp_path / "runs"), "--home", str(tmp_path / "home"), "export",
            str(out), "--subsets", "0.3K,600", "--format", "chat", "--seed", "2"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "subsets.json").read_text())
    assert manifest["tokenizer"] == str(tiny_llama_folder)
    assert manifest["source_run"] == run.run_id
    assert [s["file"] for s in manifest["subsets"]] == [
        "subset-300-tokens.jsonl", "subset-600-tokens.jsonl",
    ]  # fmt: skip
    first = json.loads((out / "subset-300-tokens.jsonl").read_text().splitlines()[0])
    assert first["messages"][0]["role"] == "user"
    assert "300 tokens" in result.output and "manifest:" in result.output
    bad = CliRunner().invoke(app, [*args[:5], str(tmp_path / "x"), "--subsets", "5Q"])
    assert bad.exit_code == 2 and "is not a count" in bad.output
