"""One error root for kgsynth; the CLI prints any of these as one line and exits non-zero.

Infrastructure problems (database down, model missing) raise. Per-row content problems
(a malformed JSON line, an LLM answer that does not parse) are counted and written to a
rejects file instead; see :mod:`kgsynth.rejects`.
"""

from __future__ import annotations


class KgsynthError(Exception):
    """Root of every error kgsynth raises on purpose. ``exit_code`` is what the CLI returns."""

    exit_code = 1


class ConfigError(KgsynthError):
    """A setting is unknown, missing or out of range."""

    exit_code = 2


class InputError(KgsynthError):
    """An input file cannot be used at all (missing, empty, unreadable)."""

    exit_code = 2


class GraphUnavailableError(KgsynthError):
    """The graph database cannot be reached or started."""

    exit_code = 3


class MigrationError(KgsynthError):
    """A schema migration is missing, edited after it was applied, or failed."""

    exit_code = 3


class QueryError(KgsynthError):
    """A catalogued Cypher query is missing or failed on the server."""


class MissingExtraError(KgsynthError):
    """An optional package is not installed; the message names the extra to install."""

    exit_code = 4


class ModelError(KgsynthError):
    """A model cannot be loaded or called."""


def require(module: str, extra: str) -> object:
    """Import ``module`` or raise MissingExtraError naming the pip extra that provides it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingExtraError(
            f"the '{module}' package is needed here but is not installed; "
            f"install it with: pip install 'kgsynth[{extra}]'"
        ) from e
