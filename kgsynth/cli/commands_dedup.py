"""``kgsynth dedup``: merge surface variants, queue undecided pairs; review, judge, undo."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any

import typer

from kgsynth.cli.common import (
    Backend,
    console,
    handle_errors,
    load_model,
    progress_bar,
    settings_of,
)
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
            on_progress=lambda step, n, total: advance(completed=n, total=total, step=step),
        )  # fmt: skip


def dedup(
    ctx: typer.Context,
    threshold: Annotated[float | None, typer.Option(help="Cosine threshold (default 0.9).")] = None,
    rebuild: Annotated[
        bool, typer.Option(help="Re-embed every concept, rebuild the index.")
    ] = False,
    review: Annotated[
        bool, typer.Option("--review", help="List the pairs waiting for review.")
    ] = False,
    accept: Annotated[
        list[str] | None,
        typer.Option(help="Merge this queued pair (id from --review); repeatable."),
    ] = None,
    reject: Annotated[
        list[str] | None,
        typer.Option(help="Keep this queued pair apart for good (id from --review); repeatable."),
    ] = None,
    judge: Annotated[
        bool, typer.Option("--judge", help="Let the configured LLM decide the queued pairs.")
    ] = False,
    backend: Backend = None,
    model: Annotated[str | None, typer.Option(help="Model for --judge.")] = None,
    limit: Annotated[int, typer.Option(help="Most pairs listed or judged.")] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="--review: one JSON object per pair.")
    ] = False,
    undo: Annotated[
        str | None, typer.Option(help="Undo the merge of this alias concept key.")
    ] = None,
    list_merges: Annotated[
        bool, typer.Option("--list", help="List the merges made so far.")
    ] = False,
) -> None:
    """Find near-duplicate key concepts; merge only surface variants, queue the rest.

    Candidates are name pairs with cosine >= threshold (MiniLM + FAISS) and names equal up to
    case, punctuation, plural, diacritics or an acronym. A verifier merges surface variants,
    blocks pairs whose numbers, symbols, word order or meaning-changing words differ, and
    queues the rest for review (--review lists them; --accept ID / --reject ID decide;
    --judge lets the LLM decide). Rejected and undone pairs are recorded as KEEP_APART and
    never merged again, --rebuild included. --list shows merges, --undo KEY reverses one.
    """
    from kgsynth.stages import dedup as stage
    from kgsynth.stages.dedup import review as queue

    s = settings_of(ctx)
    settings = s.updated(
        dedup=changed(s.dedup, threshold=threshold),
        llm=changed(s.llm, backend=backend, model=model),
    )
    with open_graph(settings) as store:
        if list_merges:
            for m in stage.list_merges(store):
                console.print(
                    f"{m['alias_name']!r} -> {m['survivor_name']!r} (score {m['score']:.3f}, "
                    f"{m['decided_by'] or 'verifier'}: {m['rule'] or 'similar'}, {m['merged_at']})",
                    markup=False, highlight=False,
                )  # fmt: skip
            return
        if undo:
            stage.undo_merge(store, settings, undo)
            console.print(f"undid the merge of {undo!r}; the pair is kept apart from now on",
                          markup=False, highlight=False)  # fmt: skip
            return
        if accept or reject:
            merged = queue.accept(store, settings, accept or [])
            kept = queue.reject(store, reject or [])
            console.print(f"review: {len(merged)} merged, {kept} kept apart")
            return
        if judge:
            with load_model(settings.llm, settings.home) as llm:
                j = queue.judge(store, settings, llm, limit)
            console.print(
                f"judge: {j.judged} pairs judged, {j.merged} merged, {j.kept_apart} kept apart, "
                f"{j.unreadable} unreadable replies (left in the queue)"
            )
            return
        if review:
            _print_queue(queue.list_review(store, limit), store.review_counts().queued, as_json)
            return
        report = run_dedup_with_progress(store, settings, rebuild=rebuild)
    blocked = ", ".join(f"{k} {v}" for k, v in report.blocked_by_rule.items())
    console.print(
        f"dedup: {report.embedded} embedded, {report.candidate_pairs} candidate pairs; "
        f"{report.merged} merged into {report.clusters} survivors, {report.queued} queued for "
        f"review, {report.blocked} blocked ({blocked or 'none'}), {report.kept_apart} kept "
        f"apart by earlier decisions; index {report.index_size} concepts at {report.index_path}",
        markup=False, highlight=False,
    )  # fmt: skip


def _print_queue(pairs: list[Any], total: int, as_json: bool) -> None:
    if as_json:
        for p in pairs:
            console.print(json.dumps(dataclasses.asdict(p), ensure_ascii=False),
                          markup=False, highlight=False, soft_wrap=True)  # fmt: skip
        return
    for p in pairs:
        lines = [f"{p.id}  score {p.score:.3f}  {p.rule}: {p.detail}"]
        for label, name, docs in (("A", p.a_name, p.a_docs), ("B", p.b_name, p.b_docs)):
            lines.append(f"    {label}: {name}" + (f"   (in: {'; '.join(docs)})" if docs else ""))
        console.print("\n".join(lines), markup=False, highlight=False)
    console.print(
        f"{total} pairs wait for review ({len(pairs)} shown); decide with "
        "--accept ID / --reject ID, or --judge",
        markup=False,
        highlight=False,
    )
