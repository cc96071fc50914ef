"""The filter's iterations, each checkpointed in ``iteration-<i>/`` of the run folder.

Iteration 0 (cold start) trains a classifier on synthetic positives against random corpus
documents. Iteration i >= 1 has the LLM rate up to ``rate_kept`` documents of the previous
kept set and ``rate_fresh`` fresh random ones (none rated before), trains a regressor on
every usable rating so far, and scores the corpus. Each step leaves a file behind (the
rating plan, rating shards, ``model.joblib``, score shards, and ``stats.json`` last), so an
interrupted run resumes at the step it stopped in; sampling is seeded per iteration, so the
resumed run makes the same choices as an uninterrupted one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kgsynth.batching import batched
from kgsynth.config.filter import FilterConfig
from kgsynth.errors import ModelError
from kgsynth.llm.base import LLMBackend
from kgsynth.records import Reject
from kgsynth.runs import RunFolder, atomic_write_text
from kgsynth.stages.filter.corpus import Corpus, ProgressFactory, no_progress, save_array
from kgsynth.stages.filter.models import FilterModel, load_model, train
from kgsynth.stages.filter.prompts import RATING_FIELDS, rate

BackendFactory = Callable[[], LLMBackend]
"""Returns the (one, lazily loaded) LLM backend; called only when there is work for it."""
RATE_STAGE = "filter-rate"


def iteration_dir(run: RunFolder, i: int) -> Path:
    folder = run.path / f"iteration-{i}"
    folder.mkdir(exist_ok=True)
    return folder


def cold_start(
    run: RunFolder, corpus: Corpus, cfg: FilterConfig, positives: np.ndarray,
    progress: ProgressFactory = no_progress,
) -> dict[str, Any]:  # fmt: skip
    """Iteration 0: synthetic positives vs random corpus negatives → classifier → scores."""
    folder = iteration_dir(run, 0)
    if (folder / "stats.json").exists():
        return json.loads((folder / "stats.json").read_text(encoding="utf-8"))
    if not (folder / "model.joblib").exists():
        rng = np.random.default_rng([cfg.seed, 0])
        rows = np.sort(rng.choice(corpus.size, size=min(cfg.negatives, corpus.size), replace=False))
        _, _, negatives = corpus.gather(rows.tolist())
        x = np.vstack([positives, negatives])
        y = np.array([1] * len(positives) + [0] * len(negatives))
        train(cfg, "classifier", x, y, 0).save(folder / "model.joblib")
    model = load_model(folder / "model.joblib")
    kept = score_corpus(run, corpus, model, "iteration-0/scores", progress)
    drawn = min(cfg.negatives, corpus.size)
    stats = _stats(0, model, corpus, kept, positives=len(positives), negatives=drawn)
    return _finish(folder, stats)


def fine_iteration(
    run: RunFolder, corpus: Corpus, cfg: FilterConfig, i: int, backend: BackendFactory,
    progress: ProgressFactory = no_progress,
) -> dict[str, Any]:  # fmt: skip
    """Iteration i >= 1: rate (LLM) → train a regressor → score → keep."""
    folder = iteration_dir(run, i)
    if (folder / "stats.json").exists():
        return json.loads((folder / "stats.json").read_text(encoding="utf-8"))
    plan = _rating_plan(run, corpus, cfg, i)
    _rate_plan(run, corpus, cfg, i, plan, backend, progress)
    ratings = _ratings(run, i)
    mine = [r for r in ratings if r["iteration"] == i]
    _write_rejects(run, i, [r for r in mine if not r["valid"]])
    usable = [r for r in ratings if r["valid"]]
    if len(usable) < 2:
        raise ModelError(
            f"iteration {i}: only {len(usable)} of {len(ratings)} ratings are usable; see "
            f"{run.path / 'rejects'} (is the LLM able to answer the rating prompt?)"
        )
    if not (folder / "model.joblib").exists():
        _, _, x = corpus.gather([r["row"] for r in usable])
        y = np.array([r["score"] for r in usable], dtype=np.float64)
        train(cfg, "regressor", x, y, i).save(folder / "model.joblib")
    model = load_model(folder / "model.joblib")
    kept = score_corpus(run, corpus, model, f"iteration-{i}/scores", progress)
    valid_mine = [r for r in mine if r["valid"]]
    stats = _stats(i, model, corpus, kept, rated=len(mine), unparseable=len(mine) - len(valid_mine),
                   trained_on=len(usable), rating_histogram=_histograms(valid_mine))  # fmt: skip
    return _finish(folder, stats)


def score_corpus(
    run: RunFolder, corpus: Corpus, model: FilterModel, table: str,
    progress: ProgressFactory = no_progress,
) -> int:  # fmt: skip
    """Score every shard into ``table`` (id, score, kept), skipping finished shards;
    return how many documents are kept."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (run.path / table).mkdir(parents=True, exist_ok=True)
    kept = 0
    with progress(f"score ({table.split('/')[0]})", corpus.size) as advance:
        for k, size in enumerate(corpus.sizes):
            if run.shard_done(table, k):
                flags = pq.read_table(run.shard_path(table, k), columns=["kept"])["kept"]
                kept += int(np.sum(flags.to_numpy(zero_copy_only=False)))
            else:
                scores = model.score(corpus.embeddings(k))
                flags = model.keep(scores)
                ids = corpus.table(k, ["id"])["id"]
                run.write_shard(table, k, pa.table({"id": ids, "score": scores, "kept": flags}))
                kept += int(flags.sum())
            advance(size)
    return kept


