"""Fitting the rectified and the power law to measured points, and comparing them.

Procedure (what ``kgsynth fit`` prints as its method line):

- residuals are in log space, ``log L̂(D) - log L(D)``, so every point weighs by its relative
  error whatever its size;
- parameters are in log space too (:mod:`kgsynth.analysis.laws`): ``B, D_l, E > 0`` by
  construction, ``β`` bounded to [0.001, 5], ``E`` below the largest measured value;
- ``scipy.optimize.least_squares`` (trust-region reflective) runs from a grid of starts
  (β x E x D_l, each start's B placed so the curve passes through the smallest-D point), and
  the start with the lowest cost wins. A law none of whose starts converges is an error.

The better law is the one with the lower held-out error when held-out points exist, else the
one with the lower AIC (``n log(RSS / n) + 2k`` on the log residuals), which charges the
rectified law for its extra parameter: on data that a power law explains it loses by ~2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np

from kgsynth.analysis.laws import (
    LAWS,
    RECTIFIED,
    Law,
    plateau_tokens,
    starting_error,
    tokens_to_asymptote,
)
from kgsynth.analysis.points import Points
from kgsynth.errors import KgsynthError

BETA_BOUNDS = (1e-3, 5.0)
BETA_STARTS = (0.1, 0.3, 0.6, 1.0, 1.5)
E_STARTS = (0.05, 0.5, 0.9)  # times the smallest measured value
DL_STARTS = (-3.0, 0.0, 0.5, 1.0, 3.0)  # where D_l^(1/β) sits: offsets in log D range units


class FitError(KgsynthError):
    """A fit cannot be made: too few points, or no start converged."""


@dataclass
class LawFit:
    """One law fitted to one model's points."""

    law: str
    params: dict[str, float]
    rmse_log: float  # root mean square of the log residuals on the fitted points
    aic: float
    residuals: list[float]  # predicted - measured, metric units, fitted points in order
    heldout_mae: float | None  # mean |predicted - measured| on held-out points
    starts: int
    converged: int


@dataclass
class ModelFit:
    """Both laws on one model's points, their comparison and what they predict."""

    model: str
    points: int
    heldout: int
    fits: dict[str, LawFit]
    better: str
    compared_by: str  # "held-out MAE" | "AIC"
    difference: float  # how much worse the other law is, in the unit of compared_by
    starting_error: float  # B / D_l of the rectified fit
    predictions: dict[str, dict[str, float]] = field(default_factory=dict)  # law -> tokens -> L
    plateau: dict[str, float | None] = field(default_factory=dict)
    to_asymptote: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def fit_law(
    law: Law, tokens: np.ndarray, values: np.ndarray, model: str = "all"
) -> tuple[np.ndarray, int, int]:
    """θ of ``law`` fitted to the points, with the number of starts and of converged starts."""
    from scipy.optimize import least_squares

    log_d, log_l = np.log(tokens), np.log(values)
    lower = np.full(len(law.params), -np.inf)
    upper = np.full(len(law.params), np.inf)
    lower[-2], upper[-2] = BETA_BOUNDS
    upper[-1] = np.log(values.max())
    lower[-1] = upper[-1] - 40.0

    def residuals(theta: np.ndarray) -> np.ndarray:
        return law.log_predict(theta, log_d) - log_l

    best: Any = None
    starts = _starts(law, log_d, values)
    converged = 0
    for theta0 in starts:
        theta0 = np.clip(theta0, lower + 1e-9, upper - 1e-9)
        try:
            with np.errstate(all="ignore"):
                result = least_squares(residuals, theta0, bounds=(lower, upper), method="trf")
        except ValueError:  # scipy refuses a start whose residuals are not finite
            continue
        if result.status <= 0 or not np.isfinite(result.cost):
            continue
        converged += 1
        if best is None or result.cost < best.cost:
            best = result
    if best is None:
        raise FitError(
            f"model {model!r}: the {law.name} law did not converge from any of "
            f"{len(starts)} starts; check that the metric falls as tokens grow"
        )
    return best.x, len(starts), converged


def _starts(law: Law, log_d: np.ndarray, values: np.ndarray) -> list[np.ndarray]:
    lo, hi = float(log_d.min()), float(log_d.max())
    first = float(values[np.argmin(log_d)])
    starts = []
    dl_offsets = DL_STARTS if "D_l" in law.params else (None,)
    for beta, e_share, offset in product(BETA_STARTS, E_STARTS, dl_offsets):
        e = e_share * float(values.min())
        log_e = np.log(e)
        head = np.log(max(first - e, 1e-6 * first))
        if offset is None:
            starts.append(np.array([head + beta * lo, beta, log_e]))
        else:
            log_dl = beta * (lo + offset * (hi - lo))
            log_b = head + np.logaddexp(log_dl, beta * lo)
            starts.append(np.array([log_b, log_dl, beta, log_e]))
    return starts


def fit_model(
    model: str,
    points: Points,
    at_tokens: list[int],
    plateau_gain: float,
    margin: float,
) -> ModelFit:
    """Fit both laws to ``points`` and derive predictions, plateau and tokens to asymptote."""
    tokens, values = points.arrays()
    distinct = len(set(points.tokens))
    need = len(RECTIFIED.params)
    if distinct < need:
        raise FitError(
            f"model {model!r}: {distinct} distinct token counts to fit, the rectified law has "
            f"{need} parameters and needs at least {need}"
        )
    fits = {law.name: _law_fit(law, points, tokens, values, model) for law in LAWS}
    rect = fits["rectified"]
    if points.heldout_tokens:
        by = "held-out MAE"
        scores = {k: f.heldout_mae or 0.0 for k, f in fits.items()}
    else:
        by = "AIC"
        scores = {k: f.aic for k, f in fits.items()}
    better = min(scores, key=lambda k: scores[k])
    laws = {law.name: law for law in LAWS}
    result = ModelFit(
        model=model,
        points=len(points.tokens),
        heldout=len(points.heldout_tokens),
        fits=fits,
        better=better,
        compared_by=by,
        difference=abs(scores["rectified"] - scores["power"]),
        starting_error=starting_error(rect.params) or 0.0,
    )
    for name, f in fits.items():
        law = laws[name]
        result.predictions[name] = {
            str(t): float(law.predict(f.params, float(t))) for t in at_tokens
        }
        result.plateau[name] = plateau_tokens(law, f.params, plateau_gain)
        result.to_asymptote[name] = tokens_to_asymptote(law, f.params, margin)
    return result


def _law_fit(
    law: Law, points: Points, tokens: np.ndarray, values: np.ndarray, model: str
) -> LawFit:
    theta, starts, converged = fit_law(law, tokens, values, model)
    params = law.natural(theta)
    log_res = law.log_predict(theta, np.log(tokens)) - np.log(values)
    rss = float(np.sum(log_res**2))
    n = len(values)
    predicted = law.predict(params, tokens)
    heldout = None
    if points.heldout_tokens:
        held = law.predict(params, np.array(points.heldout_tokens))
        heldout = float(np.mean(np.abs(held - np.array(points.heldout_values))))
    return LawFit(
        law=law.name,
        params=params,
        rmse_log=float(np.sqrt(rss / n)),
        aic=float(n * np.log(max(rss / n, 1e-12)) + 2 * len(law.params)),
        residuals=[float(r) for r in predicted - values],
        heldout_mae=heldout,
        starts=starts,
        converged=converged,
    )
