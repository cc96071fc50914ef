"""``kgsynth curate``: dedup, decontaminate and filter a qa table (after ``generate``).

Reads a generate run's ``qa`` shards (or a qa parquet/JSONL file) a batch at a time and
writes, into the generate run's folder (a ``curate-*`` run folder for a file):

- ``curated/part-NNNNN.parquet``: the kept rows, :data:`~kgsynth.tables.CURATED_SCHEMA`;
- ``removed/part-NNNNN.parquet``: the removed rows with reason and matched item
  (:data:`~kgsynth.tables.REMOVED_SCHEMA`);
- ``rejects/benchmark.jsonl``: benchmark rows that could not be read;
- ``curate.json``: settings, counts per reason and per benchmark, timings.

Before the input, the ``curated`` tables of every other run under the runs folder are
loaded as already seen, so a question kept by an earlier curated run removes its
duplicates here (see :mod:`kgsynth.stages.curate.dedup` for the survivor rule). Curating
the same run again replaces its ``curated`` and ``removed`` tables.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kgsynth.config import CurateConfig
from kgsynth.runs import atomic_write_text, utc_now
from kgsynth.stages.curate.benchfiles import read_benchmark
from kgsynth.stages.curate.curator import Curator
from kgsynth.stages.curate.decontam import BenchmarkIndex, ReferenceCheck, TextLookup
from kgsynth.stages.curate.semantic import SemanticDedup
from kgsynth.stages.curate.source import earlier_curated, finished_shards, parquet_batches
from kgsynth.tables import CURATED_TABLE, REMOVED_TABLE

if TYPE_CHECKING:
    import pyarrow as pa

    from kgsynth.embed.encoder import Encoder
    from kgsynth.runs import RunFolder
    from kgsynth.stages.curate.agree import Agreement

__all__ = ["CurateReport", "load_benchmarks", "run_curate"]

MANIFEST = "curate.json"


@dataclass
class CurateReport:
    """What one curate invocation did."""

    input_rows: int = 0
    kept: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    seen_before: int = 0  # questions of earlier curated runs loaded as already seen
    benchmark_items: int = 0
    benchmark_rejects: int = 0
    benchmark_hits: dict[str, int] = field(default_factory=dict)
    reference_copies: int = 0  # kept rows flagged reference_copy (removed ones when dropped)
    elapsed_s: float = 0.0
    rows_per_s: float = 0.0
    output: Path | None = None


def load_benchmarks(cfg: CurateConfig, run: RunFolder) -> tuple[BenchmarkIndex | None, int, int]:
    """The n-gram index of every ``--benchmark`` file; rejects go to the run folder."""
    if not cfg.benchmarks:
        return None, 0, 0
    items, rejected = [], 0
    for path in cfg.benchmarks:
        read = read_benchmark(path, cfg.question_column, cfg.id_column)
        items.extend(read.items)
        for r in read.rejects:
            run.reject(r)
        rejected += len(read.rejects)
    return BenchmarkIndex(items, cfg.ngram, cfg.short_min), len(items), rejected


def _semantic(cfg: CurateConfig, encoder: Encoder | None) -> SemanticDedup | None:
    if cfg.embedding_threshold is None:
        return None
    if encoder is None:
        from kgsynth.config import DedupConfig
        from kgsynth.embed.encoder import Encoder

        encoder = Encoder(DedupConfig())
    return SemanticDedup(encoder, cfg.embedding_threshold)


def run_curate(
    cfg: CurateConfig,
    run: RunFolder,
    batches: Iterable[pa.Table],
    source: str,
    runs_dir: Path,
    references: TextLookup | None = None,
    agreement: Agreement | None = None,
    on_progress: Callable[[int], None] | None = None,
    encoder: Encoder | None = None,
) -> CurateReport:
    """Curate conformed ``batches`` (from :mod:`kgsynth.stages.curate.source`) into ``run``.

    ``source`` names the input in ``matched_source`` of removed rows; ``references`` reads
    document texts for the reference-copy check (None: not checked); ``on_progress(rows)``
    gets the number of input rows done after each batch; ``encoder`` embeds questions for
    ``cfg.embedding_threshold`` (default: the packaged MiniLM).
    """
    began = time.perf_counter()
    report = CurateReport(output=run.path)
    benchmark, report.benchmark_items, report.benchmark_rejects = load_benchmarks(cfg, run)
    check = (
        ReferenceCheck(references, cfg.reference_span)
        if references and cfg.reference_check
        else None
    )
    curator = Curator(cfg, benchmark, check, agreement, _semantic(cfg, encoder))
    for folder in earlier_curated(runs_dir, run.path):
        for table in parquet_batches(
            finished_shards(folder), cfg.batch_size, ["question", "question_id"]
        ):
            curator.remember(
                table.column("question").to_pylist(),
                table.column("question_id").to_pylist(),
                folder.parent.name,
            )
            report.seen_before += table.num_rows
    for table_name in (CURATED_TABLE, REMOVED_TABLE):
        shutil.rmtree(run.path / table_name, ignore_errors=True)
    done = 0
    for index, table in enumerate(batches):
        outcome = curator.process(table, source)
        run.write_shard(CURATED_TABLE, index, outcome.kept)
        run.write_shard(REMOVED_TABLE, index, outcome.removed)
        done += table.num_rows
        if on_progress is not None:
            on_progress(done)
    tally = curator.tally
    report.input_rows, report.kept = tally.rows, tally.kept
    report.removed = dict(tally.removed.most_common())
    report.benchmark_hits = dict(tally.benchmark_hits)
    report.reference_copies = tally.reference_copies
    report.elapsed_s = round(time.perf_counter() - began, 3)
    report.rows_per_s = round(report.input_rows / report.elapsed_s, 1) if report.elapsed_s else 0.0
    settings = {
        k: (list(map(str, v)) if k == "benchmarks" else v)
        for k, v in dataclasses.asdict(cfg).items()
    }
    body = {
        "stage": "curate",
        "input": source,
        "finished_at": utc_now(),
        "settings": settings,
        "counts": {k: v for k, v in dataclasses.asdict(report).items() if k != "output"},
        "index_bytes": curator.dedup.nbytes,
        "rejected": dict(run.rejected),
    }
    atomic_write_text(
        run.path / MANIFEST, json.dumps(body, indent=2, default=str, ensure_ascii=False)
    )
    return report
