"""``kgsynth filter``: train a domain filter on a corpus (LLM ratings), or apply a saved one."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer

from kgsynth.cli.common import (
    Backend,
    Device,
    console,
    handle_errors,
    progress_bar,
    settings_of,
)
from kgsynth.cli.common import load_model as load_llm
from kgsynth.config import changed
from kgsynth.errors import ConfigError


def register(app: typer.Typer) -> None:
    app.command(name="filter")(handle_errors(filter_corpus))


def filter_corpus(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help=".jsonl / .parquet / .txt / .md files or folders.")
    ],
    domain: Annotated[str | None, typer.Option(help="The domain to keep (mathematics).")] = None,
    apply: Annotated[
        Path | None,
        typer.Option(
            "--apply",
            help="Score with this saved model (model.joblib or a filter "
            "run folder) instead of training; no LLM.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    syllabus: Annotated[
        Path | None, typer.Option(help="Topics, one per line (default: the LLM drafts them).")
    ] = None,
    iterations: Annotated[int | None, typer.Option(help="Rate/train/keep rounds (2).")] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Keep a document rated above this (6.5; --apply too).")
    ] = None,
    rate_kept: Annotated[int | None, typer.Option(help="Kept documents rated per round.")] = None,
    rate_fresh: Annotated[int | None, typer.Option(help="Fresh documents rated per round.")] = None,
    negatives: Annotated[int | None, typer.Option(help="Cold-start negatives (200).")] = None,
    genres: Annotated[str | None, typer.Option(help="Synthetic genres, comma-separated.")] = None,
    classifier: Annotated[
        str | None, typer.Option(help="random_forest | extra_trees | linear.")
    ] = None,
    embed_model: Annotated[
        str | None, typer.Option(help="sentence-transformers model folder (packaged MiniLM).")
    ] = None,
    shard_size: Annotated[int | None, typer.Option(help="Documents per corpus shard.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for sampling and models.")] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--set", help="Any other filter setting, KEY=VALUE (see docs/filter.md)."),
    ] = None,
    backend: Backend = None,
    model: Annotated[str | None, typer.Option(help="LLM ('smollm2' = packaged).")] = None,
    device: Device = None,
    resume: Annotated[str | None, typer.Option(help="Finish this filter run id.")] = None,
) -> None:
    """Keep the documents of one domain: LLM-rated training, then a classifier over all.

    Training: a syllabus (--syllabus FILE, or drafted by the LLM and saved for review), one
    synthetic document per topic and genre, a cold-start classifier (synthetic vs random
    corpus documents), then rounds of LLM ratings → regressor → keep (score > threshold).
    --apply MODEL scores new data with a saved model and no LLM. Kept documents go to
    runs/<run id>/kept/, which `kgsynth ingest` reads; --resume RUN_ID finishes a run.
    """
    from kgsynth.runs import RunFolder
    from kgsynth.stages.filter import apply_filter, run_filter
    from kgsynth.stages.filter.models import load_model
    from kgsynth.stages.ingest.read import input_files

    s = settings_of(ctx)
    settings = s.updated(llm=changed(s.llm, backend=backend, model=model, device=device))
    changes = dict(
        domain=domain, syllabus=syllabus, iterations=iterations, threshold=threshold,
        rate_kept=rate_kept, rate_fresh=rate_fresh, negatives=negatives, genres=genres,
        model=classifier, embed_model=embed_model, shard_size=shard_size, seed=seed,
        device=device,
    )  # fmt: skip
    cfg = _configure(settings.filter, option or [], changes)
    input_files(paths)  # a missing or unsupported input fails before anything starts
    run = RunFolder(settings.runs_dir, "filter", resume)
    if apply is not None:
        saved = load_model(apply)
        if threshold is not None:
            if saved.kind != "regressor":
                raise ConfigError(
                    f"{apply}: a cold-start model scores P(domain) in 0-1; --threshold "
                    "applies to the rating models of iterations >= 1"
                )
            saved.threshold = threshold
        report = apply_filter(run, saved, paths, cfg, progress=progress_bar)
        console.print(
            f"filter --apply: {report.kept} of {report.documents} documents kept by the "
            f"iteration-{saved.iteration} {saved.kind} ({saved.domain}, threshold "
            f"{saved.threshold}); {report.corpus.rejected} rows rejected"
        )
    else:
        report = run_filter(run, cfg, paths, lambda: load_llm(settings.llm, settings.home),
                            progress=progress_bar)  # fmt: skip
        for it in report.iterations:
            cv = ", ".join(f"{k} {v:.3f}" for k, v in it["cv"].items() if k.endswith("_mean"))
            console.print(
                f"iteration {it['iteration']}: kept {it['kept']} of {it['documents']} "
                f"({it['kept_share']:.1%}), {it.get('rated', 0)} rated "
                f"({it.get('unparseable', 0)} unparseable); cv {cv or 'n/a'}"
            )
        console.print(f"model: {report.model_path}  plot: {report.plot_path}")
    for reason, n in sorted(report.corpus.reject_reasons.items()):
        console.print(f"  rejected {n:>5} × {reason}", highlight=False, markup=False)
    console.print(f"kept documents: {report.kept_path}  (kgsynth ingest {report.kept_path})")
    console.print(f"run folder: {run.path}")


def _configure(base: Any, options: list[str], changes: dict[str, Any]) -> Any:
    """``base`` with ``--set KEY=VALUE`` options, then the named options, applied."""
    import typing

    from kgsynth.config.loader import _coerce

    hints = typing.get_type_hints(type(base))
    values: dict[str, Any] = {}
    for item in options:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in hints:
            raise ConfigError(
                f"--set expects KEY=VALUE with KEY one of {sorted(hints)}, got {item!r}"
            )
        values[key] = _coerce(raw.strip(), hints[key], f"--set {key}")
    values.update({k: v for k, v in changes.items() if v is not None})
    return dataclasses.replace(base, **values).validate()
