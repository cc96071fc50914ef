"""Cypher that only tests run (tests/cypher/<name>.cypher), kept out of the runtime catalog.

The statements are linted with the catalog's (tests/test_cypher_lint.py) and run through the
store's retried transaction, so a database error surfaces as the same QueryError.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kgsynth.graph import GraphRepository

TEST_CYPHER = Path(__file__).resolve().parent / "cypher"


def run_test_cypher(graph: GraphRepository, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run tests/cypher/``name``.cypher in one write transaction and return its rows."""
    text = (TEST_CYPHER / f"{name}.cypher").read_text(encoding="utf-8")

    def work(tx: Any) -> list[dict[str, Any]]:
        return tx.run(text, params).data()

    return graph._execute(work, write=True, what=f"tests/cypher/{name}")  # noqa: SLF001
