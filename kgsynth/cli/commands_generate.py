"""``kgsynth generate``: questions (levels 1-3) and answers, with provenance."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from kgsynth.cli.common import (
    Backend,
    Device,
    Level,
    console,
    handle_errors,
    load_model,
    progress_bar,
    settings_of,
)
from kgsynth.config import Settings, changed
from kgsynth.graph import GraphRepository, open_graph
from kgsynth.tables import CONCEPT_SETS_TABLE


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(generate))


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

    s = settings_of(ctx)
    settings = s.updated(
        llm=changed(
            s.llm, backend=backend, model=model, answer_model=answer_model, device=device, seed=seed
        ),
        generate=changed(s.generate, questions_per_set=questions_per_set, max_sets=max_sets),
    )
    from kgsynth.stages.generate.levels import parse_levels

    chosen = parse_levels(level or [3])
    levels = {lv.number for lv in chosen}
    sets_table = None
    if any(lv.inputs == "concept_sets" for lv in chosen):
        sets_table = find_run(settings.runs_dir, "sample", sets).read_table(CONCEPT_SETS_TABLE)
    with open_graph(settings) as store:
        if dry_run:
            for line in dry_run_lines(store, settings, sets_table, levels):
                console.print(line, markup=False, highlight=False)
            return
        do_generate(store, settings, sets_table, levels, resume)


def dry_run_lines(store: Any, settings: Settings, sets_table: Any, levels: set[int]) -> list[str]:
    """The dry run's table, counted with the question model's own tokenizer when it loads
    (the character estimate otherwise, with the reason)."""
    from kgsynth.llm.tokenizer import load_tokenizer
    from kgsynth.stages import generate as stage
    from kgsynth.stages.generate.estimate import tokenizer_counter

    loaded = load_tokenizer(settings.llm.model, settings.home)
    if loaded.tokenizer is None:
        count, counted_by = None, f"chars/4, about 4 characters per token ({loaded.note})"
    else:
        count, counted_by = tokenizer_counter(loaded.tokenizer), loaded.note
    est = stage.estimate(store, settings, sets_table, levels, count, counted_by)
    return est.lines()


def do_generate(
    store: GraphRepository,
    settings: Settings,
    sets_table: Any,
    levels: set[int],
    resume: str | None = None,
) -> Any:
    """Generate step shared by ``generate`` and ``demo``."""
    from kgsynth.prompts import check_prompts
    from kgsynth.runs import RunFolder
    from kgsynth.stages import generate as stage

    check_prompts(settings.prompts)

    run = RunFolder(settings.runs_dir, "generate", resume)
    q_backend = load_model(settings.llm, settings.home)
    a_name = settings.llm.answer_model
    a_backend = (
        q_backend
        if a_name in (None, settings.llm.model)
        else load_model(settings.llm, settings.home, model=a_name)
    )
    try:
        with progress_bar("generate: questions, then answers", None) as advance:

            def on_progress(n: int, total: int, so_far: stage.GenerateReport) -> None:
                seconds = max(time.perf_counter() - start, 1e-9)
                rates = (
                    f"{so_far.prompts / seconds:.1f} prompts/s, "
                    f"{so_far.completion_tokens / seconds:.0f} tokens/s"
                )
                advance(n, total=total, note=rates)

            start = time.perf_counter()
            report = stage.run_generate(
                store, settings, run, sets_table, levels, q_backend, a_backend, on_progress
            )
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
