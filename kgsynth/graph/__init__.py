"""The only package that talks to the graph database (neo4j driver, Bolt)."""

from kgsynth.graph.connect import open_graph
from kgsynth.graph.repository import GraphRepository

__all__ = ["GraphRepository", "open_graph"]
