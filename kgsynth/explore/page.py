"""Render a :class:`~kgsynth.explore.views.View` as one self-contained HTML page (neo4j-viz).

Nodes are coloured by label and sized by the view's weight (degree, count or usage); edges
carry their type and count and are drawn wider for larger counts; every node shows its
properties on hover, long texts cut. The page needs no network: neo4j-viz inlines its
JavaScript. User text reaches the page only as JSON data or escaped HTML.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from kgsynth.explore.views import View
from kgsynth.graph.elements import GraphNode, GraphRelationship

LABEL_COLOURS = {
    "Topic": "#f79767",
    "Concept": "#57c7e3",
    "Document": "#8dcc93",
    "ConceptSet": "#c990c0",
    "Run": "#d9c8ae",
}
"""Node colour per label (the legend shows them); other labels get grey."""
OTHER_COLOUR = "#a5abb6"
MAX_PROPERTY_CHARS = 200
MAX_CAPTION_CHARS = 40


def caption(node: GraphNode) -> str:
    """The text drawn on a node: its name, title, id or hash, cut to a readable length."""
    p = node.properties
    text = str(p.get("name") or p.get("title") or p.get("id") or p.get("hash") or node.label)
    return text if len(text) <= MAX_CAPTION_CHARS else text[: MAX_CAPTION_CHARS - 1] + "…"


def _cut(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_PROPERTY_CHARS:
        return value[: MAX_PROPERTY_CHARS - 1] + "…"
    if isinstance(value, list):
        return [_cut(v) for v in value[:20]]
    return value


def render_page(view: View) -> str:
    """The page's HTML text."""
    from neo4j_viz import Node, Relationship, VisualizationGraph

    top = max((view.weights or {}).values(), default=0) or 1
    nodes = [Node(**_node_fields(view, n, top)) for n in view.graph.nodes]
    relationships = [Relationship(**_relationship_fields(r)) for r in view.graph.relationships]
    graph = VisualizationGraph(nodes=nodes, relationships=relationships)
    present = {n.label for n in view.graph.nodes}
    legend: dict[Any, Any] = {
        label: colour for label, colour in LABEL_COLOURS.items() if label in present
    }
    legend.update(view.legend)
    graph.set_legend(nodes=legend)
    page = str(graph.render(height="85vh").data)
    return _with_header(page, view)


def _node_fields(view: View, n: GraphNode, top: float) -> dict[str, Any]:
    return {
        "id": n.id,
        "caption": caption(n),
        "size": 10 + 30 * math.sqrt((view.weights or {}).get(n.id, 0) / top),
        "color": view.colours.get(n.id) or LABEL_COLOURS.get(n.label, OTHER_COLOUR),
        "properties": {"label": n.label, **{k: _cut(v) for k, v in n.properties.items()}},
    }


def _relationship_fields(r: GraphRelationship) -> dict[str, Any]:
    return {
        "id": r.id,
        "source": r.start,
        "target": r.end,
        "caption": _edge_caption(r.type, r.properties),
        "width": 1 + math.log1p(float(r.properties.get("count") or 0)),
        "properties": {"type": r.type, **{k: _cut(v) for k, v in r.properties.items()}},
    }


def _edge_caption(kind: str, props: dict[str, Any]) -> str:
    for name in ("count", "score", "rank"):
        if props.get(name) is not None:
            value = props[name]
            shown = f"{value:.3f}" if isinstance(value, float) and name == "score" else value
            return f"{kind} {name}={shown}"
    return kind


def _with_header(page: str, view: View) -> str:
    lines = [f"<h2 style='margin:4px 0'>{html.escape(view.title)}</h2>"]
    lines += [f"<div>{html.escape(line)}</div>" for line in view.notes]
    header = (
        "<header id='kgsynth-explore' style='font-family:sans-serif;font-size:14px;"
        "padding:6px 10px'>" + "".join(lines) + "</header>"
    )
    marker = "<body>"
    at = page.find(marker)
    if at < 0:
        return header + page
    at += len(marker)
    return page[:at] + header + page[at:]


def write_page(view: View, path: Path) -> Path:
    """Write the page to ``path`` (folders created) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_page(view), encoding="utf-8")
    return path
