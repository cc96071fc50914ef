"""The corpus as shards: documents streamed from the inputs, embedded once, cached per shard.

Documents come from :func:`kgsynth.stages.ingest.read.read_documents` (``.jsonl``,
``.parquet``, ``.txt``/``.md`` files and folders) and are cut into shards of
``filter.shard_size``. Each shard is written to the run folder as ``corpus/part-N.parquet``
(id, title, text, source) with its embeddings beside it in ``embeddings/part-N.npy``; the
shard's completion marker is written last, so a re-run (``--resume``) skips every finished
shard and embeds only the rest. Unusable rows and repeated ids are counted and written to
``rejects/filter.jsonl`` with the shard they fell in, once.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kgsynth.config.filter import FilterConfig
from kgsynth.errors import InputError
from kgsynth.records import Document, Reject
from kgsynth.runs import RunFolder, atomic_write_text
from kgsynth.stages.ingest.read import input_files, read_documents

TABLE = "corpus"
EMBEDDINGS = "embeddings"
REJECT_STAGE = "filter"

Advance = Callable[..., None]
ProgressFactory = Callable[[str, int | None], AbstractContextManager[Advance]]


def no_progress(description: str, total: int | None) -> AbstractContextManager[Advance]:
    """A progress factory that shows nothing (the default outside the CLI)."""
    return nullcontext(lambda *a, **k: None)


@dataclass
class CorpusSummary:
    """What reading the corpus found; counts cover every shard, reused ones included."""

    documents: int = 0
    shards: int = 0
    shards_reused: int = 0
    embedded: int = 0  # documents embedded by this invocation
    rejected: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)  # reason -> rows
    embed_seconds: float = 0.0


class Corpus:
    """The sharded, embedded corpus of one filter run."""

    def __init__(self, run: RunFolder, cfg: FilterConfig, encoder: Any) -> None:
        self.run = run
        self.cfg = cfg
        self.encoder = encoder
        self.sizes: list[int] = []

    # -- building ------------------------------------------------------------------------
    def build(
        self, paths: Sequence[Path], progress: ProgressFactory = no_progress
    ) -> CorpusSummary:
        """Shard and embed every input document, reusing the shards a previous try finished."""
        files = input_files(paths)
        self._check_inputs(files)
        summary = CorpusSummary()
        total = estimate_rows(files)
        seen: set[str] = set()
        with progress("embed corpus", total) as advance:
            for index, (docs, rejects) in enumerate(self._chunks(read_documents(files), seen)):
                summary.rejected += len(rejects)
                for r in rejects:
                    reason = r.reason.split(" (")[0]
                    summary.reject_reasons[reason] = summary.reject_reasons.get(reason, 0) + 1
                summary.documents += len(docs)
                self.sizes.append(len(docs))
                if self.run.shard_done(TABLE, index) and self.embedding_path(index).exists():
                    summary.shards_reused += 1
                    advance(len(docs) + len(rejects))
                    continue
                started = time.perf_counter()
                self._write_shard(index, docs, rejects, advance)
                summary.embedded += len(docs)
                summary.embed_seconds += time.perf_counter() - started
                advance(len(rejects))
        summary.shards = len(self.sizes)
        if summary.documents == 0:
            raise InputError(
                f"no usable documents in {', '.join(map(str, paths))} "
                f"({summary.rejected} rejected; see {self.run.path / 'rejects'})"
            )
        return summary

    def _chunks(
        self, items: Iterable[Document | Reject], seen: set[str]
    ) -> Iterator[tuple[list[Document], list[Reject]]]:
        docs: list[Document] = []
        rejects: list[Reject] = []
        for item in items:
            if isinstance(item, Reject):
                rejects.append(Reject(REJECT_STAGE, item.source, item.reason, item.payload))
            elif item.id in seen:
                rejects.append(Reject(REJECT_STAGE, item.source, f"duplicate id {item.id!r}"))
            else:
                seen.add(item.id)
                docs.append(item)
                if len(docs) == self.cfg.shard_size:
                    yield docs, rejects
                    docs, rejects = [], []
        if docs or rejects:
            yield docs, rejects

    def _write_shard(
        self, index: int, docs: list[Document], rejects: list[Reject], advance: Advance
    ) -> None:
        import pyarrow as pa

        vectors = self.embed([d.text for d in docs], advance)
        save_array(self.embedding_path(index), vectors)
        for r in rejects:
            self.run.reject(r)
        columns = {
            "id": [d.id for d in docs],
            "title": [d.title for d in docs],
            "text": [d.text for d in docs],
            "source": [d.source for d in docs],
        }
        table = pa.table(columns, schema=pa.schema([(name, pa.string()) for name in columns]))
        self.run.write_shard(TABLE, index, table)

    def embed(self, texts: Sequence[str], advance: Advance | None = None) -> np.ndarray:
        """Unit vectors of ``texts`` (each cut to ``filter.embed_chars``), in batches."""
        step = self.cfg.embed_batch_size * 8
        cut = [t[: self.cfg.embed_chars] for t in texts]
        parts = [np.zeros((0, 0), dtype=np.float32)]
        for start in range(0, len(cut), step):
            parts.append(self.encoder.encode(cut[start : start + step]))
            if advance is not None:
                advance(len(cut[start : start + step]))
        if len(parts) == 1:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.concatenate(parts[1:])

    def _check_inputs(self, files: list[Path]) -> None:
        """Refuse to resume a run whose inputs changed (the shards would not match)."""
        stamp = [[str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns] for f in files]
        cfg = self.cfg
        body = json.dumps(
            {"files": stamp, "shard_size": cfg.shard_size, "embed_model": cfg.embed_model,
             "embed_chars": cfg.embed_chars}
        )  # fmt: skip
        path = self.run.path / "inputs.json"
        if path.exists() and path.read_text(encoding="utf-8") != body:
            raise InputError(
                f"{self.run.path}: the inputs, shard size or embedding model differ from the "
                "run being resumed; start a new run instead of --resume"
            )
        atomic_write_text(path, body)

    # -- reading -------------------------------------------------------------------------
    def embedding_path(self, index: int) -> Path:
        return self.run.path / EMBEDDINGS / f"part-{index:05d}.npy"

    def embeddings(self, index: int) -> np.ndarray:
        return np.load(self.embedding_path(index), mmap_mode="r")

    def table(self, index: int, columns: list[str] | None = None) -> Any:
        import pyarrow.parquet as pq

        return pq.read_table(self.run.shard_path(TABLE, index), columns=columns)

    @property
    def size(self) -> int:
        return sum(self.sizes)

    def locate(self, rows: Iterable[int]) -> list[tuple[int, int]]:
        """(shard, row in shard) for global row numbers."""
        bounds = np.cumsum([0, *self.sizes])
        out = []
        for r in rows:
            shard = int(np.searchsorted(bounds, r, side="right") - 1)
            out.append((shard, int(r - bounds[shard])))
        return out

    def gather(self, rows: Sequence[int]) -> tuple[list[str], list[str], np.ndarray]:
        """Ids, texts and embeddings of the given global rows, in that order."""
        by_shard: dict[int, list[tuple[int, int]]] = {}
        for position, (shard, row) in enumerate(self.locate(rows)):
            by_shard.setdefault(shard, []).append((position, row))
        ids: list[str] = [""] * len(rows)
        texts: list[str] = [""] * len(rows)
        vectors = np.zeros((len(rows), self.embeddings(0).shape[1]), dtype=np.float32)
        for shard, wanted in by_shard.items():
            table = self.table(shard, ["id", "text"]).to_pydict()
            emb = self.embeddings(shard)
            for position, row in wanted:
                ids[position] = table["id"][row]
                texts[position] = table["text"][row]
                vectors[position] = emb[row]
        return ids, texts, vectors


def save_array(path: Path, array: np.ndarray) -> None:
    """``np.save`` to a temporary name, then rename: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.npy")
    np.save(tmp, array)
    os.replace(tmp, path)


def estimate_rows(files: Iterable[Path]) -> int:
    """About how many rows the inputs hold (lines of .jsonl, parquet row counts, 1 per text
    file); the progress bar's total, found without parsing any document."""
    import pyarrow.parquet as pq

    total = 0
    for f in files:
        if f.suffix == ".jsonl":
            with f.open("rb") as fh:
                total += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
        elif f.suffix == ".parquet":
            try:
                total += pq.ParquetFile(f).metadata.num_rows
            except Exception:  # unreadable: read_documents reports it with the file's name
                continue
        else:
            total += 1
    return total
