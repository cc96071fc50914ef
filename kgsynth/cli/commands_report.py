"""``kgsynth report``: diversity, lengths, graph statistics and coverage as an HTML folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kgsynth.cli.common import console, handle_errors, progress_bar, settings_of
from kgsynth.config import Settings

KINDS = ("generate", "sample")


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(report))


def report(
    ctx: typer.Context,
    runs: Annotated[
        list[str] | None,
        typer.Argument(help="Generate and sample run ids (default: every finished one)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Report folder (default: runs/report-<time>/).")
    ] = None,
    max_groups: Annotated[
        int, typer.Option(help="Documents or sets per level sampled for within-group cosine.")
    ] = 2000,
    per_group: Annotated[int, typer.Option(help="Questions per group at most.")] = 20,
    corpus_sample: Annotated[
        int, typer.Option(help="Questions per level for the Vendi score and mean distance.")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Seed of the samples.")] = 0,
    graph: Annotated[
        bool, typer.Option(help="Include graph statistics (needs the graph database).")
    ] = True,
) -> None:
    """Write index.html, PNGs and report.json: question similarity within documents (Levels
    1-2) and concept sets (Level 3), corpus diversity (Vendi score), lengths per level,
    degree distributions, top topics and concepts, components, dead ends, coverage over runs.
    """
    from kgsynth.analysis.diversity import Sampling

    settings = settings_of(ctx)
    sampling = Sampling(max_groups, per_group, corpus_sample, seed)
    folder = do_report(settings, runs or [], out, sampling, store=None, with_graph=graph)
    console.print(f"report: {folder / 'index.html'}", markup=False)


def do_report(
    settings: Settings,
    run_ids: list[str],
    out: Path | None = None,
    sampling: Any = None,
    store: Any = None,
    with_graph: bool = True,
) -> Path:
    """Report step shared by ``report`` and ``demo`` (which passes its open GraphRepository)."""
    from kgsynth.analysis.report import write_report
    from kgsynth.embed.encoder import Encoder
    from kgsynth.graph import open_graph
    from kgsynth.runs import new_run_id

    generate_runs, sample_runs = select_runs(settings.runs_dir, run_ids)
    folder = out or settings.runs_dir / new_run_id("report")
    encoder = Encoder(settings.dedup)
    with progress_bar("embed questions", None) as advance:

        def encode(texts: Any) -> Any:
            vectors = encoder.encode(texts)
            advance(len(texts))
            return vectors

        def write(graph: Any) -> None:
            write_report(folder, generate_runs, sample_runs, encode, graph, sampling,
                         encoder.model_name)  # fmt: skip

        if not with_graph:
            write(None)
        elif store is not None:
            write(store)
        else:
            with open_graph(settings) as opened:
                write(opened)
    return folder


def select_runs(runs_dir: Path, run_ids: list[str]) -> tuple[list[Any], list[Any]]:
    """The named generate and sample runs, or every one with finished shards."""
    from kgsynth.errors import InputError
    from kgsynth.runs import RunFolder

    tables = {"generate": "qa", "sample": "concept_sets"}
    chosen: dict[str, list[Any]] = {k: [] for k in KINDS}
    if run_ids:
        for run_id in run_ids:
            kind = run_id.split("-", 1)[0]
            if kind not in KINDS:
                raise InputError(f"{run_id}: not a generate or sample run id")
            chosen[kind].append(RunFolder(runs_dir, kind, run_id))
    else:
        for kind in KINDS:
            for path in sorted(runs_dir.glob(f"{kind}-*")):
                if path.is_dir() and any((path / tables[kind]).glob("_part-*.done")):
                    chosen[kind].append(RunFolder(runs_dir, kind, path.name))
    if not chosen["generate"] and not chosen["sample"]:
        raise InputError(f"{runs_dir}: no finished generate or sample run to report on")
    return chosen["generate"], chosen["sample"]
