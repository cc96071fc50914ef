"""The only package that talks to the graph database (neo4j driver, Bolt)."""

from kgsynth.graph.store import GraphStore, open_graph

__all__ = ["GraphStore", "open_graph"]
