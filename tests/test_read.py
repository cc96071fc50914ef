"""Input reading: formats, ids, pre-extracted concepts, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kgsynth.errors import InputError
from kgsynth.keys import document_id, normalize_key, set_hash
from kgsynth.records import Document, Reject
from kgsynth.stages.ingest.read import read_documents


def _read(*paths: Path) -> tuple[list[Document], list[Reject]]:
    items = list(read_documents(list(paths)))
    return [d for d in items if isinstance(d, Document)], [
        r for r in items if isinstance(r, Reject)
    ]


def test_normalize_key_and_ids() -> None:
    assert normalize_key("  Pythagorean\tTHEOREM ") == "pythagorean theorem"
    assert normalize_key("ﬁeld") == "field"  # NFKC folds the ligature
    assert document_id("Some  text") == document_id("Some text")
    assert document_id("Some text") != document_id("Other text")
    assert set_hash(["b", "a"], ["x"]) == set_hash(["a", "b"], ["x"])
    assert set_hash(["a"], ["x"]) != set_hash(["x"], ["a"])  # topics and concepts are typed


def test_jsonl_parquet_and_text_files(tmp_path: Path) -> None:
    jl = tmp_path / "a.jsonl"
    jl.write_text(
        json.dumps({"id": "x1", "text": "First doc", "title": "One"})
        + "\n\n"
        + json.dumps({"text": "Second doc", "topics": ["Algebra"], "concepts": ["ring", "field"]})
        + "\n",
        encoding="utf-8",
    )
    pq.write_table(pa.table({"text": ["Parquet doc"], "id": ["p1"]}), tmp_path / "b.parquet")
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "euler.md").write_text("# Euler\ne^{i pi} + 1 = 0", encoding="utf-8")
    docs, rejects = _read(jl, tmp_path / "b.parquet", folder)
    assert rejects == []
    assert [d.id for d in docs] == [
        "x1",
        document_id("Second doc"),
        "p1",
        document_id("# Euler\ne^{i pi} + 1 = 0"),
    ]
    assert docs[1].concepts == {"Algebra": ("ring", "field")}  # flat list → every topic
    assert docs[3].title == "euler" and docs[3].source.endswith("euler.md")
    assert docs[2].source.endswith("b.parquet:row 1")


def test_bad_rows_are_rejected_with_file_line_and_reason(tmp_path: Path) -> None:
    jl = tmp_path / "bad.jsonl"
    jl.write_bytes(
        b'{"text": "good"}\n'
        b'{"text": broken json}\n'
        b'{"title": "no text"}\n'
        b"\xff\xfe not utf8\n"
        b'["not", "an", "object"]\n'
        b'{"text": "x", "concepts": 5}\n'
    )
    docs, rejects = _read(jl)
    assert [d.text for d in docs] == ["good"]
    got = {r.source.rsplit(":", 1)[1]: r.reason for r in rejects}
    assert got.keys() == {"2", "3", "4", "5", "6"}
    assert got["2"].startswith("malformed JSON")
    assert "text" in got["3"]
    assert got["4"].startswith("not valid UTF-8")
    assert got["5"] == "expected a JSON object"
    assert "concepts" in got["6"]
    assert all(r.source.startswith(str(jl)) for r in rejects)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.jsonl", None, "no such file or folder"),
        ("empty.jsonl", b"", "empty file"),
        ("doc.pdf", b"%PDF", "unsupported file type"),
        ("nocol.parquet", "parquet-no-text", "no 'text' column"),
        ("broken.parquet", b"not parquet at all", "not a readable parquet file"),
    ],
)
def test_unusable_inputs_raise_one_clear_error(
    tmp_path: Path, name: str, content: bytes | str | None, message: str
) -> None:
    path = tmp_path / name
    if content == "parquet-no-text":
        pq.write_table(pa.table({"body": ["x"]}), path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(InputError) as e:
        _read(path)
    assert message in str(e.value) and str(path) in str(e.value)
    assert "\n" not in str(e.value)
