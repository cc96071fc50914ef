"""``kgsynth fit`` end to end: read the points, fit every model, write JSON and a PNG.

The JSON holds, per model, both laws' parameters, residuals, held-out error, the comparison,
the predictions at the requested token counts, the plateau and the tokens to the asymptote,
plus the settings and the method, so a result can be reproduced and read without the CLI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgsynth.analysis.fit import ModelFit, fit_model
from kgsynth.analysis.points import Metric, Points, read_points
from kgsynth.counts import format_count
from kgsynth.runs import atomic_write_text

DEFAULT_AT = "10B,50B,250B,300B,1T,4T"
METHOD = (
    "least squares on log L (scipy.optimize.least_squares, trf) with parameters in log space "
    "(B, D_l, E > 0; 0.001 <= beta <= 5), best of a grid of starts; better law by held-out "
    "MAE when held-out rows exist, else by AIC on the log residuals"
)


@dataclass
class FitResult:
    metric: Metric
    fits: list[ModelFit]
    points: dict[str, Points]
    json_path: Path
    png_path: Path


def run_fit(
    csv_path: Path,
    out_dir: Path,
    at_tokens: list[int],
    plateau_gain: float,
    margin: float,
    metric: str | None = None,
    scale: str = "auto",
) -> FitResult:
    """Fit ``csv_path``'s points and write ``out_dir/fit.json`` and ``out_dir/fit.png``."""
    from kgsynth.analysis.plots import fit_plot

    info, points = read_points(csv_path, metric, scale)
    fits = [fit_model(m, p, at_tokens, plateau_gain, margin) for m, p in points.items()]
    out_dir.mkdir(parents=True, exist_ok=True)
    body: dict[str, Any] = {
        "points_file": str(csv_path),
        "metric": {"column": info.column, "fitted": info.label, "note": info.statement},
        "method": METHOD,
        "settings": {
            "at_tokens": at_tokens,
            "plateau_gain_per_doubling": plateau_gain,
            "asymptote_margin": margin,
        },
        "models": [f.as_dict() for f in fits],
    }
    json_path = out_dir / "fit.json"
    atomic_write_text(json_path, json.dumps(body, indent=2))
    png_path = fit_plot(out_dir / "fit.png", fits, points, info, until=max(at_tokens))
    return FitResult(info, fits, points, json_path, png_path)


def table_rows(fit: ModelFit, gain: float, margin: float) -> list[tuple[str, str, str]]:
    """(what, rectified, power) rows: the table ``kgsynth fit`` prints for one model."""
    r, p = fit.fits["rectified"], fit.fits["power"]
    rows = [
        ("B", _num(r.params["B"]), _num(p.params["B"])),
        ("D_l", _num(r.params["D_l"]), "-"),
        ("beta", _num(r.params["beta"]), _num(p.params["beta"])),
        ("E (asymptote)", _num(r.params["E"]), _num(p.params["E"])),
        ("B/D_l (start above E)", _num(fit.starting_error), "-"),
        ("RMSE of log residuals", _num(r.rmse_log), _num(p.rmse_log)),
        ("max |residual|", _num(_max_abs(r.residuals)), _num(_max_abs(p.residuals))),
        ("AIC", f"{r.aic:.1f}", f"{p.aic:.1f}"),
    ]
    if fit.heldout:
        rows.append((f"held-out MAE ({fit.heldout} pts)", _num(r.heldout_mae), _num(p.heldout_mae)))
    rect_at, power_at = fit.predictions["rectified"], fit.predictions["power"]
    for tokens in rect_at:
        label = f"L({format_count(int(tokens))})"
        rows.append((label, _num(rect_at[tokens]), _num(power_at[tokens])))
    rows.append(
        (f"plateau (gain/doubling < {gain:g})", _tok(fit.plateau["rectified"]),
         _tok(fit.plateau["power"]))
    )  # fmt: skip
    rows.append(
        (f"tokens to within {margin:g} of E", _tok(fit.to_asymptote["rectified"]),
         _tok(fit.to_asymptote["power"]))
    )  # fmt: skip
    return rows


def verdict(fit: ModelFit) -> str:
    """One line: which law fits better and by how much."""
    other = "power" if fit.better == "rectified" else "rectified"
    unit = "lower" if fit.compared_by == "AIC" else "lower (metric units)"
    return f"better: {fit.better} ({fit.compared_by} {fit.difference:.3g} {unit} than {other})"


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}"


def _tok(value: float | None) -> str:
    if value is None:
        return "beyond 1e20"
    return format_count(value) if value >= 1 else "0 (from the start)"


def _max_abs(values: list[float]) -> float:
    return max(abs(v) for v in values)
