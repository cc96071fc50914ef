"""The two scaling laws ``kgsynth fit`` compares, and what follows from fitted parameters.

- rectified (Lin et al. 2024): ``L(D) = B / (D_l + D^β) + E``. ``D_l`` is the "pre-learned data
  size": below ``D ≈ D_l^(1/β)`` the curve is flat at ``B / D_l + E`` (the starting error),
  above it the curve turns into a power law. Four parameters.
- power: ``L(D) = B / D^β + E``, straight on log-log axes until it bends towards ``E``. Three.

``L`` is the metric (an error rate, lower is better), ``D`` the training tokens. All
parameters are positive. Fitting works on ``θ``, the parameters in log space
(``log B, log D_l, β, log E`` and ``log B, β, log E``), so positivity holds by construction,
and predicts ``log L`` with ``logaddexp`` so that 10^12 tokens raised to β never overflows.

Derived quantities are found numerically (scipy's ``brentq`` on ``log D``), one method for
both laws; the tests check them against the closed forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Where derived token counts are searched: 1 token to 10^20 tokens.
SEARCH_LOG_D = (0.0, 20 * np.log(10.0))
_GRID = 400


@dataclass(frozen=True)
class Law:
    """One law: its parameter names (natural space) and its prediction of ``log L``."""

    name: str
    params: tuple[str, ...]
    log_predict: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (θ, log D) -> log L

    def natural(self, theta: np.ndarray) -> dict[str, float]:
        """θ (log space) as named positive parameters."""
        values = {"B": np.exp(theta[0]), "beta": theta[-2], "E": np.exp(theta[-1])}
        if "D_l" in self.params:
            values["D_l"] = np.exp(theta[1])
        return {name: float(values[name]) for name in self.params}

    def theta(self, params: dict[str, float]) -> np.ndarray:
        """Named parameters back to θ."""
        logs = [np.log(params["B"])]
        if "D_l" in self.params:
            logs.append(np.log(params["D_l"]))
        return np.array([*logs, params["beta"], np.log(params["E"])], dtype=float)

    def predict(self, params: dict[str, float], tokens: np.ndarray | float) -> np.ndarray:
        """``L(D)`` for token counts ``D`` (D = 0 allowed: the rectified law's start)."""
        with np.errstate(divide="ignore"):
            log_d = np.log(np.asarray(tokens, dtype=float))
        return np.exp(self.log_predict(self.theta(params), log_d))


def _rectified(theta: np.ndarray, log_d: np.ndarray) -> np.ndarray:
    log_b, log_dl, beta, log_e = theta
    return np.logaddexp(log_b - np.logaddexp(log_dl, beta * log_d), log_e)


def _power(theta: np.ndarray, log_d: np.ndarray) -> np.ndarray:
    log_b, beta, log_e = theta
    return np.logaddexp(log_b - beta * log_d, log_e)


RECTIFIED = Law("rectified", ("B", "D_l", "beta", "E"), _rectified)
POWER = Law("power", ("B", "beta", "E"), _power)
LAWS = (RECTIFIED, POWER)


def starting_error(params: dict[str, float]) -> float | None:
    """``B / D_l``: how far above ``E`` the rectified curve starts (None for the power law)."""
    return params["B"] / params["D_l"] if "D_l" in params else None


def plateau_tokens(law: Law, params: dict[str, float], gain: float) -> float | None:
    """The token count beyond which one more doubling of the data gains less than ``gain``.

    The gain per doubling is ``L(D) - L(2D)``. It falls for the power law; for the rectified
    law it first rises (the flat start) and then falls, so this is the LAST point where it
    crosses ``gain``. 0.0 when the gain never reaches ``gain``, None when it still exceeds it
    at 10^20 tokens.
    """

    def excess(log_d: float) -> float:
        d = np.exp(log_d)
        return float(law.predict(params, d) - law.predict(params, 2 * d)) - gain

    return _last_crossing(excess)


def tokens_to_asymptote(law: Law, params: dict[str, float], margin: float) -> float | None:
    """The tokens after which ``L(D) - E`` stays within ``margin`` of the asymptote ``E``.

    0.0 when the curve starts within the margin (a rectified law with ``B / D_l <= margin``,
    the curve's value at D = 1 token counting as its start), None when it is still outside
    the margin at 10^20 tokens.
    """
    e = params["E"]

    def excess(log_d: float) -> float:
        return float(law.predict(params, np.exp(log_d))) - e - margin

    return _last_crossing(excess)


def _last_crossing(f: Callable[[float], float]) -> float | None:
    """The largest ``D`` in the search range where ``f(log D)`` falls from >= 0 to < 0;
    0.0 when ``f`` is negative throughout, None when it is still >= 0 at the end."""
    from scipy.optimize import brentq

    grid = np.linspace(*SEARCH_LOG_D, _GRID)
    values = np.array([f(x) for x in grid])
    above = np.flatnonzero(values >= 0)
    if above.size == 0:
        return 0.0
    if above[-1] == grid.size - 1:
        return None
    i = above[-1]
    return float(np.exp(brentq(f, grid[i], grid[i + 1], xtol=1e-12, rtol=1e-12)))
