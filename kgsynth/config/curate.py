"""``[curate]``: what ``kgsynth curate`` checks and how strictly (defaults in the README)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kgsynth.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class CurateConfig:
    """What curate checks and how strictly; each filter can be switched off on its own."""

    min_words: int = 4  # quality: fewer normalised words is "too_short"
    dedup: bool = True  # exact duplicates on normalised text (and near ones when `near`)
    near: bool = True  # MinHash LSH near duplicates
    # Estimated Jaccard of word 3-gram sets at or above which two questions (holding the
    # same numbers) are near duplicates. 0.5: measured on tests/data/curate_pairs.jsonl
    # (42 labelled pairs, hard negatives included): precision 0.86, recall 0.95 (docs/curate.md).
    near_threshold: float = 0.5
    # Cosine similarity (packaged MiniLM) at or above which two questions holding the same
    # numbers are duplicates; None = this pass is off (it costs an encoder pass).
    embedding_threshold: float | None = None
    num_perm: int = 64  # MinHash permutations
    shingle: int = 3  # words per shingle
    benchmarks: tuple[Path, ...] = ()
    question_column: str | None = None  # default: "question", else "problem"
    id_column: str | None = None  # default: id, unique_id, idx or task_id when present
    ngram: int = 13  # words per n-gram for benchmark overlap
    short_min: int = 8  # shorter questions (>= this many words) match as a whole span
    reference_span: int = 20  # words copied from a reference document that flag a question
    reference_check: bool = True
    drop_reference_copies: bool = False
    answer_samples: int = 0  # extra answers per question for agreement (0 = off)
    agreement_threshold: float = 0.5  # keep when this share of answers agrees with `answer`
    batch_size: int = 8192  # rows per batch (and per output shard)

    def __post_init__(self) -> None:
        # kgsynth.toml gives a list of strings; keep a tuple of paths.
        object.__setattr__(self, "benchmarks", tuple(Path(p) for p in self.benchmarks))

    def validate(self) -> CurateConfig:
        if not 0 < self.near_threshold <= 1:
            raise ConfigError(f"curate near threshold must be in (0, 1], got {self.near_threshold}")
        if self.embedding_threshold is not None and not 0 < self.embedding_threshold <= 1:
            raise ConfigError(
                f"curate embedding threshold must be in (0, 1], got {self.embedding_threshold}"
            )
        if not 0 <= self.agreement_threshold <= 1:
            raise ConfigError(
                f"curate agreement threshold must be in [0, 1], got {self.agreement_threshold}"
            )
        for name in ("num_perm", "shingle", "ngram", "short_min", "reference_span", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"curate {name} must be >= 1, got {getattr(self, name)}")
        if self.min_words < 0 or self.answer_samples < 0:
            raise ConfigError("curate min_words and answer_samples must be >= 0")
        return self
