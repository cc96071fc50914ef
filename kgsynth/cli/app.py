"""``kgsynth``: the Typer app. Global options load the settings once; commands live in modules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kgsynth.cli import (
    commands_db,
    commands_dedup,
    commands_demo,
    commands_explore,
    commands_export,
    commands_filter,
    commands_fit,
    commands_generate,
    commands_ingest,
    commands_report,
    commands_sample,
    commands_stats,
)
from kgsynth.cli.common import configure_logging, print_error
from kgsynth.config import load_settings
from kgsynth.errors import KgsynthError

app = typer.Typer(
    name="kgsynth",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold passwords
    add_completion=False,
    help="Synthetic question/answer data from a concept graph (SynthLLM method).\n\n"
    "Typical use: kgsynth ingest DOCS; kgsynth sample; kgsynth generate. "
    "Without KGSYNTH_NEO4J_URI the graph lives in a local ArcadeDB under --home.",
)


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", help="kgsynth.toml to read (default ./kgsynth.toml).")
    ] = None,
    home: Annotated[
        Path | None,
        typer.Option(help="Data folder: local graph, FAISS index, model cache (env KGSYNTH_HOME)."),
    ] = None,
    runs_dir: Annotated[
        Path | None, typer.Option(help="Where run folders go (env KGSYNTH_RUNS_DIR).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log INFO messages.")] = False,
) -> None:
    try:
        settings = load_settings(config)
        settings = settings.updated(home=home, runs_dir=runs_dir)
    except KgsynthError as e:
        print_error(str(e))
        raise typer.Exit(e.exit_code) from None
    configure_logging("INFO" if verbose else settings.log_level)
    ctx.obj = settings


for module in (
    commands_filter,
    commands_ingest,
    commands_report,
    commands_dedup,
    commands_sample,
    commands_generate,
    commands_explore,
    commands_export,
):
    module.register(app)
commands_stats.register(app)
commands_fit.register(app)
commands_report.register(app)
commands_demo.register(app)
app.add_typer(commands_db.app, name="db")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
