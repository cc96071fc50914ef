"""Settings of the pipeline stages: extraction, dedup, sampling, generation."""

from __future__ import annotations

import dataclasses

from kgsynth.config.checks import min_max, positive, seed_range
from kgsynth.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class ExtractConfig:
    """Concept extraction (docs/method.md, "Extraction"): topics and key concepts per document."""

    min_topics: int = 1
    max_topics: int = 5
    min_concepts: int = 5
    max_concepts: int = 20
    max_chars: int = 4000  # document text is cut to this many characters in the prompt
    # Decoding for extraction calls; None: use llm.max_new_tokens / llm.temperature.
    max_new_tokens: int | None = None
    temperature: float | None = None

    def validate(self) -> None:
        min_max("extract topics", self.min_topics, self.max_topics)
        min_max("extract concepts", self.min_concepts, self.max_concepts)
        positive("extract.max_chars", self.max_chars)
        if self.max_new_tokens is not None:
            positive("extract.max_new_tokens", self.max_new_tokens)
        if self.temperature is not None and not 0 <= self.temperature <= 5:
            raise ConfigError(f"extract.temperature must be in [0, 5], got {self.temperature}")


@dataclasses.dataclass(frozen=True)
class DedupConfig:
    """Near-duplicate concept merging with embeddings and FAISS."""

    threshold: float = 0.9  # cosine similarity at or above which two names are duplicates
    batch_size: int = 256  # names per encoder batch
    model: str = "all-MiniLM-L6-v2"  # the packaged model; or a sentence-transformers path
    device: str = "auto"  # auto (cuda when available) | cpu | cuda; for the encoder
    merge_batch_size: int = 200  # merges written per graph transaction

    def validate(self) -> None:
        if not 0 < self.threshold <= 1:
            raise ConfigError(f"dedup.threshold must be in (0, 1], got {self.threshold}")
        if self.device not in {"auto", "cpu", "cuda"}:
            raise ConfigError(f"dedup.device must be auto, cpu or cuda, got {self.device!r}")
        positive("dedup.batch_size", self.batch_size)
        positive("dedup.merge_batch_size", self.merge_batch_size)


@dataclasses.dataclass(frozen=True)
class SampleConfig:
    """The Level-3 random walk (docs/method.md, "Sampling"); defaults are the paper's."""

    epochs: int = 5
    topic_steps_min: int = 1
    topic_steps_max: int = 2
    concept_steps_min: int = 3
    concept_steps_max: int = 4
    epsilon: float = 1e-5
    temperature: float = 1.0
    references: int = 2
    seed: int = 0
    skip_used: bool = False  # skip sets already sampled by earlier runs
    coverage_bias: float = 0.0  # 0 = the paper; >0 favours concepts used least by earlier runs
    batch_size: int = 2000
    max_sets: int | None = None
    # A walk never steps onto a node it already visited (same label) unless this is set.
    allow_revisits: bool = False
    # At a node with no (unvisited) neighbour: "end_phase" ends the current phase early and goes
    # on with the next phase from that node; "end_walk" ends the whole walk. Both are recorded.
    dead_end: str = "end_phase"
    # Topics and key concepts mentioned by fewer documents are not walked onto (nor started
    # from). 1 = the paper; MathScale drops concepts seen once, i.e. 2.
    min_documents: int = 1

    def validate(self) -> None:
        positive("sample.epochs", self.epochs)
        positive("sample.min_documents", self.min_documents)
        min_max("sample topic steps", self.topic_steps_min, self.topic_steps_max, low=0)
        min_max("sample concept steps", self.concept_steps_min, self.concept_steps_max, low=0)
        if self.epsilon <= 0:
            raise ConfigError(f"sample.epsilon must be > 0, got {self.epsilon}")
        if self.temperature <= 0:
            raise ConfigError(f"sample.temperature must be > 0, got {self.temperature}")
        if self.coverage_bias < 0:
            raise ConfigError(f"sample.coverage_bias must be >= 0, got {self.coverage_bias}")
        seed_range("sample.seed", self.seed)
        positive("sample.references", self.references)
        positive("sample.batch_size", self.batch_size)
        if self.max_sets is not None:
            positive("sample.max_sets", self.max_sets)
        if self.dead_end not in {"end_phase", "end_walk"}:
            raise ConfigError(
                f"sample.dead_end must be 'end_phase' or 'end_walk', got {self.dead_end!r}"
            )


@dataclasses.dataclass(frozen=True)
class GenerateConfig:
    """Question and answer generation."""

    questions_per_set: int = 3  # Level-3 questions asked per concept set (paper: 1-3)
    max_sets: int | None = None
    reference_chars: int = 1500  # each reference document is cut to this many characters
    shard_size: int = 64  # inputs (concept sets or documents) per shard of the output tables
    questions_per_document: int = 5  # Levels 1-2: at most this many questions per document
    max_documents: int | None = None  # Levels 1-2: only the first N documents in id order
    document_chars: int = 4000  # Levels 1-2: the document is cut to this many characters
    question_max_new_tokens: int | None = None  # None: llm.max_new_tokens
    answer_max_new_tokens: int | None = None  # None: llm.max_new_tokens
    answer_temperature: float | None = None  # None: llm.temperature

    def validate(self) -> None:
        min_max("generate questions_per_set", 1, self.questions_per_set)
        if self.questions_per_set > 5:
            raise ConfigError(
                f"generate.questions_per_set must be 1-5, got {self.questions_per_set}"
            )
        if not 1 <= self.questions_per_document <= 5:
            raise ConfigError(
                f"generate.questions_per_document must be 1-5, got {self.questions_per_document}"
            )
        positive("generate.reference_chars", self.reference_chars)
        positive("generate.shard_size", self.shard_size)
        positive("generate.document_chars", self.document_chars)
        for name in (
            "max_sets",
            "max_documents",
            "question_max_new_tokens",
            "answer_max_new_tokens",
        ):
            value = getattr(self, name)
            if value is not None:
                positive(f"generate.{name}", value)
        if self.answer_temperature is not None and not 0 <= self.answer_temperature <= 5:
            raise ConfigError(
                f"generate.answer_temperature must be in [0, 5], got {self.answer_temperature}"
            )