def kept_rows(run: RunFolder, corpus: Corpus, i: int) -> np.ndarray:
    """Global row numbers of the documents iteration ``i`` kept."""
    import pyarrow.parquet as pq

    rows = []
    offset = 0
    for k, size in enumerate(corpus.sizes):
        flags = pq.read_table(run.shard_path(f"iteration-{i}/scores", k), columns=["kept"])
        rows.append(np.flatnonzero(flags["kept"].to_numpy(zero_copy_only=False)) + offset)
        offset += size
    return np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)


def _rating_plan(run: RunFolder, corpus: Corpus, cfg: FilterConfig, i: int) -> np.ndarray:
    """Rows to rate in iteration i (saved, so a resumed run rates the same documents)."""
    path = iteration_dir(run, i) / "plan.npy"
    if path.exists():
        return np.load(path)
    rated = np.array(sorted({r["row"] for r in _ratings(run, i - 1)}), dtype=np.int64)
    rng = np.random.default_rng([cfg.seed, i])
    pool = np.setdiff1d(kept_rows(run, corpus, i - 1), rated)
    from_kept = rng.choice(pool, size=min(cfg.rate_kept, len(pool)), replace=False)
    others = np.setdiff1d(np.arange(corpus.size), np.concatenate([rated, from_kept]))
    fresh = rng.choice(others, size=min(cfg.rate_fresh, len(others)), replace=False)
    plan = np.concatenate([np.sort(from_kept), np.sort(fresh)]).astype(np.int64)
    save_array(path, plan)
    return plan


def _rate_plan(
    run: RunFolder, corpus: Corpus, cfg: FilterConfig, i: int, plan: np.ndarray,
    backend_factory: BackendFactory, progress: ProgressFactory,
) -> None:  # fmt: skip
    import pyarrow as pa

    table = f"iteration-{i}/ratings"
    (run.path / table).mkdir(parents=True, exist_ok=True)
    with progress(f"rate (iteration-{i})", len(plan)) as advance:
        for b, chunk in enumerate(batched(plan.tolist(), cfg.rate_batch)):
            if not run.shard_done(table, b):
                ids, texts, _ = corpus.gather(chunk)
                rows = rate(backend_factory(), cfg, ids, texts)
                for row, r in zip(rows, chunk, strict=True):
                    row.update(row=r, iteration=i)
                run.write_shard(table, b, pa.Table.from_pylist(rows, schema=_rating_schema()))
            advance(len(chunk))


def _rating_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [("id", pa.string()), ("valid", pa.bool_()), ("reason", pa.string()),
         ("reply", pa.string()), *[(name, pa.int64()) for name in RATING_FIELDS],
         ("score", pa.float64()), ("row", pa.int64()), ("iteration", pa.int64())]
    )  # fmt: skip


def _ratings(run: RunFolder, upto: int) -> list[dict[str, Any]]:
    """Every rating row of iterations 1..upto."""
    rows: list[dict[str, Any]] = []
    for j in range(1, upto + 1):
        if any((run.path / f"iteration-{j}/ratings").glob("_part-*.done")):
            rows.extend(run.read_table(f"iteration-{j}/ratings").to_pylist())
    return rows


def _write_rejects(run: RunFolder, i: int, bad: list[dict[str, Any]]) -> None:
    """The unusable ratings of iteration i, in ``rejects/filter-rate-<i>.jsonl`` (rewritten)."""
    stage = f"{RATE_STAGE}-{i}"
    (run.path / "rejects" / f"{stage}.jsonl").unlink(missing_ok=True)
    for r in bad:
        run.reject(Reject(stage, r["id"], r["reason"], r["reply"], {"row": r["row"]}))


def _histograms(rows: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Counts of each rating 1..10 per scale, and of the rounded weighted score."""
    out = {}
    for name in (*RATING_FIELDS, "score"):
        values = np.clip(np.rint([r[name] for r in rows]).astype(int), 1, 10)
        out[name] = np.bincount(values, minlength=11)[1:].tolist()
    return out


def _stats(i: int, model: FilterModel, corpus: Corpus, kept: int, **extra: Any) -> dict[str, Any]:
    return {
        "iteration": i, "model": model.kind, "threshold": model.threshold,
        "kept": kept, "documents": corpus.size, "kept_share": kept / max(corpus.size, 1),
        "cv": model.cv, **extra,
    }  # fmt: skip


def _finish(folder: Path, stats: dict[str, Any]) -> dict[str, Any]:
    atomic_write_text(folder / "stats.json", json.dumps(stats, indent=2))
    return stats
