"""Which server the graph tier runs against, and what it reports about itself."""

from __future__ import annotations

import os

import pytest

from kgsynth.graph import GraphRepository


def test_server_info_names_the_server(graph: GraphRepository) -> None:
    info = graph.server_info()
    expected = "Neo4j" if os.environ.get("KGSYNTH_TEST_NEO4J_URI") else "ArcadeDB"
    assert info["kind"] == expected
    assert info["protocol"].split(".")[0] in {"4", "5", "6"}


@pytest.mark.neo4j
@pytest.mark.skipif(
    not os.environ.get("KGSYNTH_TEST_NEO4J_URI"),
    reason="set KGSYNTH_TEST_NEO4J_URI (+ _PASSWORD) to run the graph tier against a real Neo4j",
)
def test_real_neo4j_is_neo4j_5(graph: GraphRepository) -> None:
    info = graph.server_info()
    assert info["agent"].startswith("Neo4j/5"), info
