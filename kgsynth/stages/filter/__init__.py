"""Stage 1, the domain filter: find the documents of one domain in a large general corpus.

:func:`run_filter` trains (syllabus → synthetic positives → cold-start classifier →
``iterations`` × rate/train/score/keep) and :func:`apply_filter` scores new data with a saved
model, without the LLM. Both write into a run folder (``runs/filter-…``) and resume from it:
corpus shards and their embeddings, the syllabus, the synthetic documents, every rating
batch, model and score shard are checkpoints. The method is described in docs/filter.md.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kgsynth.config.filter import FilterConfig
from kgsynth.errors import InputError
from kgsynth.llm.base import LLMBackend
from kgsynth.runs import RunFolder, atomic_write_text
from kgsynth.stages.filter.corpus import (
    Corpus,
    CorpusSummary,
    ProgressFactory,
    no_progress,
    save_array,
)
from kgsynth.stages.filter.iterate import cold_start, fine_iteration, score_corpus
from kgsynth.stages.filter.models import FilterModel
from kgsynth.stages.filter.output import PLOT, plot_stats, write_kept
from kgsynth.stages.filter.prompts import draft_syllabus, read_syllabus, write_positives

__all__ = ["FilterReport", "apply_filter", "make_encoder", "run_filter"]


@dataclasses.dataclass
class FilterReport:
    """What a filter run (``mode`` train or apply) did; the manifest holds it as JSON."""

    mode: str
    corpus: CorpusSummary
    documents: int
    kept: int
    kept_path: Path
    model_path: Path
    iterations: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    topics: list[str] = dataclasses.field(default_factory=list)
    positives: int = 0
    plot_path: Path | None = None


class _LazyBackend:
    """Loads the LLM on first use (a resumed run with nothing left to rate never loads it)."""

    def __init__(self, factory: Callable[[], LLMBackend]) -> None:
        self._factory = factory
        self._backend: LLMBackend | None = None

    def __call__(self) -> LLMBackend:
        if self._backend is None:
            self._backend = self._factory()
        return self._backend

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()


def make_encoder(cfg: FilterConfig) -> Any:
    """The sentence-transformers encoder ``cfg.embed_model`` (loaded on first use)."""
    from kgsynth.config import DedupConfig
    from kgsynth.embed.encoder import Encoder

    return Encoder(DedupConfig(model=cfg.embed_model, batch_size=cfg.embed_batch_size,
                               device=cfg.device))  # fmt: skip


def run_filter(
    run: RunFolder, cfg: FilterConfig, paths: Sequence[Path],
    backend_factory: Callable[[], LLMBackend], encoder: Any = None,
    progress: ProgressFactory = no_progress,
) -> FilterReport:  # fmt: skip
    """Train the filter on ``paths`` and keep the domain documents (resumes ``run``)."""
    cfg.validate()
    _check_config(run, cfg)
    corpus = Corpus(run, cfg, encoder or make_encoder(cfg))
    summary = corpus.build(paths, progress)
    backend = _LazyBackend(backend_factory)
    try:
        topics = _syllabus(run, cfg, backend)
        positives = _positives(run, cfg, backend, topics, progress)
        vectors = _positive_vectors(run, corpus, positives)
        stats = [cold_start(run, corpus, cfg, vectors, progress)]
        for i in range(1, cfg.iterations + 1):
            stats.append(fine_iteration(run, corpus, cfg, i, backend, progress))
    finally:
        backend.close()
    final = cfg.iterations
    model_path = run.path / "model.joblib"
    shutil.copyfile(run.path / f"iteration-{final}" / "model.joblib", model_path)
    kept_path = write_kept(run, corpus, f"iteration-{final}/scores", final)
    report = FilterReport(
        "train", summary, corpus.size, stats[-1]["kept"], kept_path, model_path, stats,
        topics, len(positives), plot_stats(stats, run.path / PLOT),
    )  # fmt: skip
    run.write_manifest({"report": dataclasses.asdict(report), "config": _jsonable(cfg),
                        "inputs": [str(p) for p in paths]})  # fmt: skip
    return report


def apply_filter(
    run: RunFolder, model: FilterModel, paths: Sequence[Path], cfg: FilterConfig,
    encoder: Any = None, progress: ProgressFactory = no_progress,
) -> FilterReport:  # fmt: skip
    """Score ``paths`` with a saved model (no LLM); keep what it keeps (``run`` resumes)."""
    cfg = dataclasses.replace(cfg, embed_model=model.embed_model, embed_chars=model.embed_chars)
    cfg.validate()
    about = {"kind": model.kind, "iteration": model.iteration, "threshold": model.threshold,
             "domain": model.domain, "embed_model": model.embed_model}  # fmt: skip
    _check_same(run, "model.json", about, set())
    corpus = Corpus(run, cfg, encoder or make_encoder(cfg))
    summary = corpus.build(paths, progress)
    kept = score_corpus(run, corpus, model, "scores", progress)
    kept_path = write_kept(run, corpus, "scores", model.iteration)
    report = FilterReport("apply", summary, corpus.size, kept, kept_path, run.path / "scores")
    run.write_manifest({"report": dataclasses.asdict(report), "model": about,
                        "inputs": [str(p) for p in paths]})  # fmt: skip
    return report


def _check_config(run: RunFolder, cfg: FilterConfig) -> None:
    """Save the config; a resumed run must use the same one (more iterations are allowed)."""
    # iterations may grow; device and batch size do not change the result
    _check_same(run, "config.json", _jsonable(cfg), {"iterations", "device", "embed_batch_size"})


def _check_same(run: RunFolder, name: str, current: dict[str, Any], free: set[str]) -> None:
    """Write ``current`` to ``name``; refuse a resumed run whose saved values differ."""
    path = run.path / name
    if path.exists():
        before = json.loads(path.read_text(encoding="utf-8"))
        changed = sorted(k for k in current if k not in free and before.get(k) != current[k])
        if changed:
            raise InputError(
                f"{run.path}: settings differ from the run being resumed ({', '.join(changed)}); "
                "resume with the same settings or start a new run"
            )
    atomic_write_text(path, json.dumps(current, indent=2))


def _jsonable(cfg: FilterConfig) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(cfg).items()}


def _syllabus(run: RunFolder, cfg: FilterConfig, backend: _LazyBackend) -> list[str]:
    """The topics, from the file, or from ``syllabus.txt`` of this run, or drafted by the LLM
    (then saved to ``syllabus.txt`` for review; edit it and resume to use your version)."""
    saved = run.path / "syllabus.txt"
    if cfg.syllabus is not None:
        topics = read_syllabus(cfg.syllabus)
    elif saved.exists():
        return read_syllabus(saved)
    else:
        topics = draft_syllabus(backend(), cfg)
    atomic_write_text(saved, "\n".join(topics) + "\n")
    return topics


def _positives(
    run: RunFolder, cfg: FilterConfig, backend: _LazyBackend, topics: list[str],
    progress: ProgressFactory,
) -> list[dict[str, str]]:  # fmt: skip
    import pyarrow as pa

    if run.shard_done("synthetic", 0):
        return run.read_table("synthetic").to_pylist()
    with progress("write synthetic documents", len(topics) * len(cfg.genre_list())) as advance:
        docs = write_positives(backend(), cfg, topics, advance)
    if not docs:
        raise InputError("the LLM wrote no usable synthetic documents (all replies were empty)")
    run.write_shard("synthetic", 0, pa.Table.from_pylist(docs))
    return docs


def _positive_vectors(run: RunFolder, corpus: Corpus, docs: list[dict[str, str]]) -> np.ndarray:
    path = run.path / "synthetic" / "embeddings.npy"
    if path.exists():
        return np.load(path)
    vectors = corpus.embed([d["text"] for d in docs])
    save_array(path, vectors)
    return vectors
