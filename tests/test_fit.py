"""Scaling-law fits: parameter recovery, law choice, derived token counts, CLI and bad input.

Tolerances (12 points from 1M to 100B tokens, 1% multiplicative noise, seeds 0-2):
rectified: beta within 0.05, E within 5%, B/D_l within 10%; power: beta within 0.03,
E within 3%, B within 30% (B and beta trade off against each other).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kgsynth.analysis.fit import FitError, fit_law, fit_model
from kgsynth.analysis.laws import POWER, RECTIFIED, Law, plateau_tokens, tokens_to_asymptote
from kgsynth.analysis.points import Points, read_points
from kgsynth.cli.app import app
from kgsynth.errors import InputError

TOKENS = np.geomspace(1e6, 1e11, 12)
CURVED = {"B": 4e5, "D_l": 1e4, "beta": 0.5, "E": 10.0}  # bends at D = D_l^(1/beta) = 1e8
STRAIGHT = {"B": 300.0, "beta": 0.3, "E": 5.0}


def _noisy(law: Law, params: dict[str, float], seed: int) -> Points:
    rng = np.random.default_rng(seed)
    values = law.predict(params, TOKENS) * np.exp(rng.normal(0.0, 0.01, TOKENS.size))
    return Points(list(TOKENS), list(values))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rectified_parameters_are_recovered_and_preferred(seed: int) -> None:
    fit = fit_model("m", _noisy(RECTIFIED, CURVED, seed), [10**12], 0.1, 1.0)
    got = fit.fits["rectified"].params
    assert abs(got["beta"] - 0.5) < 0.05
    assert got["E"] == pytest.approx(10.0, rel=0.05)
    assert fit.starting_error == pytest.approx(40.0, rel=0.10)
    assert fit.better == "rectified" and fit.compared_by == "AIC" and fit.difference > 10


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_power_parameters_are_recovered_and_preferred_on_straight_data(seed: int) -> None:
    fit = fit_model("m", _noisy(POWER, STRAIGHT, seed), [10**12], 0.1, 1.0)
    got = fit.fits["power"].params
    assert abs(got["beta"] - 0.3) < 0.03
    assert got["E"] == pytest.approx(5.0, rel=0.03)
    assert got["B"] == pytest.approx(300.0, rel=0.3)
    # The rectified law can only match it (D_l -> 0) and pays for its extra parameter.
    assert fit.better == "power"
    rect = fit.fits["rectified"].params  # its bend D_l^(1/beta) lies far below the data
    assert rect["D_l"] < 0.05 * 1e6 ** rect["beta"]


def test_heldout_points_decide_the_comparison() -> None:
    points = _noisy(RECTIFIED, CURVED, 0)
    points.heldout_tokens = [3e11, 1e12]
    points.heldout_values = list(RECTIFIED.predict(CURVED, np.array(points.heldout_tokens)))
    fit = fit_model("m", points, [10**12], 0.1, 1.0)
    assert fit.compared_by == "held-out MAE" and fit.heldout == 2
    assert fit.better == "rectified"
    assert fit.fits["rectified"].heldout_mae < 0.2 < fit.fits["power"].heldout_mae


def test_plateau_matches_closed_forms() -> None:
    t = 0.1
    b, beta = STRAIGHT["B"], STRAIGHT["beta"]
    expected = (b * (1 - 2**-beta) / t) ** (1 / beta)
    assert plateau_tokens(POWER, STRAIGHT, t) == pytest.approx(expected, rel=1e-6)
    # Rectified: gain per doubling B/(D_l+u) - B/(D_l+cu), u = D^beta, c = 2^beta, equals t at
    # the larger root of t*c*u^2 + (t*D_l*(1+c) - B*(c-1))*u + t*D_l^2 = 0.
    b, dl, beta = CURVED["B"], CURVED["D_l"], CURVED["beta"]
    c = 2**beta
    qa, qb, qc = t * c, t * dl * (1 + c) - b * (c - 1), t * dl**2
    u = (-qb + math.sqrt(qb**2 - 4 * qa * qc)) / (2 * qa)
    assert plateau_tokens(RECTIFIED, CURVED, t) == pytest.approx(u ** (1 / beta), rel=1e-6)
    # A gain that is never reached: the curve is flat enough from the start.
    assert plateau_tokens(RECTIFIED, CURVED, 100.0) == 0.0
    # A gain still exceeded at 10^20 tokens.
    assert plateau_tokens(POWER, {"B": 300.0, "beta": 0.01, "E": 1.0}, 0.1) is None


def test_tokens_to_asymptote_match_closed_forms() -> None:
    m = 1.0
    b, beta = STRAIGHT["B"], STRAIGHT["beta"]
    assert tokens_to_asymptote(POWER, STRAIGHT, m) == pytest.approx((b / m) ** (1 / beta), 1e-6)
    b, dl, beta = CURVED["B"], CURVED["D_l"], CURVED["beta"]
    expected = (b / m - dl) ** (1 / beta)
    assert tokens_to_asymptote(RECTIFIED, CURVED, m) == pytest.approx(expected, rel=1e-6)
    assert tokens_to_asymptote(RECTIFIED, CURVED, 50.0) == 0.0  # B/D_l = 40 <= 50


def test_a_law_that_never_converges_is_one_error() -> None:
    broken = Law("broken", ("B", "beta", "E"), lambda theta, log_d: np.full_like(log_d, np.nan))
    with pytest.raises(FitError, match="did not converge from any of"):
        fit_law(broken, TOKENS, np.linspace(50, 10, TOKENS.size), "m")


def test_too_few_points_is_one_error() -> None:
    with pytest.raises(FitError, match="3 distinct token counts.*needs at least 4"):
        fit_model("m", Points([1e6, 1e7, 1e8], [50.0, 40.0, 30.0]), [10**9], 0.1, 1.0)


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "points.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_accuracy_is_converted_to_error_in_percent(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Model,tokens,Accuracy,heldout\na,1M,0.25,\na,2.5B,0.5,1\nb,1e6,40,\n")
    metric, models = read_points(path)
    assert metric.kind == "accuracy" and metric.fraction is False  # 40 > 1: percent
    path = _csv(tmp_path, "model,tokens,accuracy,heldout\na,1M,0.25,\na,2.5B,0.5,yes\n")
    metric, models = read_points(path)
    assert metric.fraction and "100 - accuracy" in metric.statement
    assert models["a"].tokens == [1e6] and models["a"].values == [75.0]
    assert models["a"].heldout_tokens == [2.5e9] and models["a"].heldout_values == [50.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tokens,accuracy\n1M,0.3\n0,0.4\n", r"points.csv:3: tokens must be positive, got 0"),
        ("tokens,accuracy\n1M,30\n2M,104\n", r"points.csv:3: accuracy 104 is outside 0-100"),
        ("tokens,error\n1M,x\n", r"points.csv:2: error 'x' is not a number"),
        ("tokens,acc\n-5,0.3\n", r"points.csv:2: tokens must be positive, got -5"),
        ("steps,error\n1,0.3\n", r"no 'tokens' column"),
        ("tokens,score\n1,0.3\n", r"no metric column; name one with --metric"),
        ("tokens,error\n", r"no data rows"),
    ],
)
def test_bad_points_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_points(_csv(tmp_path, text))


def _curve_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    lines = ["model,tokens,accuracy,heldout"]
    for name, params in (("3B", CURVED), ("8B", {**CURVED, "E": 6.0})):
        values = RECTIFIED.predict(params, TOKENS) * np.exp(rng.normal(0, 0.01, TOKENS.size))
        for i, (d, v) in enumerate(zip(TOKENS, values, strict=True)):
            lines.append(f"{name},{d:.6g},{(100 - v) / 100:.6f},{int(i == TOKENS.size - 1)}")
    return _csv(tmp_path, "\n".join(lines) + "\n")


def test_fit_cli_prints_table_and_writes_json_and_png(tmp_path: Path) -> None:
    path = _curve_csv(tmp_path)
    result = CliRunner().invoke(app, ["fit", str(path), "--at", "1T,4T", "--margin", "0.5"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "100 - accuracy" in out and "better: rectified" in out
    assert "B/D_l (start above E)" in out and "L(4T)" in out and "tokens to within 0.5 of E" in out
    body = json.loads((tmp_path / "points-fit" / "fit.json").read_text())
    assert [m["model"] for m in body["models"]] == ["3B", "8B"]
    model = body["models"][1]
    assert model["fits"]["rectified"]["params"]["E"] == pytest.approx(6.0, rel=0.05)
    assert set(model["predictions"]["power"]) == {str(10**12), str(4 * 10**12)}
    assert model["heldout"] == 1 and len(model["fits"]["power"]["residuals"]) == 11
    png = tmp_path / "points-fit" / "fit.png"
    assert_png_has_content(png)


def assert_png_has_content(path: Path) -> None:
    """A written PNG, not tiny, whose pixels vary (something was drawn)."""
    from matplotlib.image import imread

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    pixels = imread(str(path))
    assert pixels.std() > 0.05 and len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50


def test_fit_cli_bad_input_is_one_line_and_nonzero(tmp_path: Path) -> None:
    path = _csv(tmp_path, "tokens,accuracy\n1M,30\n2M,40\n4M,50\n4M,51\n")
    result = CliRunner().invoke(app, ["fit", str(path)])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "needs at least 4" in lines[0] and "distinct" in lines[0]
    path = _csv(tmp_path, "tokens,accuracy\n1M,30\n2M,130\n")
    result = CliRunner().invoke(app, ["fit", str(path)])
    assert result.exit_code == 2 and "accuracy 130 is outside 0-100" in result.output
    result = CliRunner().invoke(app, ["fit", str(path), "--at", "10X"])
    assert result.exit_code == 2 and "is not a count" in result.output
