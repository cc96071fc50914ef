"""The labelled concept-name pairs (tests/data/dedup_pairs.jsonl) and dedup's scores on them.

Each pair is decided the way ``run_dedup`` decides it: a candidate when its cosine (packaged
MiniLM) is >= the threshold or when the names join on their surface form / acronym
(:func:`kgsynth.stages.dedup.candidates.surface_pairs`); a candidate is then merged, queued or
blocked by :func:`kgsynth.stages.dedup.verify.verify`. Used by tests/test_dedup_verify.py and
bench/bench_dedup.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kgsynth.config import DedupConfig
from kgsynth.embed.encoder import Encoder
from kgsynth.stages.dedup.candidates import surface_pairs
from kgsynth.stages.dedup.verify import verify

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "dedup_pairs.jsonl"


@dataclass(frozen=True)
class LabelledPair:
    a: str
    b: str
    same: bool  # True: one concept (a true duplicate); False: a hard negative
    kind: str  # e.g. plural, abbreviation, opposite, numbers, word order
    area: str  # area of mathematics


@dataclass(frozen=True)
class Outcome:
    pair: LabelledPair
    score: float  # cosine of the two names
    decision: str  # merged | review | blocked | not_candidate
    rule: str


@dataclass(frozen=True)
class Scores:
    pairs: int
    duplicates: int
    negatives: int
    auto_precision: float  # true duplicates among automatic merges
    auto_recall: float  # true duplicates merged automatically
    queue_recall: float  # true duplicates merged automatically or queued for review
    wrong_merges: int  # hard negatives merged automatically
    negatives_queued: int  # hard negatives put in the review queue (reviewer load)
    cosine_precision: float  # the old rule, cosine >= threshold merges, for comparison
    cosine_recall: float


def load_pairs(path: Path = LABELLED) -> list[LabelledPair]:
    with path.open(encoding="utf-8") as f:
        return [LabelledPair(**json.loads(line)) for line in f if line.strip()]


def decide(
    pairs: list[LabelledPair], cfg: DedupConfig, encoder: Encoder | None = None
) -> list[Outcome]:
    """Score and decide every pair as the dedup stage would."""
    encoder = encoder or Encoder(cfg)
    va = encoder.encode([p.a for p in pairs])
    vb = encoder.encode([p.b for p in pairs])
    cosines = np.einsum("ij,ij->i", va, vb).tolist()
    out = []
    for p, score in zip(pairs, cosines, strict=True):
        joined = bool(surface_pairs({"a": p.a, "b": p.b}))
        verdict = verify(p.a, p.b)
        if score < cfg.threshold and not joined:
            decision = "not_candidate"
        else:
            decision = {"merge": "merged", "review": "review", "block": "blocked"}[verdict.decision]
        out.append(Outcome(p, round(score, 4), decision, verdict.rule))
    return out


def scores(outcomes: list[Outcome], threshold: float) -> Scores:
    dups = [o for o in outcomes if o.pair.same]
    negs = [o for o in outcomes if not o.pair.same]
    merged = [o for o in outcomes if o.decision == "merged"]
    by_cosine = [o for o in outcomes if o.score >= threshold]

    def share(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 1.0

    return Scores(
        pairs=len(outcomes),
        duplicates=len(dups),
        negatives=len(negs),
        auto_precision=share(sum(o.pair.same for o in merged), len(merged)),
        auto_recall=share(sum(o.decision == "merged" for o in dups), len(dups)),
        queue_recall=share(sum(o.decision in ("merged", "review") for o in dups), len(dups)),
        wrong_merges=sum(o.decision == "merged" for o in negs),
        negatives_queued=sum(o.decision == "review" for o in negs),
        cosine_precision=share(sum(o.pair.same for o in by_cosine), len(by_cosine)),
        cosine_recall=share(sum(o.pair.same for o in by_cosine), len(dups)),
    )
