"""One batch through every curate filter, in order: quality, benchmark overlap, exact and
near duplicates, embedding duplicates (optional), reference copies, answer agreement. The
first filter that removes a row gives its reason; rows that pass all of them are kept with
the curation columns filled."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from kgsynth.stages.curate.decontam import CONTAMINATED, BenchmarkIndex, ReferenceCheck
from kgsynth.stages.curate.dedup import Deduper, Match
from kgsynth.stages.curate.quality import QualityFilter
from kgsynth.stages.curate.text import Batch, words
from kgsynth.tables import CURATED_SCHEMA, REMOVED_SCHEMA

if TYPE_CHECKING:
    from kgsynth.config import CurateConfig
    from kgsynth.stages.curate.agree import Agreement
    from kgsynth.stages.curate.semantic import SemanticDedup

REFERENCE_COPY = "reference_copy"
LOW_AGREEMENT = "low_answer_agreement"


@dataclass
class Outcome:
    """A batch split into the kept and removed tables."""

    kept: pa.Table
    removed: pa.Table


@dataclass
class Tally:
    rows: int = 0
    kept: int = 0
    removed: Counter[str] = field(default_factory=Counter)
    benchmark_hits: Counter[str] = field(default_factory=Counter)
    reference_copies: int = 0


class Curator:
    """Holds the state that spans batches: kept questions, benchmark n-grams, replies seen."""

    def __init__(
        self,
        cfg: CurateConfig,
        benchmark: BenchmarkIndex | None = None,
        references: ReferenceCheck | None = None,
        agreement: Agreement | None = None,
        semantic: SemanticDedup | None = None,
    ) -> None:
        self.cfg = cfg
        self.benchmark = benchmark
        self.references = references
        self.agreement = agreement
        self.semantic = semantic
        self.quality = QualityFilter(cfg.min_words)
        self.dedup = Deduper(cfg.near_threshold, cfg.num_perm, cfg.shingle, near=cfg.near)
        self.tally = Tally()

    def remember(self, questions: list[str], ids: list[str], source: str) -> None:
        """Count questions kept by an earlier run as seen (they win every cluster)."""
        batch = Batch.of([words(q) for q in questions])
        guard = batch.number_keys()
        self.dedup.check(batch, batch.text_keys(), guard, ids, source)
        if self.semantic is not None:
            self.semantic.check(questions, guard, ids, source)

    def process(self, table: pa.Table, source: str) -> Outcome:
        """Curate one conformed batch (:data:`~kgsynth.tables.QA_SCHEMA` columns)."""
        cfg = self.cfg
        texts = table.column("question").to_pylist()
        ids = table.column("question_id").to_pylist()
        tokens = [words(t) for t in texts]
        batch = Batch.of(tokens)
        key_array, guards = batch.text_keys(), batch.number_keys()
        keys = key_array.tolist()
        out: list[Match | None] = [None] * len(texts)
        replies = zip(
            table.column("run_id").to_pylist(),
            table.column("set_hash").to_pylist(),
            table.column("source_doc_id").to_pylist(),
            table.column("seed").to_pylist(),
            strict=True,
        )
        for row, reply in enumerate(replies):
            call = reply if any(reply[1:]) else (ids[row],)  # no provenance: no shared reply
            v = self.quality.check(texts[row], tokens[row], keys[row], call, ids[row])
            if v is not None:
                out[row] = Match(v.reason, source if v.matched else "", v.matched or "", 1.0)
        if self.benchmark is not None:
            for row, item in enumerate(self.benchmark.find(batch)):
                if item is not None and out[row] is None:
                    out[row] = Match(CONTAMINATED, item.benchmark, item.item, 1.0)
                    self.tally.benchmark_hits[item.benchmark] += 1
        alive = [r for r, m in enumerate(out) if m is None]
        if cfg.dedup:
            rows = np.array(alive, dtype=np.int64)
            found = self.dedup.check(
                batch.take(alive), key_array[rows], guards[rows], [ids[r] for r in alive], source
            )
            for r, m in zip(alive, found, strict=True):
                out[r] = m
        if self.semantic is not None:
            alive = [r for r, m in enumerate(out) if m is None]
            found = self.semantic.check(
                [texts[r] for r in alive],
                guards[np.array(alive, dtype=np.int64)],
                [ids[r] for r in alive],
                source,
            )
            for r, m in zip(alive, found, strict=True):
                out[r] = m
        copies: list[bool | None] = [None] * len(texts)
        if self.references is not None:
            alive = [r for r, m in enumerate(out) if m is None]
            refs = table.column("reference_doc_ids").to_pylist()
            flags = self.references.flags(batch.take(alive), [refs[r] for r in alive])
            for r, flag in zip(alive, flags, strict=True):
                copies[r] = flag
                self.tally.reference_copies += flag
                if flag and cfg.drop_reference_copies:
                    out[r] = Match(REFERENCE_COPY, "", "", 1.0)
        scores: list[tuple[float | None, str | None]] = [(None, None)] * len(texts)
        if self.agreement is not None:
            alive = [r for r, m in enumerate(out) if m is None]
            rows = table.take(pa.array(alive, pa.int64())).to_pylist()
            for r, (share, final) in zip(alive, self.agreement.score(rows), strict=True):
                scores[r] = (share, final)
                if share < cfg.agreement_threshold:
                    out[r] = Match(LOW_AGREEMENT, "", "", share)
        return self._split(table, out, keys, copies, scores)

    def _split(
        self,
        table: pa.Table,
        out: list[Match | None],
        keys: list[int],
        copies: list[bool | None],
        scores: list[tuple[float | None, str | None]],
    ) -> Outcome:
        extra: dict[str, list[Any]] = {
            "text_key": [f"{k:016x}" for k in keys],
            "reference_copy": copies,
            "answer_agreement": [s for s, _ in scores],
            "final_answer": [f for _, f in scores],
        }
        full = table
        for name, values in extra.items():
            full = full.append_column(
                CURATED_SCHEMA.field(name), pa.array(values, CURATED_SCHEMA.field(name).type)
            )
        kept_rows = pa.array([r for r, m in enumerate(out) if m is None], pa.int64())
        gone = [(r, m) for r, m in enumerate(out) if m is not None]
        removed = full.take(pa.array([r for r, _ in gone], pa.int64()))
        for name, values in (
            ("reason", [m.reason for _, m in gone]),
            ("matched_source", [m.source or None for _, m in gone]),
            ("matched_item", [m.item or None for _, m in gone]),
            ("similarity", [m.similarity for _, m in gone]),
        ):
            removed = removed.append_column(
                REMOVED_SCHEMA.field(name), pa.array(values, REMOVED_SCHEMA.field(name).type)
            )
        self.tally.rows += len(out)
        self.tally.kept += len(kept_rows)
        self.tally.removed.update(m.reason for _, m in gone)
        return Outcome(full.take(kept_rows).cast(CURATED_SCHEMA), removed.cast(REMOVED_SCHEMA))
