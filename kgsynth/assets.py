"""Where the files that live beside the code are: ``cypher/``, ``migrations/``, ``examples/``.

In a source checkout (and an editable install) they sit at the repository root; an installed
wheel carries copies under ``kgsynth/_assets/`` (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

from kgsynth.errors import KgsynthError

_PACKAGE = Path(__file__).resolve().parent


def asset_dir(name: str) -> Path:
    """The folder ``name`` (``cypher``, ``migrations`` or ``examples``), wheel copy first."""
    for candidate in (_PACKAGE / "_assets" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise KgsynthError(
        f"kgsynth's '{name}' folder is missing from both {_PACKAGE / '_assets'} and "
        f"{_PACKAGE.parent}; reinstall kgsynth"
    )
