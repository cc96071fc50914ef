"""Where curate reads questions from: a generate run's ``qa`` shards, a qa file, earlier runs.

Everything is read a record batch at a time (``pyarrow`` ``iter_batches``, or chunks of JSON
lines), so memory holds one batch of rows, never the whole input. Every batch is conformed
to :data:`~kgsynth.tables.QA_SCHEMA`: missing columns are null, a missing ``question_id`` is
derived from the file and row, other columns are dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from kgsynth.errors import InputError
from kgsynth.records import Reject
from kgsynth.stages.curate.benchfiles import json_objects
from kgsynth.tables import CURATED_TABLE, QA_SCHEMA, QA_TABLE

if TYPE_CHECKING:
    from kgsynth.runs import RunFolder


def finished_shards(folder: Path) -> list[Path]:
    """The parquet shards of a run table that have their completion marker, in order."""
    return sorted(p for p in folder.glob("part-*.parquet") if (folder / f"_{p.stem}.done").exists())


def count_rows(paths: list[Path]) -> int:
    return sum(pq.ParquetFile(p).metadata.num_rows for p in paths)


def parquet_batches(
    paths: list[Path], batch_size: int, columns: list[str] | None = None
) -> Iterator[pa.Table]:
    for path in paths:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size, columns=columns):
            yield pa.Table.from_batches([batch])


def run_input(run: RunFolder) -> list[Path]:
    shards = finished_shards(run.path / QA_TABLE)
    if not shards:
        raise InputError(f"{run.path / QA_TABLE}: no finished qa shards to curate")
    return shards


def conform(table: pa.Table, origin: str, first_row: int) -> pa.Table:
    """``table`` with exactly the QA columns (nulls where missing), cast to their types."""
    if "question" not in table.column_names:
        raise InputError(
            f"{origin}: no 'question' column (columns: {', '.join(table.column_names)})"
        )
    n = table.num_rows
    columns = []
    for field in QA_SCHEMA:
        if field.name in table.column_names:
            col = table.column(field.name)
            try:
                columns.append(col.cast(field.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
                raise InputError(
                    f"{origin}: column '{field.name}' is not {field.type} ({e})"
                ) from None
        elif field.name == "question_id":
            digest = hashlib.sha256(origin.encode()).hexdigest()[:12]
            columns.append(pa.array([f"{digest}-{first_row + i}" for i in range(n)], pa.string()))
        elif field.name == "run_id":
            columns.append(pa.array([origin] * n, pa.string()))
        elif field.name == "level":
            columns.append(pa.array([0] * n, pa.int8()))
        else:
            columns.append(pa.nulls(n, field.type))
    out = pa.Table.from_arrays(columns, schema=QA_SCHEMA.remove_metadata())
    return out.set_column(3, QA_SCHEMA.field("question"), _fill(out.column("question")))


def _fill(col: pa.ChunkedArray) -> pa.ChunkedArray:
    import pyarrow.compute as pc

    return pc.fill_null(col, "")


def file_batches(path: Path, batch_size: int, rejects: list[Reject]) -> Iterator[pa.Table]:
    """A qa file (.parquet, .jsonl) in conformed batches; unreadable JSON lines to ``rejects``."""
    if not path.is_file():
        raise InputError(f"{path}: no such file to curate")
    origin = str(path)
    if path.suffix.lower() == ".parquet":
        first = 0
        for table in parquet_batches([path], batch_size):
            yield conform(table, origin, first)
            first += table.num_rows
        return
    if path.suffix.lower() not in {".jsonl", ".ndjson"}:
        raise InputError(f"{path}: curate reads a generate run, or a .parquet or .jsonl qa file")
    rows: list[dict[str, object]] = []
    first = 0
    for got in json_objects(path, "curate"):
        if isinstance(got, Reject):
            rejects.append(got)
            continue
        line_no, value = got
        if not isinstance(value.get("question"), str):
            rejects.append(Reject("curate", f"{path}:{line_no}", "no 'question' string"))
            continue
        rows.append(value)
        if len(rows) >= batch_size:
            yield conform(pa.Table.from_pylist(rows), origin, first)
            first, rows = first + len(rows), []
    if rows:
        yield conform(pa.Table.from_pylist(rows), origin, first)


def earlier_curated(runs_dir: Path, exclude: Path) -> list[Path]:
    """``curated`` table folders of earlier runs under ``runs_dir`` (oldest run first)."""
    found = [p for p in sorted(runs_dir.glob(f"*/{CURATED_TABLE}")) if p.parent != exclude]
    return [p for p in found if finished_shards(p)]
