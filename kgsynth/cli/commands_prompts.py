"""``kgsynth prompts export|check``: the prompt templates, as a starting point and as a check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kgsynth.cli.common import console, handle_errors, settings_of

app = typer.Typer(no_args_is_help=True, help="Write out or check the prompt templates.")


@app.command()
@handle_errors
def export(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Folder to write the templates into.")],
    overwrite: Annotated[bool, typer.Option(help="Replace files that exist.")] = False,
) -> None:
    """Write the bundled prompt templates into FOLDER, as a starting point for your own.

    Edit them, then point kgsynth at the folder with --prompts FOLDER (or prompts.dir in
    kgsynth.toml): a file there replaces the bundled template of the same name, and files you
    delete fall back to the bundled ones. Each template's first line lists the variables it
    uses; see `kgsynth prompts check` for what kgsynth passes to each.
    """
    from kgsynth.prompts import export_prompts

    settings_of(ctx)
    for path in export_prompts(folder, overwrite):
        console.print(str(path), markup=False, highlight=False)


@app.command()
@handle_errors
def check(ctx: typer.Context) -> None:
    """Check the configured prompt folder (--prompts / prompts.dir) and list each prompt.

    Every template must use the variables kgsynth needs for it and may use only those
    kgsynth passes; ingest and generate run the same check before loading a model.
    """
    from kgsynth.prompts import CONTRACTS, check_prompts, prompt
    from kgsynth.prompts.loader import TEMPLATE_DIR

    cfg = settings_of(ctx).prompts
    check_prompts(cfg)
    console.print(f"domain: {cfg.domain}", markup=False, highlight=False)
    for name, contract in CONTRACTS.items():
        template = prompt(name, cfg)
        bundled = template.path is None or template.path.parent == TEMPLATE_DIR
        source = "bundled" if bundled else str(template.path)
        console.print(
            f"{name:<16} {source}  must use: {', '.join(sorted(contract.required))}; "
            f"may use: {', '.join(sorted(contract.optional))}",
            markup=False,
            highlight=False,
        )
