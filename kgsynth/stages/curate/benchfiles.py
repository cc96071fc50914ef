"""Benchmark files: JSON Lines, parquet or CSV with one item per row.

The question text is read from ``column`` (default: ``question``, else ``problem``); an item
is named by its ``id`` column when the file has one (``id``, ``unique_id``, ``idx``, or the
one given), else by its 1-based row number. Rows that cannot be read (a malformed JSON
line, a missing or empty question) are counted and returned as rejects with file and row; a
file that cannot be used at all (missing, empty, no such column) raises one InputError line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgsynth.errors import InputError
from kgsynth.records import Reject

DEFAULT_COLUMNS = ("question", "problem")
ID_COLUMNS = ("id", "unique_id", "idx", "task_id")
STAGE = "benchmark"


@dataclass(frozen=True)
class BenchmarkItem:
    """One benchmark question: its file's name, its id in that file, its text, its row."""

    benchmark: str
    item: str
    text: str
    row: int
    extra: dict[str, Any] | None = None  # the row's other values (given concepts, topics)


@dataclass(frozen=True)
class BenchmarkFile:
    items: list[BenchmarkItem]
    rejects: list[Reject]


def read_benchmark(
    path: Path, column: str | None = None, id_column: str | None = None
) -> BenchmarkFile:
    """The usable items of one benchmark file and its rejected rows."""
    if not path.is_file():
        raise InputError(f"{path}: benchmark file not found")
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".json", ".ndjson"}:
        rows, rejects = _jsonl_rows(path)
    elif suffix == ".parquet":
        rows, rejects = _table_rows(path, "parquet"), []
    elif suffix == ".csv":
        rows, rejects = _table_rows(path, "csv"), []
    else:
        raise InputError(f"{path}: benchmark files must be .jsonl, .parquet or .csv")
    if not rows:
        raise InputError(f"{path}: the benchmark file has no rows")
    names = {k for _, row in rows for k in row}
    text_col = _pick(path, names, [column] if column else list(DEFAULT_COLUMNS), "question")
    id_col = _pick(path, names, [id_column], "id") if id_column else _first(names, ID_COLUMNS)
    items: list[BenchmarkItem] = []
    for line, row in rows:
        text = row.get(text_col)
        if not isinstance(text, str) or not text.strip():
            reason = f"no text in column '{text_col}'"
            rejects.append(Reject(STAGE, f"{path}:{line}", reason, json.dumps(row, default=str)))
            continue
        ident = row.get(id_col) if id_col else None
        extra = {k: v for k, v in row.items() if k not in {text_col, id_col}}
        items.append(
            BenchmarkItem(path.name, str(ident if ident is not None else line), text, line, extra)
        )
    return BenchmarkFile(items, rejects)


def _pick(path: Path, names: set[str], wanted: Sequence[str | None], what: str) -> str:
    for name in wanted:
        if name and name in names:
            return name
    shown = ", ".join(sorted(names)[:12])
    raise InputError(
        f"{path}: no {what} column {' or '.join(repr(w) for w in wanted if w)} "
        f"(columns: {shown}); pass the column name with --question-column"
    )


def _first(names: set[str], candidates: Sequence[str]) -> str | None:
    return next((c for c in candidates if c in names), None)


def json_objects(path: Path, stage: str) -> Iterator[tuple[int, dict[str, Any]] | Reject]:
    """The JSON objects of a JSON Lines file with their line numbers, streamed; a line that is
    not a JSON object comes as a Reject naming file and line (blank lines are skipped)."""
    with path.open(encoding="utf-8", errors="replace") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as e:
                yield Reject(stage, f"{path}:{line_no}", f"malformed JSON ({e.msg})", line)
                continue
            if not isinstance(value, dict):
                yield Reject(stage, f"{path}:{line_no}", "not a JSON object", line)
                continue
            yield line_no, value


def _jsonl_rows(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[Reject]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    rejects: list[Reject] = []
    for got in json_objects(path, STAGE):
        if isinstance(got, Reject):
            rejects.append(got)
        else:
            rows.append(got)
    return rows, rejects


def _table_rows(path: Path, kind: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
        else:
            import pyarrow.csv as pcsv

            table = pcsv.read_csv(path)
    except Exception as e:  # pyarrow raises several types for unreadable files
        raise InputError(f"{path}: cannot read as {kind}: {str(e).splitlines()[0]}") from None
    return [(i, row) for i, row in enumerate(table.to_pylist(), start=1)]
