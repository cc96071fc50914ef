"""``FilterConfig``: every knob of the domain filter (``kgsynth filter``), with its defaults.

The defaults follow the paper's first stage: a random forest on document embeddings, two
fine-grained iterations, keep documents whose predicted rating is above 6.5.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kgsynth.config.checks import between, one_of, positive
from kgsynth.errors import ConfigError

MODELS = {"random_forest", "extra_trees", "linear"}
DEVICES = {"auto", "cpu", "cuda"}


@dataclasses.dataclass(frozen=True)
class FilterConfig:
    """Domain filter (stage 1): syllabus → synthetic positives → cold start → rate/train/keep."""

    domain: str = "mathematics"
    syllabus: Path | None = None  # a file with one topic per line; None: the LLM drafts one
    syllabus_topics: int = 12  # topics the LLM drafts when no syllabus file is given
    genres: str = "blog post, exam paper, textbook section"  # comma-separated
    positives_per_topic: int = 1  # synthetic documents per (topic, genre) pair
    synthetic_max_new_tokens: int = 320
    synthetic_temperature: float = 0.8
    negatives: int = 200  # random corpus documents used as cold-start negatives
    cold_start_threshold: float = 0.5  # keep a document when P(domain) >= this (iteration 0)
    iterations: int = 2  # fine-grained iterations after the cold start
    rate_kept: int = 200  # documents from the kept set rated per iteration (at most)
    rate_fresh: int = 200  # fresh random corpus documents rated per iteration
    rate_batch: int = 32  # rating requests per LLM call (and per checkpoint shard)
    rate_chars: int = 2000  # a document is cut to this many characters in the rating prompt
    rate_max_new_tokens: int = 64
    rate_temperature: float = 0.0  # 0: greedy, so a re-rated document gets the same rating
    # The rating a regressor learns is the weighted mean of the three 1-10 ratings.
    weight_relevance: float = 0.6
    weight_clarity: float = 0.2
    weight_quality: float = 0.2
    threshold: float = 6.5  # keep a document when its predicted rating is above this
    model: str = "random_forest"  # random_forest | extra_trees | linear (logistic / ridge)
    n_estimators: int = 200
    max_depth: int | None = None
    # Features each tree split considers: sqrt | log2 | a fraction in (0, 1]. "sqrt" (also for
    # the regressor) keeps the trees diverse on a few hundred ratings of 384-wide embeddings.
    max_features: str = "sqrt"
    cv_folds: int = 5
    seed: int = 0
    # Embeddings: any sentence-transformers model; the default is the packaged MiniLM.
    embed_model: str = "all-MiniLM-L6-v2"
    embed_batch_size: int = 64
    embed_chars: int = 2000  # text cut to this many characters before embedding
    device: str = "auto"
    shard_size: int = 4096  # corpus documents per shard (embedding cache + score checkpoint)

    def genre_list(self) -> list[str]:
        return [g.strip() for g in self.genres.split(",") if g.strip()]

    def max_features_value(self) -> str | float:
        if self.max_features in {"sqrt", "log2"}:
            return self.max_features
        try:
            value = float(self.max_features)
        except ValueError:
            value = -1.0
        if not 0 < value <= 1:
            raise ConfigError(
                f"filter.max_features must be sqrt, log2 or a fraction in (0, 1], "
                f"got {self.max_features!r}"
            )
        return value

    def validate(self) -> FilterConfig:
        if not self.domain.strip():
            raise ConfigError("filter.domain must be a non-empty name, e.g. 'mathematics'")
        if not self.genre_list():
            raise ConfigError("filter.genres must name at least one genre")
        one_of("filter.model", self.model, MODELS)
        one_of("filter.device", self.device, DEVICES)
        between("filter.iterations", self.iterations, 0, 100)
        if not 0 < self.cold_start_threshold < 1:
            raise ConfigError(
                f"filter.cold_start_threshold must be in (0, 1), got {self.cold_start_threshold}"
            )
        between("filter.threshold", self.threshold, 1, 10)
        between("filter.synthetic_temperature", self.synthetic_temperature, 0, 5)
        between("filter.rate_temperature", self.rate_temperature, 0, 5)
        weights = (self.weight_relevance, self.weight_clarity, self.weight_quality)
        if min(weights) < 0 or sum(weights) <= 0:
            raise ConfigError(f"filter weights must be >= 0 with a positive sum, got {weights}")
        if self.cv_folds < 2:
            raise ConfigError(f"filter.cv_folds must be >= 2, got {self.cv_folds}")
        for name in (
            "syllabus_topics", "positives_per_topic", "synthetic_max_new_tokens", "negatives",
            "rate_batch", "rate_chars", "rate_max_new_tokens", "n_estimators", "max_depth",
            "embed_batch_size", "embed_chars", "shard_size",
        ):  # fmt: skip
            positive(f"filter.{name}", getattr(self, name))
        if self.rate_kept < 0 or self.rate_fresh < 0 or self.rate_kept + self.rate_fresh == 0:
            raise ConfigError("filter.rate_kept and filter.rate_fresh must be >= 0, not both 0")
        self.max_features_value()
        return self
