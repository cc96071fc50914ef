"""``kgsynth report``: a folder a person opens, with the numbers behind it.

Writes ``index.html`` (:mod:`kgsynth.analysis.html`), one PNG per figure and ``report.json``:

- questions (the generate runs' ``qa`` rows): within-document (Levels 1-2) and within-set
  (Level 3) pairwise cosine similarity of questions per level, corpus diversity per level
  (Vendi score and mean pairwise cosine distance; :mod:`kgsynth.analysis.diversity`), and
  question and answer lengths in words (whitespace-separated) per level, over all rows;
- the graph (when given): degree distributions of the three sub-graphs, top topics and key
  concepts, connected components, the dead-end share of walks (sample manifests) and the
  coverage of key concepts and edges run after run (:mod:`kgsynth.analysis.graphstats`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kgsynth.analysis import graphstats, plots
from kgsynth.analysis.diversity import (
    Encode,
    Sampling,
    group_pairs,
    mean_pairwise_distance,
    sample_rows,
    vendi_score,
)
from kgsynth.runs import RunFolder, atomic_write_text, utc_now
from kgsynth.tables import QA_SCHEMA, QA_TABLE

if TYPE_CHECKING:
    import pyarrow as pa

    from kgsynth.graph.repository.statistics import StatisticsOps

LEVEL_GROUP = {1: ("source_doc_id", "document"), 2: ("source_doc_id", "document"),
               3: ("set_hash", "concept set")}  # fmt: skip
TOP = 15


def write_report(
    out_dir: Path,
    generate_runs: Sequence[RunFolder],
    sample_runs: Sequence[RunFolder],
    encode: Encode,
    graph: StatisticsOps | None,
    sampling: Sampling | None = None,
    encoder_name: str = "all-MiniLM-L6-v2",
) -> dict[str, Any]:
    """Compute everything, write the folder, and return what ``report.json`` holds."""
    from kgsynth.analysis.html import render

    sampling = sampling or Sampling()
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "created_at": utc_now(),
        "generate_runs": [r.run_id for r in generate_runs],
        "sample_runs": [r.run_id for r in sample_runs],
        "embedding_model": encoder_name,
        "sampling": asdict(sampling),
        "figures": {},
    }
    table = _qa_table(generate_runs)
    report["questions"] = question_stats(table, encode, sampling, out_dir, report["figures"])
    if graph is not None:
        report["graph"] = graph_stats(graph, sample_runs, out_dir, report["figures"])
    atomic_write_text(out_dir / "report.json", json.dumps(report, indent=2, default=str))
    atomic_write_text(out_dir / "index.html", render(report))
    return report


def question_stats(
    table: pa.Table,
    encode: Encode,
    sampling: Sampling,
    out_dir: Path,
    figures: dict[str, str],
) -> dict[str, Any]:
    """Per level: within-group similarity, corpus diversity, lengths; figures into ``figures``.

    Lengths are counted over all rows in Arrow; only the sampled questions become Python
    strings and reach the encoder.
    """
    import pyarrow.compute as pc

    stats: dict[str, Any] = {"rows": table.num_rows, "levels": {}}
    sims_by_level: dict[str, list[float]] = {}
    lengths: dict[str, dict[str, np.ndarray]] = {"question": {}, "answer": {}}
    for level in sorted(set(table.column("level").to_pylist())):
        rows = table.filter(pc.equal(table.column("level"), level))
        questions = rows.column("question")

        def fetch(indices: list[int], questions: Any = questions) -> list[str]:
            return [str(q) for q in questions.take(indices).to_pylist()]

        column, group_name = LEVEL_GROUP[level]
        sims, size = group_pairs(rows.column(column).to_pylist(), fetch, encode, sampling)
        picked = sample_rows(rows.num_rows, sampling.corpus_sample, sampling.seed).tolist()
        vectors = encode(fetch(picked)) if picked else np.zeros((0, 1))
        name = f"Level {level}"
        sims_by_level[f"{name} (within {group_name})"] = sims
        lengths["question"][name] = _words(questions)
        lengths["answer"][name] = _words(rows.column("answer"))
        stats["levels"][str(level)] = {
            "rows": rows.num_rows,
            "within": {"grouped_by": group_name, **size, **_summary(sims)},
            "corpus": {
                "sample": len(picked),
                "vendi_score": vendi_score(vectors),
                "mean_pairwise_cosine_distance": mean_pairwise_distance(vectors),
            },
            "question_words": _summary(lengths["question"][name]),
            "answer_words": _summary(lengths["answer"][name]),
        }
    figures["within_similarity"] = plots.histograms(
        out_dir / "within_similarity.png", sims_by_level,
        "pairwise cosine similarity of questions from the same input", "cosine similarity (MiniLM)",
    ).name  # fmt: skip
    for part in ("question", "answer"):
        figures[f"{part}_lengths"] = plots.histograms(
            out_dir / f"{part}_lengths.png", lengths[part], f"{part} length per level", "words"
        ).name
    return stats


def graph_stats(
    graph: StatisticsOps,
    sample_runs: Sequence[RunFolder],
    out_dir: Path,
    figures: dict[str, str],
) -> dict[str, Any]:
    """Degree distributions, top topics/concepts, components, dead ends, coverage over runs."""
    degrees = graphstats.degree_distributions(graph.degree_counts())
    nodes, edges = graph.walk_graph()
    coverage = graphstats.coverage_over_time(sample_runs, nodes, edges)
    figures["degrees"] = plots.degree_plot(out_dir / "degrees.png", degrees).name
    if coverage:
        figures["coverage"] = plots.coverage_plot(out_dir / "coverage.png", coverage).name
    return {
        "degrees": {
            name: {**graphstats.degree_summary(dist), "nodes_per_degree": dist}
            for name, dist in degrees.items()
        },
        "top_topics": [asdict(r) for r in graph.top_topics(TOP)],
        "top_concepts": [asdict(r) for r in graph.top_concepts(TOP)],
        "components": graphstats.components(nodes, edges),
        "dead_ends": graphstats.dead_ends(sample_runs),
        "coverage_over_runs": coverage,
    }


def _qa_table(runs: Sequence[RunFolder]) -> pa.Table:
    """The columns the report reads from every run's ``qa`` table, concatenated."""
    import pyarrow as pa

    columns = ["level", "question", "answer", "source_doc_id", "set_hash"]
    tables = [run.read_table(QA_TABLE).select(columns) for run in runs]
    if not tables:
        return pa.schema([QA_SCHEMA.field(c) for c in columns]).empty_table()
    return pa.concat_tables(tables)


def _words(texts: Any) -> np.ndarray:
    """Whitespace-separated words of each text (null counts as 0), computed in Arrow."""
    import pyarrow.compute as pc

    counts = pc.list_value_length(pc.utf8_split_whitespace(pc.fill_null(texts, "")))
    return np.asarray(counts.to_numpy(zero_copy_only=False), dtype=np.int64)


def _summary(values: Sequence[float] | np.ndarray) -> dict[str, float | None]:
    if not len(values):
        return {"mean": None, "median": None, "p10": None, "p90": None}
    arr = np.asarray(values, dtype=float)
    return {
        "mean": float(arr.mean()),
        "median": float(np.median(arr)),
        "p10": float(np.percentile(arr, 10)),
        "p90": float(np.percentile(arr, 90)),
    }
