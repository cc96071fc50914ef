"""How diverse the generated questions are (``kgsynth report``).

- Within-group similarity (the paper's measure): the cosine similarity of every pair of
  questions written from the same input (Levels 1-2: the same source document; Level 3: the
  same concept set), embedded with MiniLM (unit vectors, so a dot product is a cosine).
  Lower means the questions of one input differ more.
- Corpus diversity: the Vendi score (Friedman & Dieng 2023) of a sample of questions: the
  exponential of the Shannon entropy of the eigenvalues of K / n, with K the cosine
  similarity matrix. It reads as an effective number of distinct questions: 1 when all are
  the same, n when all are orthogonal. The eigenvalues are those of X^T X / n (d x d, numpy),
  which equal K / n's non-zero ones, so the cost does not grow with n^2. Reported beside it:
  the mean pairwise cosine distance (1 - cosine) of the same sample.

Large runs are sampled (seeded): at most ``max_groups`` groups per level and ``per_group``
questions per group for the pairwise figures, ``corpus_sample`` questions for the corpus
figures; the report states the sizes used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Encode = Callable[[Sequence[str]], np.ndarray]
Fetch = Callable[[list[int]], list[str]]


@dataclass(frozen=True)
class Sampling:
    """Sample sizes for the diversity figures, and the seed that draws them."""

    max_groups: int = 2000
    per_group: int = 20
    corpus_sample: int = 2000
    seed: int = 0


def group_pairs(
    groups: Sequence[str | None],
    fetch: Fetch,
    encode: Encode,
    sampling: Sampling,
) -> tuple[list[float], dict[str, int]]:
    """Cosine similarities of all question pairs within each group (row i belongs to
    ``groups[i]``; groups of one question give none), and the sample it was computed on:
    ``groups``, ``questions``, ``pairs``, plus ``groups_total`` before sampling. Only the
    sampled questions are fetched (``fetch(rows)`` returns their texts) and embedded."""
    rng = np.random.default_rng(sampling.seed)
    members: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        if g is not None:
            members[g].append(i)
    multi = sorted(g for g, rows in members.items() if len(rows) > 1)
    if len(multi) > sampling.max_groups:
        multi = sorted(rng.choice(multi, sampling.max_groups, replace=False).tolist())
    chosen = []
    for g in multi:
        rows = members[g]
        if len(rows) > sampling.per_group:
            rows = sorted(rng.choice(rows, sampling.per_group, replace=False).tolist())
        chosen.append(rows)
    flat = [i for rows in chosen for i in rows]
    vectors = encode(fetch(flat)) if flat else np.zeros((0, 1))
    sims: list[float] = []
    start = 0
    for rows in chosen:
        block = vectors[start : start + len(rows)]
        start += len(rows)
        gram = block @ block.T
        upper = np.triu_indices(len(rows), k=1)
        sims.extend(float(x) for x in gram[upper])
    size = {"groups": len(chosen), "questions": len(flat), "pairs": len(sims),
            "groups_total": len(members)}  # fmt: skip
    return sims, size


def vendi_score(vectors: np.ndarray) -> float:
    """Vendi score of unit row vectors with the cosine kernel (see the module docstring)."""
    n = len(vectors)
    if n == 0:
        return 0.0
    x = np.asarray(vectors, dtype=np.float64)
    eig = np.linalg.eigvalsh(x.T @ x / n)
    eig = eig[eig > 1e-12]
    eig = eig / eig.sum()
    return float(np.exp(-np.sum(eig * np.log(eig))))


def mean_pairwise_distance(vectors: np.ndarray) -> float:
    """Mean of 1 - cosine over all unordered pairs of distinct rows (unit vectors)."""
    n = len(vectors)
    if n < 2:
        return 0.0
    x = np.asarray(vectors, dtype=np.float64)
    total = x.sum(axis=0)
    # sum over i != j of x_i . x_j = |sum x|^2 - sum |x_i|^2
    off_diagonal = float(total @ total - np.einsum("ij,ij->", x, x))
    return 1.0 - off_diagonal / (n * (n - 1))


def sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    """Up to ``size`` row indices of ``n``, drawn without replacement (sorted)."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))
