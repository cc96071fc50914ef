"""Export a generate run's ``qa`` table as one parquet file, JSON Lines, or chat records.

Formats:

- ``parquet``: one file with :data:`~kgsynth.tables.QA_SCHEMA` (the run folder's
  ``qa/`` shards concatenated in shard order);
- ``jsonl``: one JSON object per row, every column;
- ``chat``: one JSON object per row for supervised fine-tuning,
  ``{"messages": [{"role": "user", "content": question},
  {"role": "assistant", "content": answer}], ...}`` plus the provenance columns in
  :data:`CHAT_PROVENANCE`.

When ``kgsynth curate`` has written the run's ``curated`` table, that table is exported
(its QA columns) unless the raw ``qa`` table is asked for.

Answers cut off at their token budget (``answer_finish_reason == "length"``) are left out
unless ``include_truncated`` is set. Files are written under a temporary name and renamed, so
a crash never leaves half an export.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgsynth.errors import ConfigError
from kgsynth.tables import CURATED_TABLE, QA_SCHEMA, QA_TABLE

if TYPE_CHECKING:
    import pyarrow as pa

    from kgsynth.runs import RunFolder

FORMATS = ("parquet", "jsonl", "chat")

CHAT_PROVENANCE = (
    "question_id", "run_id", "level", "selected_concepts", "topics", "set_hash",
    "source_doc_id", "reference_doc_ids", "question_model", "answer_model", "question_prompt",
    "question_prompt_sha256", "answer_prompt", "answer_prompt_sha256", "seed", "answer_seed",
    "orig_tag", "school_level",
)  # fmt: skip
"""The columns a chat record carries beside its messages."""


def qa_table(run: RunFolder) -> pa.Table:
    """The run's finished ``qa`` shards as one table, in shard order."""
    return run.read_table(QA_TABLE)


def export_table(run: RunFolder, curated: bool = True) -> tuple[pa.Table, str]:
    """The run's ``curated`` table when it has one (and ``curated``), else its ``qa`` table,
    with the QA columns, in shard order; and the name of the table used."""
    name = CURATED_TABLE if curated and _has_shards(run, CURATED_TABLE) else QA_TABLE
    return run.read_table(name).select(QA_SCHEMA.names), name


def _has_shards(run: RunFolder, table: str) -> bool:
    folder = run.path / table
    return any((folder / f"_{p.stem}.done").exists() for p in folder.glob("part-*.parquet"))


def keep_rows(table: pa.Table, include_truncated: bool = False) -> pa.Table:
    """The rows to export: all, or only those whose answer ended on its own."""
    if include_truncated:
        return table
    import pyarrow.compute as pc

    reason = table.column("answer_finish_reason")
    return table.filter(pc.fill_null(pc.not_equal(reason, "length"), True))


def chat_record(row: dict[str, Any]) -> dict[str, Any]:
    """One ``qa`` row as a user/assistant exchange with its provenance."""
    return {
        "messages": [
            {"role": "user", "content": row["question"]},
            {"role": "assistant", "content": row["answer"]},
        ],
        **{name: row.get(name) for name in CHAT_PROVENANCE},
    }


def export_qa(table: pa.Table, path: Path, fmt: str, include_truncated: bool = False) -> int:
    """Write ``table`` (a ``qa`` table) to ``path`` as ``fmt``; returns the rows written."""
    if fmt not in FORMATS:
        raise ConfigError(f"export format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    table = keep_rows(table.cast(QA_SCHEMA), include_truncated)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, tmp)
        else:
            with tmp.open("w", encoding="utf-8") as f:
                for row in _rows(table):
                    record = chat_record(row) if fmt == "chat" else row
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return table.num_rows


def _rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    """Rows as dicts, one record batch at a time (the whole table is never a Python list)."""
    for batch in table.to_batches(max_chunksize=1024):
        yield from batch.to_pylist()
