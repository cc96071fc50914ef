"""``kgsynth ingest / dedup / sample / generate``: the pipeline, stage by stage."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer

from kgsynth.cli.common import console, handle_errors, progress_bar, settings_of
from kgsynth.config import Settings
from kgsynth.errors import InputError
from kgsynth.graph import open_graph

Backend = Annotated[
    str | None, typer.Option(help="LLM backend: transformers | vllm | openai | ray.")
]
Device = Annotated[str | None, typer.Option(help="auto | cpu | cuda.")]
Level = Annotated[
    list[int] | None,
    typer.Option("--level", "-l", help="Question level(s): 1, 2, 3 (repeat for a mix)."),
]


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(ingest))
    app.command()(handle_errors(dedup))
    app.command()(handle_errors(sample))
    app.command()(handle_errors(generate))
    app.command()(handle_errors(export))


def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help=".jsonl / .parquet / .txt / .md files or folders.")
    ],
    dedup: Annotated[
        bool, typer.Option(help="Merge near-duplicate concepts against the stored index after.")
    ] = True,
    backend: Backend = None,
    model: Annotated[
        str | None, typer.Option(help="Extraction model ('smollm2' = packaged).")
    ] = None,
    device: Device = None,
    batch_size: Annotated[int | None, typer.Option(help="Prompts per model batch.")] = None,
) -> None:
    """Read documents, extract topics and key concepts (LLM), and add them to the graph.

    Documents get stable ids (given, or a hash of the text); ones already in the graph are
    skipped, so ingesting the same input twice changes nothing. Documents that carry
    "topics"/"concepts" are loaded as given, without an LLM call. Rows that cannot be used
    are counted and written with a reason to runs/<run id>/rejects/.
    """

    from kgsynth.stages.ingest.read import input_files

    settings = settings_of(ctx).with_section(
        "llm", backend=backend, model=model, device=device, batch_size=batch_size
    )
    input_files(paths)  # a missing or unsupported input fails before anything starts
    with open_graph(settings) as store:
        do_ingest(store, settings, paths, dedup)


def do_ingest(store: Any, settings: Settings, paths: list[Path], dedup: bool = True) -> Any:
    """Ingest step shared by ``ingest`` and ``demo``: run, write the manifest, print a summary."""
    from kgsynth.llm.base import load_backend
    from kgsynth.runs import RunFolder
    from kgsynth.stages.ingest import run_ingest

    run = RunFolder(settings.runs_dir, "ingest")
    with progress_bar("ingest documents", None) as advance:
        report = run_ingest(
            store, settings, paths, run,
            backend_factory=lambda: load_backend(settings.llm, settings.home),
            on_progress=lambda n, total: advance(n, total=total),
        )  # fmt: skip
    dedup_report = _run_dedup(store, settings) if dedup else None
    counts = store.read("graph_counts")[0]
    manifest = {"report": dataclasses.asdict(report), "graph": counts,
                "inputs": [str(p) for p in paths]}  # fmt: skip
    if dedup_report is not None:
        manifest["dedup"] = dataclasses.asdict(dedup_report)
    run.write_manifest(manifest)
    console.print(
        f"ingest: {report.read} read, {report.written} written "
        f"({report.extracted} extracted by {report.model or 'no model'}, {report.given} given), "
        f"{report.already_in_graph} already in the graph, {report.rejected} rejected"
    )
    for reason, n in sorted(report.reject_reasons.items()):
        console.print(f"  rejected {n:>5} × {reason}")
    if dedup_report is not None:
        console.print(
            f"dedup: {dedup_report.merged} concepts merged ({dedup_report.embedded} embedded)"
        )
    console.print("graph: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    console.print(f"run folder: {run.path}")
    return report


def _run_dedup(store: Any, settings: Settings, rebuild: bool = False) -> Any:
    from kgsynth.stages.dedup import run_dedup

    with progress_bar("dedup concepts", None) as advance:
        return run_dedup(
            store, settings, rebuild=rebuild,
            on_progress=lambda step, n, total: advance(n, total=total),
        )  # fmt: skip


def dedup(
    ctx: typer.Context,
    threshold: Annotated[float | None, typer.Option(help="Cosine threshold (default 0.9).")] = None,
    rebuild: Annotated[
        bool, typer.Option(help="Re-embed every concept, rebuild the index.")
    ] = False,
    undo: Annotated[
        str | None, typer.Option(help="Undo the merge of this alias concept key.")
    ] = None,
    list_merges: Annotated[
        bool, typer.Option("--list", help="List the merges made so far.")
    ] = False,
) -> None:
    """Merge near-duplicate key concepts (embeddings + FAISS, union-find clusters).

    One survivor is kept per cluster (most documents, then shortest name, then smallest key);
    each merged name keeps an ALIAS_OF edge (score, threshold, time) so it can be reviewed
    with --list and undone with --undo KEY. The FAISS index persists under --home and is
    updated incrementally; --rebuild re-embeds everything.
    """
    from kgsynth.stages import dedup as stage

    settings = settings_of(ctx).with_section("dedup", threshold=threshold)
    with open_graph(settings) as store:
        if list_merges:
            for m in stage.list_merges(store):
                console.print(
                    f"{m['alias_name']!r} -> {m['survivor_name']!r} "
                    f"(score {m['score']:.3f}, threshold {m['threshold']}, {m['merged_at']})"
                )
            return
        if undo:
            stage.undo_merge(store, settings, undo)
            console.print(f"undid the merge of {undo!r}")
            return
        report = _run_dedup(store, settings, rebuild=rebuild)
    console.print(
        f"dedup: {report.embedded} embedded, {report.candidate_pairs} pairs >= "
        f"{settings.dedup.threshold}, {report.clusters} clusters, {report.merged} merged; "
        f"index {report.index_size} concepts at {report.index_path}"
    )


def sample(
    ctx: typer.Context,
    epochs: Annotated[
        int | None, typer.Option(help="Walk epochs, each from every topic (5).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (same seed, same sets).")] = None,
    temperature: Annotated[float | None, typer.Option(help="Transition temperature (1).")] = None,
    references: Annotated[int | None, typer.Option(help="Reference documents per set (2).")] = None,
    coverage_bias: Annotated[
        float | None, typer.Option(help="Favour concepts used least by earlier runs (0 = off).")
    ] = None,
    skip_used: Annotated[
        bool | None, typer.Option(help="Skip sets already sampled by earlier runs.")
    ] = None,
    max_sets: Annotated[int | None, typer.Option(help="Stop after this many sets.")] = None,
) -> None:
    """Sample concept sets with random walks over the co-occurrence graph (run as Cypher).

    Per topic and epoch: 1-2 topic steps, one step to a key concept, 3-4 key-concept steps,
    p ∝ (count + ε)^(1/T). Each set gets its top reference documents by Jaccard similarity.
    Writes runs/<run id>/concept_sets/*.parquet and Run/ConceptSet nodes in the graph.
    """
    settings = settings_of(ctx).with_section(
        "sample", epochs=epochs, seed=seed, temperature=temperature, references=references,
        coverage_bias=coverage_bias, skip_used=skip_used, max_sets=max_sets,
    )  # fmt: skip
    with open_graph(settings) as store:
        do_sample(store, settings)


def do_sample(store: Any, settings: Settings) -> Any:
    """Sample step shared by ``sample`` and ``demo``."""
    from kgsynth.runs import RunFolder
    from kgsynth.stages.sample import run_sample

    run = RunFolder(settings.runs_dir, "sample")
    with progress_bar("sample walks", None) as advance:
        report = run_sample(
            store,
            settings,
            run,
            on_progress=lambda done, total: advance(total=total, completed=done),
        )
    console.print(
        f"sample: {report.sets} concept sets from {report.walks} walks "
        f"({report.duplicates_skipped} duplicates, {report.previously_used_skipped} used before, "
        f"{report.dead_ends} dead ends) at {report.sets_per_s:.0f} sets/s"
    )
    console.print(f"run folder: {run.path}")
    return run


def generate(
    ctx: typer.Context,
    sets: Annotated[
        str | None, typer.Option(help="Sample run id to read concept sets from (newest).")
    ] = None,
    level: Level = None,
    backend: Backend = None,
    model: Annotated[
        str | None, typer.Option(help="Question model ('smollm2' = packaged).")
    ] = None,
    answer_model: Annotated[str | None, typer.Option(help="Answer model (default: same).")] = None,
    device: Device = None,
    questions_per_set: Annotated[int | None, typer.Option(help="Questions per call (3).")] = None,
    max_sets: Annotated[int | None, typer.Option(help="Use at most this many sets.")] = None,
    seed: Annotated[int | None, typer.Option(help="Sampling seed.")] = None,
    resume: Annotated[str | None, typer.Option(help="Finish this generate run id.")] = None,
    dry_run: Annotated[bool, typer.Option(help="Only count prompts and tokens.")] = False,
) -> None:
    """Write questions (levels 1-3) and their answers to runs/<run id>/, with provenance.

    Level 3 uses the concept sets of a sample run and their reference documents; levels 1
    and 2 use the documents in the graph. Shards with completion markers make a run
    resumable: --resume RUN_ID skips finished shards.
    """
    from kgsynth.runs import find_run
    from kgsynth.stages import generate as stage

    settings = settings_of(ctx)
    settings = settings.with_section(
        "llm", backend=backend, model=model, answer_model=answer_model, device=device, seed=seed
    ).with_section("generate", questions_per_set=questions_per_set, max_sets=max_sets)
    levels = set(level or [3])
    if not levels <= {1, 2, 3}:
        raise InputError(f"--level must be 1, 2 or 3, got {sorted(levels)}")
    sets_table = None
    if 3 in levels:
        sets_table = find_run(settings.runs_dir, "sample", sets).read_table("concept_sets")
    with open_graph(settings) as store:
        if dry_run:
            est = stage.estimate(store, settings, sets_table, levels)
            for line in est.lines():
                console.print(line)
            return
        do_generate(store, settings, sets_table, levels, resume)


def do_generate(
    store: Any, settings: Settings, sets_table: Any, levels: set[int], resume: str | None = None
) -> Any:
    """Generate step shared by ``generate`` and ``demo``."""
    from kgsynth.llm.base import load_backend
    from kgsynth.runs import RunFolder
    from kgsynth.stages import generate as stage

    run = RunFolder(settings.runs_dir, "generate", resume)
    q_backend = load_backend(settings.llm, settings.home)
    a_name = settings.llm.answer_model
    a_backend = (
        q_backend
        if a_name in (None, settings.llm.model)
        else load_backend(settings.llm, settings.home, model=a_name)
    )
    try:
        with progress_bar("generate prompts", None) as advance:
            report = stage.run_generate(
                store, settings, run, sets_table, levels, q_backend, a_backend,
                on_progress=lambda n, total: advance(n, total=total),
            )  # fmt: skip
    finally:
        q_backend.close()
        if a_backend is not q_backend:
            a_backend.close()
    console.print(
        f"generate: {report.questions} questions, {report.answers} answers from "
        f"{report.prompts} prompts ({report.rejected} rejected, {report.unsuitable} unsuitable, "
        f"{report.shards_skipped} shards already done) at {report.tokens_per_s:.1f} tokens/s"
    )
    console.print(f"run folder: {run.path}")
    return report, run


def export(
    ctx: typer.Context,
    output: Annotated[Path, typer.Argument(help="File to write (.parquet, .jsonl).")],
    run: Annotated[str | None, typer.Option(help="Generate run id (default: the newest).")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="parquet | jsonl | chat (messages for SFT).")
    ] = "jsonl",
    include_truncated: Annotated[
        bool, typer.Option(help="Keep answers cut off at their token budget.")
    ] = False,
) -> None:
    """Export a generate run's question/answer rows, with provenance, to one file.

    ``chat`` writes {"messages": [user question, assistant answer], ...provenance} per line,
    the format supervised fine-tuning tools read.
    """
    from kgsynth.runs import find_run
    from kgsynth.stages.export import export_qa, qa_table

    settings = settings_of(ctx)
    folder = find_run(settings.runs_dir, "generate", run)
    written = export_qa(qa_table(folder), output, fmt, include_truncated=include_truncated)
    console.print(f"export: {written} rows from {folder.run_id} to {output} ({fmt})")
