"""PNG figures for ``kgsynth fit`` and ``kgsynth report`` (matplotlib, Agg backend, lazy).

Every function writes one PNG and returns its path; figures are closed after saving, so a
report with dozens of plots holds one figure at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from kgsynth.analysis.fit import ModelFit
    from kgsynth.analysis.points import Metric, Points

COLOURS = {"rectified": "tab:red", "power": "tab:blue"}
LEVEL_COLOURS = {1: "tab:green", 2: "tab:orange", 3: "tab:purple"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def fit_plot(
    path: Path, fits: Sequence[ModelFit], points: Mapping[str, Points], metric: Metric,
    until: float,
) -> Path:  # fmt: skip
    """Measured points, both fitted laws, extrapolated to ``until`` tokens; log-log axes.

    One panel per model. Solid lines span the measured range, dashed lines extrapolate;
    held-out points are hollow; a dotted line marks each law's asymptote E.
    """
    from kgsynth.analysis.laws import LAWS

    plt = _pyplot()
    fig, axes = plt.subplots(1, len(fits), figsize=(6.4 * len(fits), 4.6), squeeze=False)
    for ax, fit in zip(axes[0], fits, strict=True):
        pts = points[fit.model]
        tokens, values = pts.arrays()
        lo, hi = tokens.min(), tokens.max()
        inside = np.geomspace(lo, hi, 200)
        beyond = np.geomspace(hi, max(until, hi * 10), 200)
        shown = [*values, *pts.heldout_values]
        for law in LAWS:
            f = fit.fits[law.name]
            colour = COLOURS[law.name]
            mark = " (better)" if law.name == fit.better else ""
            near, far = law.predict(f.params, inside), law.predict(f.params, beyond)
            ax.plot(inside, near, color=colour, label=law.name + mark)
            ax.plot(beyond, far, color=colour, linestyle="--")
            shown += [near.min(), far.min()]
        bottom, top = min(shown) * 0.8, max(shown) * 1.25
        for law in LAWS:  # an asymptote far below the curves would squash them: leave it out
            if (e := fit.fits[law.name].params["E"]) >= bottom:
                ax.axhline(e, color=COLOURS[law.name], linestyle=":", linewidth=0.8)
        ax.set_ylim(bottom, top)
        ax.scatter(tokens, values, color="black", zorder=3, label="measured")
        if pts.heldout_tokens:
            ax.scatter(
                pts.heldout_tokens, pts.heldout_values, facecolors="none", edgecolors="black",
                zorder=3, label="held out",
            )  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training tokens D")
        ax.set_ylabel(metric.label)
        ax.set_title(f"{fit.model}: dashed = extrapolation, dotted = E")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    return _save(fig, path)


def histograms(
    path: Path,
    series: Mapping[str, Sequence[float] | np.ndarray],
    title: str,
    xlabel: str,
    bins: int = 30,
) -> Path:
    """Overlaid normalised histograms, one per named series (e.g. one per level)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    drawn = [(name, values) for name, values in series.items() if len(values)]
    for name, values in drawn:
        ax.hist(values, bins=bins, alpha=0.5, density=True, label=f"{name} (n={len(values)})")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    if drawn:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    return _save(fig, path)


def degree_plot(path: Path, distributions: Mapping[str, Mapping[int, int]]) -> Path:
    """Degree distributions (nodes per degree), log-log, one line per sub-graph."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    drawn = 0
    for name, counts in distributions.items():
        pairs = sorted((d, n) for d, n in counts.items() if d > 0)
        if pairs:
            ax.plot(*zip(*pairs, strict=True), marker="o", markersize=3, label=name)
            drawn += 1
    if not drawn:
        ax.text(0.5, 0.5, "no edges", ha="center", va="center", transform=ax.transAxes)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("degree (co-occurrence neighbours)")
    ax.set_ylabel("nodes")
    ax.set_title("degree distributions (nodes of degree 0 not shown)")
    ax.grid(True, which="both", alpha=0.3)
    if drawn:
        ax.legend(fontsize=8)
    return _save(fig, path)


def coverage_plot(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    """Cumulative share of concepts and edges used, run after run (in start order)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    x = np.arange(1, len(rows) + 1)
    for key, label in (("concepts_share", "key concepts"), ("edges_share", "edges")):
        ax.plot(x, [100 * r[key] for r in rows], marker="o", label=label)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("sample runs so far (in start order)")
    ax.set_ylabel("used at least once (%)")
    ax.set_ylim(0, 100)
    ax.set_title("coverage over runs")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)
