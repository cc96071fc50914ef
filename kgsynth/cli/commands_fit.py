"""``kgsynth fit``: fit the rectified and the power scaling law to measured points."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kgsynth.cli.common import console, handle_errors


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(fit))


def fit(
    points: Annotated[
        Path, typer.Argument(help="CSV with columns tokens, a metric, optional model, heldout.")
    ],
    metric: Annotated[
        str | None,
        typer.Option(help="Metric column (default: error, error_rate, err, loss, accuracy, acc)."),
    ] = None,
    scale: Annotated[str, typer.Option(help="Rates given as: auto | fraction | percent.")] = "auto",
    at: Annotated[
        str, typer.Option(help="Token counts to predict at, comma-separated.")
    ] = "10B,50B,250B,300B,1T,4T",
    plateau_gain: Annotated[
        float,
        typer.Option(help="Plateau: where one doubling of the data gains less than this."),
    ] = 0.1,
    margin: Annotated[
        float, typer.Option(help="Report the tokens needed to come within this of E.")
    ] = 1.0,
    out: Annotated[
        Path | None, typer.Option(help="Folder for fit.json and fit.png (default: POINTS-fit/).")
    ] = None,
) -> None:
    """Fit L(D) = B/(D_l + D^beta) + E (rectified) and L(D) = B/D^beta + E (power) per model.

    Accuracies become error rates (100 - accuracy) and rates are fitted in percent, so
    --plateau-gain and --margin are in percentage points (in the metric's own units for a
    loss). Rows with heldout = 1 are scored, not fitted. Prints parameters, residuals,
    held-out error, the better law, predictions, the plateau and tokens to the asymptote.
    """
    from kgsynth.analysis.fit_report import METHOD, run_fit, table_rows, verdict
    from kgsynth.counts import parse_counts
    from kgsynth.errors import ConfigError

    if plateau_gain <= 0 or margin <= 0:
        raise ConfigError("--plateau-gain and --margin must be positive")
    at_tokens = parse_counts(at, "--at token count")
    folder = out or points.with_name(f"{points.stem}-fit")
    result = run_fit(points, folder, at_tokens, plateau_gain, margin, metric, scale)
    console.print(f"metric: {result.metric.statement}", markup=False)
    console.print(f"method: {METHOD}", markup=False)
    for model_fit in result.fits:
        held = f", {model_fit.heldout} held out" if model_fit.heldout else ""
        table = Table(title=f"{model_fit.model}: {model_fit.points} points{held}")
        table.add_column("")
        table.add_column("rectified", justify="right")
        table.add_column("power", justify="right")
        for row in table_rows(model_fit, plateau_gain, margin):
            table.add_row(*row)
        console.print(table)
        console.print(verdict(model_fit), markup=False)
    console.print(f"wrote {result.json_path} and {result.png_path}", markup=False)
