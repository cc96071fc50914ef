"""``kgsynth ingest``: read → extract → graph build (+ incremental dedup)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer

from kgsynth.cli.commands_dedup import run_dedup_with_progress
from kgsynth.cli.common import (
    Backend,
    Device,
    console,
    handle_errors,
    load_model,
    progress_bar,
    settings_of,
)
from kgsynth.config import Settings, changed
from kgsynth.graph import GraphRepository, open_graph


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(ingest))


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

    s = settings_of(ctx)
    settings = s.updated(
        llm=changed(s.llm, backend=backend, model=model, device=device, batch_size=batch_size)
    )
    input_files(paths)  # a missing or unsupported input fails before anything starts
    with open_graph(settings) as store:
        do_ingest(store, settings, paths, dedup)


def do_ingest(
    store: GraphRepository, settings: Settings, paths: list[Path], dedup: bool = True
) -> Any:
    """Ingest step shared by ``ingest`` and ``demo``: run, write the manifest, print a summary."""
    from kgsynth.prompts import check_prompts
    from kgsynth.runs import RunFolder
    from kgsynth.stages.ingest import count_into, run_ingest

    check_prompts(settings.prompts)

    run = RunFolder(settings.runs_dir, "ingest")
    with progress_bar("ingest documents", None) as advance:
        report = run_ingest(
            store, settings, paths, run,
            backend_factory=lambda: load_model(settings.llm, settings.home),
            on_progress=lambda n, total: advance(n, total=total), count=False,
        )  # fmt: skip
    with progress_bar("co-occurrence edges", None) as advance:
        count_into(report, store, lambda _, done, total: advance(total=total, completed=done))
    dedup_report = run_dedup_with_progress(store, settings) if dedup else None
    counts = store.graph_counts().as_dict()
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
    if report.junk_names:
        console.print(f"names: {report.junk_names} junk topic/concept names dropped")
    for reason, n in sorted(report.reject_reasons.items()):
        console.print(f"  rejected {n:>5} × {reason}")
    if dedup_report is not None:
        console.print(
            f"dedup: {dedup_report.merged} concepts merged, {dedup_report.queued} pairs queued "
            f"for review, {dedup_report.blocked} blocked ({dedup_report.embedded} embedded)"
        )
    console.print("graph: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    console.print(f"run folder: {run.path}")
    return report
