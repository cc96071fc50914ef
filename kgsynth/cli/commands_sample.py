"""``kgsynth sample``: Level-3 random walks (Cypher) → concept sets."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kgsynth.cli.common import console, handle_errors, progress_bar, settings_of
from kgsynth.config import Settings, changed
from kgsynth.graph import GraphRepository, open_graph


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(sample))


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
    avoid_benchmarks: Annotated[
        bool,
        typer.Option(help="Never emit a set holding a benchmark item's concepts (benchmark add)."),
    ] = False,
    avoid_share: Annotated[
        float, typer.Option(help="Share of an item's concepts that makes a set avoided.")
    ] = 1.0,
    min_documents: Annotated[
        int | None,
        typer.Option(help="Walk only onto topics/concepts in at least this many documents (1)."),
    ] = None,
) -> None:
    """Sample concept sets with random walks over the co-occurrence graph (run as Cypher).

    Per topic and epoch: 1-2 topic steps, one step to a key concept, 3-4 key-concept steps,
    p ∝ (count + ε)^(1/T), on neighbour arrays stored in the graph (rebuilt when stale).
    Each set gets its top reference documents by Jaccard similarity.
    Writes runs/<run id>/concept_sets/*.parquet and Run/ConceptSet nodes in the graph.
    With --avoid-benchmarks, a set that contains all (--avoid-share) of the concepts of an
    item stored by `kgsynth benchmark add` is dropped and counted.
    """
    s = settings_of(ctx)
    settings = s.updated(sample=changed(
        s.sample, epochs=epochs, seed=seed, temperature=temperature, references=references,
        coverage_bias=coverage_bias, skip_used=skip_used, max_sets=max_sets,
        min_documents=min_documents,
    ))  # fmt: skip
    with open_graph(settings) as store:
        do_sample(store, settings, avoid_share if avoid_benchmarks else None)


def do_sample(store: GraphRepository, settings: Settings, avoid_share: float | None = None) -> Any:
    """Sample step shared by ``sample`` and ``demo``; ``avoid_share`` turns on benchmark
    concept avoidance."""
    from kgsynth.runs import RunFolder
    from kgsynth.stages.sample import run_sample

    avoider = None
    if avoid_share is not None:
        from kgsynth.stages.curate.avoid import load_avoider

        avoider = load_avoider(store, avoid_share)
    run = RunFolder(settings.runs_dir, "sample")
    with progress_bar("sample walks", None) as advance:
        report = run_sample(
            store,
            settings,
            run,
            on_progress=lambda done, total: advance(total=total, completed=done),
            avoid=avoider.blocks if avoider else None,
        )
    console.print(
        f"sample: {report.sets} concept sets from {report.walks} walks "
        f"({report.duplicates_skipped} duplicates, {report.previously_used_skipped} used before, "
        f"{report.dead_ends} dead ends) at {report.sets_per_s:.0f} sets/s"
    )
    if avoider is not None:
        console.print(
            f"  avoided {report.avoided} sets holding the concepts of one of "
            f"{avoider.items} benchmark items"
        )
    return run
