"""``kgsynth export``: a generate run's rows to parquet, JSONL or chat records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kgsynth.cli.common import console, handle_errors, settings_of


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(export))


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
