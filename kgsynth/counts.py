"""Human-readable counts: ``100K``, ``50M``, ``1.5B``, ``4T`` (rows or tokens).

Suffixes are decimal (K = 10^3, M = 10^6, B or G = 10^9, T = 10^12), case-insensitive;
underscores and thousands commas inside one number are not accepted (commas separate lists).
"""

from __future__ import annotations

import math

from kgsynth.errors import ConfigError

_SUFFIX = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "G": 10**9, "T": 10**12}


def parse_count(text: str, what: str = "count") -> int:
    """``"50M"`` -> 50_000_000; ``"2.5K"`` -> 2500. Refuses non-positive and fractional counts."""
    raw = text.strip()
    suffix = raw[-1:].upper() if raw[-1:].isalpha() else ""
    number = raw[: len(raw) - len(suffix)] if suffix else raw
    try:
        value = float(number) * _SUFFIX[suffix]
    except (KeyError, ValueError):
        raise ConfigError(
            f"{what} {text!r} is not a count like 1000, 100K, 50M, 10B or 4T"
        ) from None
    if not math.isfinite(value) or value <= 0 or value != round(value):
        raise ConfigError(f"{what} {text!r} must be a positive whole number")
    return round(value)


def parse_counts(text: str, what: str = "count") -> list[int]:
    """A comma-separated list of counts, e.g. ``"10B,50B,1T"``."""
    parts = [p for p in (s.strip() for s in text.split(",")) if p]
    if not parts:
        raise ConfigError(f"{what} list is empty")
    return [parse_count(p, what) for p in parts]


def format_count(value: float) -> str:
    """The shortest suffixed form: 50_000_000 -> ``"50M"``, 1_250 -> ``"1.25K"``; from 10^15
    on, scientific notation (``"3.2e+18"``)."""
    if abs(value) >= 10**15:
        return f"{value:.2g}"
    for suffix in ("T", "B", "M", "K"):
        scale = _SUFFIX[suffix]
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"
