"""Small validation helpers shared by the settings sections: one clear line per problem."""

from __future__ import annotations

from collections.abc import Collection

from kgsynth.errors import ConfigError


def positive(name: str, value: int | float | None) -> None:
    """``value`` must be > 0 (None means 'not set' and passes)."""
    if value is not None and value <= 0:
        raise ConfigError(f"{name} must be > 0, got {value}")


def min_max(name: str, low_value: int, high_value: int, low: int = 1) -> None:
    """A ``min``/``max`` pair: ``low <= min <= max``."""
    if low_value < low or high_value < low_value:
        raise ConfigError(
            f"{name}: expected {low} <= min <= max, got min={low_value}, max={high_value}"
        )


def between(name: str, value: float | None, low: float, high: float) -> None:
    """``low <= value <= high`` (None passes)."""
    if value is not None and not low <= value <= high:
        raise ConfigError(f"{name} must be in [{low}, {high}], got {value}")


def one_of(name: str, value: str, allowed: Collection[str]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(sorted(allowed))}, got {value!r}")


MAX_SEED = 2**63 - 1  # seeds are stored as int64 in the parquet tables


def seed_range(name: str, value: int) -> None:
    if not 0 <= value <= MAX_SEED:
        raise ConfigError(f"{name} must be an integer from 0 to {MAX_SEED}, got {value}")
