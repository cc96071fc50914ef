"""``kgsynth dedup``: merge near-duplicate concepts; list and undo merges."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kgsynth.cli.common import console, handle_errors, progress_bar, settings_of
from kgsynth.config import Settings, changed
from kgsynth.graph import GraphRepository, open_graph


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(dedup))


def run_dedup_with_progress(
    store: GraphRepository, settings: Settings, rebuild: bool = False
) -> Any:
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

    s = settings_of(ctx)
    settings = s.updated(dedup=changed(s.dedup, threshold=threshold))
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
        report = run_dedup_with_progress(store, settings, rebuild=rebuild)
    console.print(
        f"dedup: {report.embedded} embedded, {report.candidate_pairs} pairs >= "
        f"{settings.dedup.threshold}, {report.clusters} clusters, {report.merged} merged; "
        f"index {report.index_size} concepts at {report.index_path}"
    )
