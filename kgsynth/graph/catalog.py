"""The query catalog: every runtime Cypher statement is a file ``cypher/<name>.cypher``.

Each file holds one statement and starts with ``//`` comment lines that say what it reads
(its ``$parameters``) and what it returns. Names are the file path below ``cypher/``
without the suffix, e.g. ``write_documents`` or ``explore/concept_neighbourhood``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kgsynth.assets import asset_dir
from kgsynth.errors import QueryError

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    path: Path

    @property
    def parameters(self) -> frozenset[str]:
        """The ``$names`` the statement uses (comments excluded)."""
        body = "\n".join(
            line for line in self.text.splitlines() if not line.lstrip().startswith("//")
        )
        return frozenset(_PARAM.findall(body))


@cache
def catalog() -> dict[str, Query]:
    """All queries under ``cypher/``, loaded once."""
    root = asset_dir("cypher")
    queries = {}
    for path in sorted(root.rglob("*.cypher")):
        name = path.relative_to(root).with_suffix("").as_posix()
        queries[name] = Query(name, path.read_text(encoding="utf-8"), path)
    return queries


def query(name: str) -> Query:
    """The catalogued query ``name``; a missing one is a programming error, said plainly."""
    try:
        return catalog()[name]
    except KeyError:
        raise QueryError(f"no query '{name}' in {asset_dir('cypher')}") from None
