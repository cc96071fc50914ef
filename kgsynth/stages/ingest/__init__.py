"""Ingest: read → extract → graph build (→ incremental dedup, run by the caller).

Documents are streamed in chunks; each chunk drops ids already in the graph, extracts the
concepts of documents that do not carry them (one batched LLM call per chunk) and writes the
chunk in one transaction. A crash or Ctrl-C loses at most the chunk in progress; a re-run
skips every document already written. Co-occurrence is counted once at the end, for every
document not counted yet (also those a crashed run left), exactly once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kgsynth.batching import batched
from kgsynth.errors import InputError
from kgsynth.records import Document, Extraction, Reject
from kgsynth.stages.ingest.build import write_documents
from kgsynth.stages.ingest.counting import count_cooccurrence
from kgsynth.stages.ingest.identity import DocumentIds
from kgsynth.stages.ingest.names import screen
from kgsynth.stages.ingest.read import input_files, read_documents, suffix

if TYPE_CHECKING:
    from kgsynth.config import NamesConfig, Settings
    from kgsynth.graph import GraphRepository
    from kgsynth.llm.base import LLMBackend
    from kgsynth.runs import RunFolder

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class IngestReport:
    read: int = 0
    rejected: int = 0
    already_in_graph: int = 0
    given: int = 0  # documents that carried their own topics/concepts
    extracted: int = 0  # documents whose concepts the LLM extracted
    written: int = 0
    junk_names: int = 0  # topic/concept names dropped by name hygiene (rejects/names.jsonl)
    elapsed_s: float = 0.0
    model: str | None = None
    counting: str = "none"  # how co-occurrence was counted: "rebuild", "incremental", "none"
    counting_s: float = 0.0
    cooccurrence_rows: int = 0  # CO_OCCURS rows written (created or added to)
    reject_reasons: dict[str, int] = field(default_factory=dict)


def count_documents(paths: Iterable[Path]) -> int:
    """A cheap upper bound of the number of documents (for progress bars)."""
    total = 0
    for path in input_files(paths):
        if suffix(path) == ".jsonl":
            with path.open("rb") as f:
                total += sum(1 for line in f if line.strip())
        elif suffix(path) == ".parquet":
            import pyarrow.parquet as pq

            try:
                total += pq.ParquetFile(path).metadata.num_rows
            except Exception as e:  # noqa: BLE001 - reported with the file name
                raise InputError(f"{path}: not a readable parquet file ({e})") from None
        else:
            total += 1
    return total


def count_into(
    report: IngestReport,
    store: GraphRepository,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """Count the co-occurrence of every uncounted document; record how on ``report``."""
    counted = count_cooccurrence(store, on_progress=on_progress)
    report.counting, report.counting_s = counted.path, round(counted.elapsed_s, 3)
    report.cooccurrence_rows = counted.edges
    report.elapsed_s += counted.elapsed_s


def run_ingest(
    store: GraphRepository,
    settings: Settings,
    paths: list[Path],
    run: RunFolder,
    backend_factory: Callable[[], LLMBackend],
    on_progress: Progress | None = None,
    count: bool = True,
) -> IngestReport:
    """Ingest ``paths`` into the graph; rejects go to ``run``'s rejects folder.

    With ``count`` (the default) co-occurrence is counted at the end; a caller that wants its
    own progress display passes False and calls :func:`count_into` itself.
    """
    from kgsynth.stages.ingest.extract import extract

    report = IngestReport()
    start = time.perf_counter()
    total = count_documents(paths)
    backend: LLMBackend | None = None
    # Graph writes want big transactions; extraction sub-batches a chunk itself (and caches).
    chunk_size = max(2 * settings.llm.batch_size, settings.neo4j.batch_size // 4, 32)
    ids = DocumentIds()
    for chunk in batched(read_documents(paths), chunk_size):
        docs = [d for d in chunk if isinstance(d, Document)]
        for r in chunk:
            if isinstance(r, Reject):
                run.reject(r)
                report.rejected += 1
        report.read += len(docs)
        split = ids.split(store, docs)
        fresh = split.fresh
        report.already_in_graph += split.repeats
        for r in split.conflicts:
            run.reject(r)
            report.rejected += 1
        needs_llm = [d for d in fresh if d.concepts is None]
        if needs_llm and backend is None:
            backend = backend_factory()
            report.model = backend.model_name
        by_id = {d.id: d for d in fresh}
        pairs: list[tuple[Document, Extraction]] = []
        reported = 0

        def extracted(done: int) -> None:
            """Progress inside a chunk: extraction of a large chunk takes minutes."""
            nonlocal reported
            if on_progress and done > reported:
                on_progress(done - reported, total)
                reported = done

        items = extract(
            fresh, backend, settings.extract, settings.llm,  # type: ignore[arg-type]
            on_progress=extracted, prompts=settings.prompts,
        )  # fmt: skip
        for item in items:
            if isinstance(item, Extraction):
                item = _screen_names(item, settings.names, run, report)
            if isinstance(item, Reject):
                run.reject(item)
                report.rejected += 1
                continue
            pairs.append((by_id[item.doc_id], item))
            if item.model is None:
                report.given += 1
            else:
                report.extracted += 1
        if pairs:
            report.written += len(write_documents(store, pairs).documents)
        if on_progress:
            on_progress(len(chunk) - reported, total)
    if report.read == 0:
        where = ", ".join(map(str, paths))
        if not report.rejected:
            raise InputError(f"no documents in {where}: every line is blank")
        raise InputError(
            f"no usable documents in {where}: all {report.rejected} "
            f"rows were rejected; reasons in {run.path / 'rejects'}"
        )
    if count:
        count_into(report, store)
    report.elapsed_s = time.perf_counter() - start
    report.reject_reasons = dict(run.rejected)
    return report


def _screen_names(
    item: Extraction, cfg: NamesConfig, run: RunFolder, report: IngestReport
) -> Extraction | Reject:
    """Drop junk names (each one to rejects/names.jsonl); a document left without a usable
    topic is rejected."""
    kept, junk = screen(item, cfg)
    for j in junk:
        run.reject(Reject("names", item.doc_id, j.reason, j.name, {"topic": j.topic}))
    report.junk_names += len(junk)
    if not kept.concepts:
        detail = "every topic name was junk"
        return Reject("extract", item.doc_id, "no_topics", "", {"detail": detail})
    return kept
