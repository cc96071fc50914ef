"""``kgsynth explore``: draw a bounded view of the concept graph as an HTML page."""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from kgsynth.cli.common import console, handle_errors, settings_of
from kgsynth.errors import InputError
from kgsynth.graph import open_graph


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(explore))


def explore(
    ctx: typer.Context,
    view: Annotated[str, typer.Argument(help="concept | question | topics | coverage | merges.")],
    key: Annotated[
        str | None, typer.Option("--key", "-k", help="concept: the concept's name or key.")
    ] = None,
    question: Annotated[
        str | None, typer.Option("--question", "-q", help="question: a question_id.")
    ] = None,
    run: Annotated[
        str | None, typer.Option(help="question: the generate run (default: the newest).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most neighbours, topics or concepts shown.")] = 40,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Page to write (kgsynth-VIEW.html).")
    ] = None,
    open_page: Annotated[
        bool, typer.Option("--open", help="Open the page in a web browser, if one exists.")
    ] = False,
) -> None:
    """Write one interactive page (HTML, no network needed) that draws part of the graph.

    Each view runs the saved query of the same name in cypher/explore/, which pastes into Neo4j
    Browser as it is. Nodes are coloured by label and sized by weight; hover shows their
    properties. Views are bounded by --limit; the page says how many nodes were left out.
    """
    from kgsynth.explore import views
    from kgsynth.explore.page import write_page

    if view not in views.VIEWS:
        raise InputError(f"unknown view {view!r}; expected one of {', '.join(views.VIEWS)}")
    if limit < 1:
        raise InputError(f"--limit must be at least 1, got {limit}")
    settings = settings_of(ctx)
    with open_graph(settings) as repo:
        views.require_graph(repo)
        if view == "concept":
            if not key:
                top = ", ".join(c.key for c in repo.busiest_concepts(limit=5))
                raise InputError(f"the concept view needs --key NAME, e.g. one of: {top}")
            page_view = views.concept_view(repo, key, limit)
        elif view == "question":
            if not question:
                raise InputError("the question view needs --question QUESTION_ID (qa table)")
            page_view = views.question_view(repo, settings.runs_dir, question, run, limit)
        elif view == "topics":
            page_view = views.topics_view(repo, limit)
        elif view == "coverage":
            page_view = views.coverage_view(repo, limit)
        else:
            page_view = views.merges_view(repo, limit)
    path = write_page(page_view, output or Path(f"kgsynth-{view}.html"))
    console.print(f"explore {view}: {len(page_view.graph.nodes)} nodes, "
                  f"{len(page_view.graph.relationships)} relationships → {path}")  # fmt: skip
    for note in page_view.notes:
        console.print(f"  {note}")
    if open_page:
        _open(path)


def _open(path: Path) -> None:
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        console.print(f"no web browser found here; open {path.resolve().as_uri()} elsewhere")
        return
    browser.open(path.resolve().as_uri())
