"""``kgsynth curate``: dedup, decontaminate and filter a generate run's questions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kgsynth.cli.common import (
    Backend,
    console,
    handle_errors,
    load_model,
    progress_bar,
    settings_of,
)

if TYPE_CHECKING:
    from kgsynth.config import CurateConfig, Settings
    from kgsynth.stages.curate import CurateReport


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(curate))


def curate(
    ctx: typer.Context,
    run: Annotated[
        str | None, typer.Option(help="Generate run id to curate (default: the newest).")
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="Curate a qa .parquet/.jsonl file instead.")
    ] = None,
    benchmark: Annotated[
        list[Path] | None,
        typer.Option(
            help="Benchmark file (.jsonl/.parquet/.csv) to decontaminate against; repeat."
        ),
    ] = None,
    question_column: Annotated[
        str | None, typer.Option(help="Benchmark question column (default question, else problem).")
    ] = None,
    ngram: Annotated[
        int | None, typer.Option(help="Words per n-gram for benchmark overlap (13).")
    ] = None,
    near_threshold: Annotated[
        float | None, typer.Option(help="MinHash Jaccard for near duplicates (0.5, measured).")
    ] = None,
    near: Annotated[
        bool | None, typer.Option(help="Near-duplicate (MinHash LSH) check (on).")
    ] = None,
    embedding_threshold: Annotated[
        float | None,
        typer.Option(
            help="Also drop questions this close (MiniLM cosine) to a kept one; 0.95 "
            "measured best (off by default)."
        ),
    ] = None,
    min_words: Annotated[int | None, typer.Option(help="Fewer words is 'too_short' (4).")] = None,
    reference_span: Annotated[
        int | None,
        typer.Option(help="Words copied from a reference document that flag a question (20)."),
    ] = None,
    drop_reference_copies: Annotated[
        bool | None, typer.Option(help="Remove flagged reference copies (default: keep, flagged).")
    ] = None,
    answer_samples: Annotated[
        int | None, typer.Option(help="Extra answers per question for answer agreement (0 = off).")
    ] = None,
    agreement_threshold: Annotated[
        float | None, typer.Option(help="Keep when this share of answers agrees (0.5).")
    ] = None,
    backend: Backend = None,
) -> None:
    """Remove duplicate, contaminated and low-quality questions from a generate run.

    Defaults come from [curate] in kgsynth.toml (KGSYNTH_CURATE_*), options override them.

    Writes curated/ (kept rows + curation columns) and removed/ (each row's reason and the
    item it matched) beside the run's qa/ table, and curate.json with the counts. Questions
    kept by earlier curated runs count as already seen. `kgsynth export` then reads curated/.
    """
    from kgsynth.config import changed

    s = settings_of(ctx)
    settings = s.updated(
        llm=changed(s.llm, backend=backend),
        curate=changed(
            s.curate, near=near, near_threshold=near_threshold, min_words=min_words,
            embedding_threshold=embedding_threshold,
            benchmarks=tuple(benchmark) if benchmark else None,
            question_column=question_column, ngram=ngram, reference_span=reference_span,
            drop_reference_copies=drop_reference_copies, answer_samples=answer_samples,
            agreement_threshold=agreement_threshold,
        ),
    )  # fmt: skip
    do_curate(settings, settings.curate, run, input_file)


def do_curate(
    settings: Settings,
    cfg: CurateConfig,
    run_id: str | None,
    input_file: Path | None = None,
    store: Any = None,
) -> CurateReport:
    """Curate step shared by ``curate`` and ``demo``: a generate run, or a qa file. ``store``:
    an open graph to read reference documents from (else one is opened when needed)."""
    from kgsynth.records import Reject
    from kgsynth.runs import RunFolder, find_run
    from kgsynth.stages.curate import run_curate
    from kgsynth.stages.curate.source import count_rows, file_batches, parquet_batches, run_input

    rejects: list[Reject] = []
    if input_file is not None:
        folder = RunFolder(settings.runs_dir, "curate")
        batches: Any = file_batches(input_file, cfg.batch_size, rejects)
        source, total = str(input_file), None
    else:
        folder = find_run(settings.runs_dir, "generate", run_id)
        shards = run_input(folder)
        batches = parquet_batches(shards, cfg.batch_size)
        source, total = folder.run_id, count_rows(shards)
    with (
        _services(settings, cfg, input_file is None, store) as (references, agreement),
        progress_bar("curate questions", total) as advance,
    ):
        report = run_curate(
            cfg, folder, batches, source, settings.runs_dir, references, agreement,
            on_progress=lambda done: advance(completed=done), encoder=_encoder(settings, cfg),
        )  # fmt: skip
    for r in rejects:
        folder.reject(r)
    _print(report, len(rejects))
    return report


def _encoder(settings: Settings, cfg: CurateConfig) -> Any:
    """The embedding model of ``[dedup]`` (packaged MiniLM by default), when asked for."""
    if cfg.embedding_threshold is None:
        return None
    from kgsynth.embed.encoder import Encoder

    return Encoder(settings.dedup)


def _services(settings: Settings, cfg: CurateConfig, graph: bool, store: Any) -> Any:
    """The graph (reference texts) and the answer backend, opened only when needed."""
    from contextlib import ExitStack, contextmanager

    @contextmanager
    def opened() -> Any:
        with ExitStack() as stack:
            references = agreement = None
            if graph and cfg.reference_check:
                from kgsynth.graph import open_graph

                opened_store = store or stack.enter_context(open_graph(settings))
                references = opened_store.document_texts
            if cfg.answer_samples:
                from kgsynth.stages.curate.agree import Agreement

                model = settings.llm.answer_model or settings.llm.model
                backend = stack.enter_context(load_model(settings.llm, settings.home, model))
                agreement = Agreement.from_settings(backend, settings, cfg.answer_samples)
            yield references, agreement

    return opened()


def _print(report: CurateReport, file_rejects: int) -> None:
    removed = ", ".join(f"{n} {reason}" for reason, n in report.removed.items()) or "none"
    console.print(
        f"curate: kept {report.kept} of {report.input_rows} questions at "
        f"{report.rows_per_s:.0f} rows/s; removed: {removed}",
        markup=False,
    )
    if report.seen_before:
        console.print(f"  {report.seen_before} questions of earlier curated runs counted as seen")
    if report.benchmark_items:
        hits = ", ".join(f"{n} {name}" for name, n in report.benchmark_hits.items()) or "none"
        console.print(
            f"  benchmarks: {report.benchmark_items} items ({report.benchmark_rejects} rows "
            f"rejected), overlaps: {hits}",
            markup=False,
        )
    if report.reference_copies:
        console.print(f"  {report.reference_copies} questions copy a reference document (flagged)")
    if file_rejects:
        console.print(f"  {file_rejects} input lines rejected (rejects/curate.jsonl)")
    console.print(
        f"  curated: {report.output}/curated  removed: {report.output}/removed", markup=False
    )
