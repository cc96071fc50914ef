"""Coverage of the concept graph by sampled concept sets (``kgsynth stats --coverage``).

A topic or key concept is *touched* when a stored ConceptSet of the scope includes it; an edge
is touched when a walk of the scope traversed it, i.e. it joins two consecutive members of a
set in walk order (``INCLUDES.pos``). The scope is one run (``run_id``) or all runs (None).
Shares are touched / total, with totals from the whole graph (merged concept aliases left out,
as in ``graph_counts``). With ``sample.coverage_bias`` > 0, later runs steer towards the nodes
this report shows as least used.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kgsynth.graph import GraphRepository

#: The parts reported: graph_counts names the same columns for the totals.
_PARTS = ("topics", "concepts", "topic_edges", "topic_concept_edges", "concept_edges")


def coverage(store: GraphRepository, run_id: str | None = None) -> dict[str, Any]:
    """Touched / total / share of topics, concepts and each edge type, plus all edges together.

    Returns ``{"run_id", "sets", "topics": {"touched", "total", "share"}, "concepts": ...,
    "topic_edges": ..., "topic_concept_edges": ..., "concept_edges": ..., "edges": ...}``;
    a share is 0.0 when its total is 0.
    """
    nodes = store.node_coverage(run_id)
    totals = store.graph_counts().as_dict()
    touched = {**dataclasses.asdict(nodes), **dataclasses.asdict(store.edge_coverage(run_id))}
    report: dict[str, Any] = {"run_id": run_id, "sets": nodes.sets}
    for part in _PARTS:
        report[part] = _share(touched[part], totals[part])
    edge_parts = ("topic_edges", "topic_concept_edges", "concept_edges")
    report["edges"] = _share(
        sum(report[p]["touched"] for p in edge_parts), sum(report[p]["total"] for p in edge_parts)
    )
    return report


def _share(touched: int, total: int) -> dict[str, Any]:
    return {"touched": touched, "total": total, "share": touched / total if total else 0.0}
