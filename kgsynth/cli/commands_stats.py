"""``kgsynth stats``: what is in the graph, and how much of it the runs have used."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from kgsynth.cli.common import console, handle_errors, settings_of
from kgsynth.graph import open_graph


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(stats))


def stats(
    ctx: typer.Context,
    coverage: Annotated[
        bool, typer.Option(help="Share of topics, concepts and edges used by sample runs.")
    ] = False,
    run: Annotated[str | None, typer.Option(help="With --coverage: this sample run only.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print graph counts (documents, topics, key concepts, edges, merges, pairs waiting for
    dedup review, keep-apart decisions, sets, runs)."""
    settings = settings_of(ctx)
    with open_graph(settings) as store:
        info = store.server_info()
        counts = store.graph_counts().as_dict()
        review = store.review_counts()
        counts.update(review_queue=review.queued, kept_apart=review.kept_apart)
        threshold = settings.sample.min_documents
        walkable = store.walkable_counts(threshold)
        counts[f"walkable topics (min_documents {threshold})"] = walkable["topics"]
        counts[f"walkable concepts (min_documents {threshold})"] = walkable["concepts"]
        cov = None
        if coverage:
            from kgsynth.analysis.coverage import coverage as coverage_report

            cov = coverage_report(store, run_id=run)
    if as_json:
        console.print_json(json.dumps({"server": info, "counts": counts, "coverage": cov}))
        return
    table = Table(title=f"{info['kind']} graph at {store.connection.safe_uri}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in counts.items():
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)
    if cov is not None:
        ctable = Table(title="coverage" + (f" of run {run}" if run else " of all sample runs"))
        ctable.add_column("what")
        ctable.add_column("value", justify="right")
        for key, value in cov.items():
            shown = f"{value:.1%}" if isinstance(value, float) else str(value)
            ctable.add_row(key.replace("_", " "), shown)
        console.print(ctable)
