"""Reading the measured points ``kgsynth fit`` works on: a CSV of (tokens, metric) rows.

Columns (header names, case-insensitive):

- ``tokens``: training tokens, a number (``1.5e9``) or a count (``1.5B``); must be > 0;
- the metric: ``--metric NAME``, or else the first of ``error``, ``error_rate``, ``err``,
  ``loss``, ``accuracy``, ``acc`` present. Error rates and accuracies are taken as fractions
  when every value is <= 1 and as percentages otherwise (``--scale`` overrides); an accuracy
  becomes the error rate ``100 - accuracy``. Rates are fitted in percent, so every printed
  error and threshold is in percentage points. Any other metric (a loss) is used as it is;
- ``model`` (optional): one fit per distinct value;
- ``heldout`` (optional): rows marked 1/true/yes are not fitted, only scored.

Every problem is one :class:`~kgsynth.errors.InputError` naming the file and row.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kgsynth.counts import parse_count
from kgsynth.errors import ConfigError, InputError

ERROR_NAMES = ("error", "error_rate", "err")
ACCURACY_NAMES = ("accuracy", "acc")
AUTO_METRICS = (*ERROR_NAMES, "loss", *ACCURACY_NAMES)
TRUE = {"1", "true", "yes", "y", "heldout", "test"}
SCALES = ("auto", "fraction", "percent")


@dataclass(frozen=True)
class Metric:
    """What the fitted values mean: ``column`` as read, ``kind`` (error | accuracy | other),
    and whether rates were given as fractions (then scaled to percent)."""

    column: str
    kind: str
    fraction: bool

    @property
    def label(self) -> str:
        """The fitted quantity, for tables and axes."""
        return "error rate (%)" if self.kind != "other" else self.column

    @property
    def statement(self) -> str:
        """How the column became the fitted metric, in one sentence."""
        given = "fractions" if self.fraction else "percent"
        if self.kind == "accuracy":
            return f"error rate (%) = 100 - accuracy; column '{self.column}' given in {given}"
        if self.kind == "error":
            return f"error rate (%) from column '{self.column}', given in {given}"
        return f"'{self.column}' as given (lower is better)"


@dataclass
class Points:
    """One model's measurements: fitted rows and held-out rows (tokens, metric)."""

    tokens: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    heldout_tokens: list[float] = field(default_factory=list)
    heldout_values: list[float] = field(default_factory=list)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.tokens, dtype=float), np.array(self.values, dtype=float)


def read_points(
    path: Path, metric: str | None = None, scale: str = "auto"
) -> tuple[Metric, dict[str, Points]]:
    """The CSV at ``path`` as per-model points (model ``"all"`` without a model column)."""
    if scale not in SCALES:
        raise ConfigError(f"--scale must be one of {', '.join(SCALES)}; got {scale!r}")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
        if "tokens" not in header:
            raise InputError(f"{path}: no 'tokens' column (columns: {', '.join(header) or 'none'})")
        column = _metric_column(path, header, metric)
        raw = [(reader.line_num, row[header["tokens"]], row[header[column]], row) for row in reader]
    if not raw:
        raise InputError(f"{path}: no data rows")
    kind = "error" if column in ERROR_NAMES else "accuracy" if column in ACCURACY_NAMES else "other"
    values = [_number(path, line, column, v) for line, _, v, _ in raw]
    for (line, _, _, _), v in zip(raw, values, strict=True):
        if kind != "other" and not 0 <= v <= 100:
            raise InputError(f"{path}:{line}: {column} {v:g} is outside 0-100")
        if kind == "other" and v <= 0:
            raise InputError(f"{path}:{line}: {column} must be positive to fit, got {v:g}")
    fraction = kind != "other" and (scale == "fraction" or (scale == "auto" and max(values) <= 1))
    if kind != "other" and fraction and max(values) > 1:
        raise InputError(f"{path}: --scale fraction but {column} goes up to {max(values):g}")
    info = Metric(column, kind, fraction)
    models: dict[str, Points] = {}
    for (line, tok, _, row), v in zip(raw, values, strict=True):
        tokens = _tokens(path, line, tok)
        value = v * 100 if fraction else v
        value = 100 - value if kind == "accuracy" else value
        if value <= 0:
            raise InputError(
                f"{path}:{line}: an error rate of 0 cannot be fitted in log space "
                "(the laws' error never reaches 0)"
            )
        points = models.setdefault(_cell(row, header, "model") or "all", Points())
        if _cell(row, header, "heldout").lower() in TRUE:
            points.heldout_tokens.append(tokens)
            points.heldout_values.append(value)
        else:
            points.tokens.append(tokens)
            points.values.append(value)
    return info, models


def _metric_column(path: Path, header: dict[str, str], metric: str | None) -> str:
    if metric is not None:
        if metric.lower() not in header:
            raise InputError(f"{path}: no column {metric!r} (columns: {', '.join(header)})")
        return metric.lower()
    for name in AUTO_METRICS:
        if name in header:
            return name
    raise InputError(
        f"{path}: no metric column; name one with --metric or call it one of "
        f"{', '.join(AUTO_METRICS)} (columns: {', '.join(header)})"
    )


def _cell(row: dict[str, str], header: dict[str, str], name: str) -> str:
    return (row.get(header[name]) or "").strip() if name in header else ""


def _number(path: Path, line: int, column: str, text: str | None) -> float:
    try:
        value = float((text or "").strip())
    except ValueError:
        raise InputError(f"{path}:{line}: {column} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{path}:{line}: {column} {text!r} is not a finite number")
    return value


def _tokens(path: Path, line: int, text: str | None) -> float:
    raw = (text or "").strip()
    try:
        value = float(raw)
    except ValueError:
        try:
            return float(parse_count(raw, "tokens"))
        except ConfigError:
            raise InputError(f"{path}:{line}: tokens {raw!r} is not a number or a count") from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{path}:{line}: tokens must be positive, got {raw}")
    return value
