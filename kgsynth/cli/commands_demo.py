"""``kgsynth demo``: the whole chain on the bundled corpus, with a summary."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from kgsynth.assets import asset_dir
from kgsynth.cli.commands_curate import do_curate
from kgsynth.cli.commands_generate import do_generate
from kgsynth.cli.commands_ingest import do_ingest
from kgsynth.cli.commands_report import do_report
from kgsynth.cli.commands_sample import do_sample
from kgsynth.cli.common import console, handle_errors, settings_of
from kgsynth.config import changed
from kgsynth.explore import write_run_views
from kgsynth.graph import open_graph
from kgsynth.tables import CONCEPT_SETS_TABLE

DEMO_INPUTS = ("math_corpus.jsonl", "annotated.jsonl", "notes")


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(demo))


def demo(
    ctx: typer.Context,
    max_sets: Annotated[int, typer.Option(help="Concept sets to generate from.")] = 12,
    questions_per_set: Annotated[int, typer.Option(help="Questions per concept set.")] = 2,
) -> None:
    """Run ingest → dedup → sample → generate → curate → report on the bundled corpus
    (examples/).

    Sized for a laptop CPU with the packaged SmolLM2-135M: extraction asks for at most
    3 topics × 8 key concepts per document (256 new tokens), and generation uses a few
    concept sets (320 tokens per question call, 256 per answer). The
    graph stays under --home, so `kgsynth stats` and `kgsynth db start` can explore it after.
    """
    s = settings_of(ctx)
    settings = s.updated(
        extract=changed(s.extract, max_topics=3, max_concepts=8, max_new_tokens=256),
        sample=changed(s.sample, max_sets=max_sets),
        generate=changed(
            s.generate,
            questions_per_set=questions_per_set,
            max_sets=max_sets,
            question_max_new_tokens=320,
            answer_max_new_tokens=256,
        ),  # fmt: skip
    )
    examples = asset_dir("examples")
    paths = [examples / name for name in DEMO_INPUTS]
    with open_graph(settings) as store:
        uri = store.connection.safe_uri
        ingested = do_ingest(store, settings, paths)
        sample_run = do_sample(store, settings)
        report, gen_run = do_generate(
            store, settings, sample_run.read_table(CONCEPT_SETS_TABLE), {3}
        )
        curated = do_curate(settings, settings.curate, gen_run.run_id, store=store)
        counts = store.graph_counts()
        pages = write_run_views(store, settings.runs_dir, gen_run.run_id, gen_run.path / "explore")
        report_dir = do_report(settings, [], store=store)
        review = store.review_counts()
    table = Table(title="kgsynth demo")
    table.add_column("what")
    table.add_column("value", justify="right")
    edges = counts.topic_edges + counts.topic_concept_edges + counts.concept_edges
    for label, value in [
        ("documents", counts.documents),
        ("topics", counts.topics),
        ("key concepts", counts.concepts),
        ("co-occurrence edges", edges),
        ("names rejected as junk", ingested.junk_names),
        ("merged concepts", counts.merged_concepts),
        ("pairs waiting for review", review.queued),
        ("concept sets sampled", counts.concept_sets),
        ("questions written", report.questions),
        ("answers written", report.answers),
        ("questions kept by curate", curated.kept),
    ]:
        table.add_row(label, str(value))
    console.print(table)
    if review.queued:
        console.print(f"review : {review.queued} name pairs wait; `kgsynth dedup --review`")
    console.print(f"concept sets : {sample_run.path / 'concept_sets'}")
    console.print(f"questions/answers : {gen_run.path}")
    console.print(f"graph : {uri} (stopped now; data kept in {settings.home})")
    for page in pages:
        console.print(f"graph view : {page}  (open it in a web browser)")
    console.print(
        "explore more : `kgsynth explore topics|concept|question|coverage|merges`, "
        "`kgsynth stats`; saved Neo4j Browser queries are in cypher/explore/"
    )
    console.print(f"report : {report_dir / 'index.html'} (diversity, lengths, graph, coverage)")
