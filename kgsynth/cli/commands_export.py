"""``kgsynth export``: a generate run's rows to parquet, JSONL or chat records, or nested
training subsets of them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kgsynth.cli.common import console, handle_errors, progress_bar, settings_of


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(export))


def export(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Argument(help="File to write (.parquet, .jsonl); a folder with --subsets.")
    ],
    run: Annotated[str | None, typer.Option(help="Generate run id (default: the newest).")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="parquet | jsonl | chat (messages for SFT).")
    ] = "jsonl",
    include_truncated: Annotated[
        bool, typer.Option(help="Keep answers cut off at their token budget.")
    ] = False,
    subsets: Annotated[
        str | None,
        typer.Option(help="Nested subsets, e.g. 100K,200K,400K or 50M,100M (see --subset-unit)."),
    ] = None,
    subset_unit: Annotated[
        str, typer.Option(help="What --subsets counts: tokens | rows.")
    ] = "tokens",
    tokenizer: Annotated[
        str | None,
        typer.Option(
            help="Tokenizer for token counts: a model name or folder (default: the "
            "run's question model)."
        ),
    ] = None,  # fmt: skip
    seed: Annotated[int, typer.Option(help="Seed of the subsets' row order.")] = 0,
    uncurated: Annotated[
        bool, typer.Option(help="Export the raw qa table even when the run was curated.")
    ] = False,
) -> None:
    """Export a generate run's question/answer rows, with provenance, to one file.

    ``chat`` writes {"messages": [user question, assistant answer], ...provenance} per line,
    the format supervised fine-tuning tools read. With --subsets, OUTPUT is a folder that
    receives one file per subset (each contains the previous one; levels mixed in their
    overall proportion) and subsets.json with every subset's exact rows and tokens. A run
    curated by `kgsynth curate` exports its curated table unless --uncurated is given.
    """
    from kgsynth.runs import find_run
    from kgsynth.stages.export import export_qa, export_table

    settings = settings_of(ctx)
    folder = find_run(settings.runs_dir, "generate", run)
    table, table_name = export_table(folder, curated=not uncurated)
    if subsets is None:
        written = export_qa(table, output, fmt, include_truncated=include_truncated)
        console.print(f"export: {written} rows of {folder.run_id}/{table_name} to {output} ({fmt})")
        return
    from kgsynth.counts import format_count, parse_counts
    from kgsynth.stages.export import subsets as cut

    targets = parse_counts(subsets, "--subsets size")
    name = tokenizer or cut.generator_model(table)
    counter = cut.tokenizer_counter(name, settings.home)
    with progress_bar("count tokens", None) as advance:
        written_subsets = cut.write_subsets(
            table, output, targets, subset_unit, fmt, seed, name, counter,
            include_truncated, folder.run_id,
            on_progress=lambda done, total: advance(total=total, completed=done),
        )  # fmt: skip
    for s in written_subsets:
        levels = ", ".join(f"L{k}: {v}" for k, v in s.rows_by_level.items())
        console.print(
            f"subset {format_count(s.target)} {subset_unit}: {s.rows} rows, {s.tokens:,} tokens "
            f"({levels}) -> {output / s.file}",
            markup=False,
        )
    console.print(f"manifest: {output / 'subsets.json'} (tokenizer {name})", markup=False)
