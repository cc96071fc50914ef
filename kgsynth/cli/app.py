"""``kgsynth``: the Typer app. Global options load the settings once; commands live in modules."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Annotated

import typer

from kgsynth.cli import (
    commands_benchmark,
    commands_curate,
    commands_db,
    commands_dedup,
    commands_demo,
    commands_explore,
    commands_export,
    commands_filter,
    commands_fit,
    commands_generate,
    commands_ingest,
    commands_prompts,
    commands_report,
    commands_sample,
    commands_stats,
)
from kgsynth.cli.common import configure_logging, print_error
from kgsynth.config import changed, load_settings
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
    prompts: Annotated[
        Path | None,
        typer.Option(
            "--prompts",
            help="Folder of prompt templates that replace the bundled ones by name "
            "(see `kgsynth prompts export`; env KGSYNTH_PROMPTS_DIR).",
        ),
    ] = None,
    domain: Annotated[
        str | None,
        typer.Option(
            help="Field the prompts are about (default mathematics; KGSYNTH_PROMPTS_DOMAIN)."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log INFO messages.")] = False,
) -> None:
    try:
        settings = load_settings(config)
        settings = settings.updated(home=home, runs_dir=runs_dir)
        settings = settings.updated(prompts=changed(settings.prompts, dir=prompts, domain=domain))
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
    commands_curate,
    commands_explore,
    commands_export,
):
    module.register(app)
commands_stats.register(app)
commands_fit.register(app)
commands_report.register(app)
commands_demo.register(app)
app.add_typer(commands_db.app, name="db")
app.add_typer(commands_prompts.app, name="prompts")
app.add_typer(commands_benchmark.app, name="benchmark")


_LIST_ITEM = re.compile(r"^(?:[-*]|\d+[.)])\s")


def unwrap_help(text: str) -> str:
    """``text`` with each paragraph's hard-wrapped lines joined (list items keep their own
    line), so the help panels wrap it to the terminal instead of showing ragged half-lines."""
    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines: list[str] = []
        for line in paragraph.splitlines():
            if lines and not _LIST_ITEM.match(line.strip()):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line.strip())
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _unwrap_all(typer_app: typer.Typer) -> None:
    """Unwrap the help of every command and command group (docstrings included)."""
    for info in typer_app.registered_commands:
        doc = info.help or inspect.getdoc(info.callback)
        if doc:
            info.help = unwrap_help(doc)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _unwrap_all(group.typer_instance)


_unwrap_all(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
