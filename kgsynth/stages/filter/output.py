"""The filter's outputs: the kept documents as parquet, and a plot of the iterations.

``kept/part-N.parquet`` holds, per corpus shard, the documents the final model keeps:
``id``, ``title``, ``text``, ``source`` (the input file and line), ``score`` and the
``iteration`` whose model gave it. ``kgsynth ingest RUN/kept`` reads the folder directly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from kgsynth.runs import RunFolder, atomic_write_text
from kgsynth.stages.filter.corpus import Corpus

KEPT = "kept"
PLOT = "filter_stats.png"


def write_kept(run: RunFolder, corpus: Corpus, scores_table: str, iteration: int) -> Path:
    """Write the kept documents of ``scores_table`` shard by shard (finished shards skipped;
    a folder left by another iteration's scores is replaced)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder = run.path / KEPT
    stamp = json.dumps({"scores": scores_table, "iteration": iteration})
    if folder.exists() and (folder / "_from.json").read_text(encoding="utf-8") != stamp:
        shutil.rmtree(folder)
    folder.mkdir(exist_ok=True)
    atomic_write_text(folder / "_from.json", stamp)
    for k in range(len(corpus.sizes)):
        if run.shard_done(KEPT, k):
            continue
        scores = pq.read_table(run.shard_path(scores_table, k))
        docs = corpus.table(k).filter(scores["kept"])
        chosen = pc.filter(scores["score"], scores["kept"])
        docs = docs.append_column("score", chosen)
        docs = docs.append_column("iteration", pa.array([iteration] * len(docs), pa.int32()))
        run.write_shard(KEPT, k, docs)
    return folder


def plot_stats(iterations: list[dict[str, Any]], path: Path) -> Path:
    """Kept share, rating histograms and cross-validation scores per iteration, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (share, hist, cv) = plt.subplots(1, 3, figsize=(14, 4))
    steps = [s["iteration"] for s in iterations]
    share.bar(steps, [s["kept_share"] for s in iterations], color="tab:blue")
    share.set(title="kept share of the corpus", xlabel="iteration", ylim=(0, 1), xticks=steps)
    for s in iterations:
        h = s.get("rating_histogram")
        if h:
            hist.plot(range(1, 11), h["score"], marker="o", label=f"iteration {s['iteration']}")
    hist.set(title="LLM ratings (weighted score, rounded)", xlabel="rating", ylabel="documents",
             xticks=range(1, 11))  # fmt: skip
    if hist.lines:
        hist.legend()
    names = [("f1", "cold start F1"), ("r2", "R²")]
    for key, label in names:
        xs = [s["iteration"] for s in iterations if f"{key}_mean" in s["cv"]]
        ys = [s["cv"][f"{key}_mean"] for s in iterations if f"{key}_mean" in s["cv"]]
        es = [s["cv"][f"{key}_std"] for s in iterations if f"{key}_mean" in s["cv"]]
        if xs:
            cv.errorbar(xs, ys, yerr=es, fmt="o", capsize=4, label=label)
    cv.set(title="cross-validation (mean ± std over folds)", xlabel="iteration", xticks=steps)
    if cv.containers:
        cv.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
