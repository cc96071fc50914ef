"""``kgsynth benchmark``: benchmark items in the graph, for concept-level decontamination."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kgsynth.cli.common import Backend, console, handle_errors, load_model, settings_of
from kgsynth.graph import open_graph

app = typer.Typer(
    no_args_is_help=True,
    help="Store benchmark items' concepts in the graph; `kgsynth sample --avoid-benchmarks` "
    "then never samples a concept set that reproduces one.",
)


@app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Benchmark file: .jsonl, .parquet or .csv.")],
    name: Annotated[
        str | None, typer.Option(help="Benchmark name (default: the file name).")
    ] = None,
    question_column: Annotated[
        str | None, typer.Option(help="Question column (default question, else problem).")
    ] = None,
    id_column: Annotated[str | None, typer.Option(help="Item id column (default id).")] = None,
    backend: Backend = None,
    model: Annotated[str | None, typer.Option(help="Extraction model.")] = None,
) -> None:
    """Extract each item's topics and key concepts (or take its own `concepts`/`topics`
    columns) and store the item, linked to the graph concepts it uses."""
    import dataclasses

    from kgsynth.config import changed
    from kgsynth.stages.curate.benchfiles import read_benchmark
    from kgsynth.stages.curate.concepts import add_benchmark

    s = settings_of(ctx)
    settings = s.updated(llm=changed(s.llm, backend=backend, model=model))
    read = read_benchmark(path, question_column, id_column)
    items = [dataclasses.replace(i, benchmark=name) for i in read.items] if name else read.items
    with open_graph(settings) as store:
        report = add_benchmark(
            store, items, settings,
            backend_factory=lambda: load_model(settings.llm, settings.home),
        )  # fmt: skip
    rejected = len(read.rejects) + len(report.rejects)
    console.print(
        f"benchmark: {report.items} items of {name or path.name} stored ({report.given} with "
        f"given concepts, {report.extracted} extracted), {report.links} links to graph "
        f"concepts, {rejected} rows rejected",
        markup=False,
    )
    for r in [*read.rejects, *report.rejects][:5]:
        console.print(f"  rejected {r.source}: {r.reason}", markup=False)


@app.command("list")
@handle_errors
def list_benchmarks(ctx: typer.Context) -> None:
    """The stored benchmarks: items and graph concepts they use."""
    with open_graph(settings_of(ctx)) as store:
        rows = store.benchmark_summary()
    if not rows:
        console.print("no benchmarks stored; add one with `kgsynth benchmark add FILE`")
    for r in rows:
        console.print(
            f"{r.benchmark}: {r.items} items, {r.linked_concepts} graph concepts", markup=False
        )


@app.command("remove")
@handle_errors
def remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Benchmark name.")]
) -> None:
    """Remove one benchmark's items from the graph."""
    with open_graph(settings_of(ctx)) as store:
        deleted = store.delete_benchmark(name)
    console.print(f"benchmark: removed {deleted} items of {name}", markup=False)
