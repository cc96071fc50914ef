"""Nodes and relationships as a query returned them, for pages that draw the graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class GraphNode:
    """One node: its database element id, labels and properties."""

    id: str
    labels: tuple[str, ...]
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.labels[0] if self.labels else "Node"


@dataclass(frozen=True)
class GraphRelationship:
    """One relationship: its element id, type, the ids of its two ends and its properties."""

    id: str
    type: str
    start: str
    end: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphResult:
    """What a graph query returned: its rows (scalars as values; nodes, relationships and lists
    of them as element ids) and every node and relationship that occurred in them."""

    rows: list[dict[str, Any]]
    nodes: list[GraphNode]
    relationships: list[GraphRelationship]
