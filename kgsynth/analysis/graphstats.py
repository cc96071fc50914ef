"""Graph statistics for ``kgsynth report``: degree distributions, connected components,
dead ends of walks, and how coverage of the graph grew run after run.

Degree distributions arrive already aggregated from the database (nodes per degree).
Connected components need the edges: they are read once (as the in-process walk does) and
labelled with ``scipy.sparse.csgraph.connected_components``. Dead ends come from the sample
runs' manifests; coverage over time from their ``concept_sets`` tables (the key concepts of
each set, and the edges between consecutive nodes of each walk path).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from kgsynth.errors import InputError
from kgsynth.graph.repository.statistics import DegreeCount, GraphEdge, GraphNode
from kgsynth.runs import RunFolder

SUBGRAPHS = {
    "topic": {("Topic", "Topic")},
    "topic_concept": {("Topic", "Concept"), ("Concept", "Topic")},
    "concept": {("Concept", "Concept")},
}


def degree_distributions(counts: Sequence[DegreeCount]) -> dict[str, dict[int, int]]:
    """``{sub-graph: {degree: nodes}}`` from the database's per-degree counts."""
    out: dict[str, dict[int, int]] = {name: {} for name in SUBGRAPHS}
    for c in counts:
        out.setdefault(c.graph, {})[c.degree] = c.nodes
    return out


def degree_summary(dist: dict[int, int]) -> dict[str, float]:
    """Nodes, mean and max degree, and the share of nodes with no neighbour."""
    nodes = sum(dist.values())
    if not nodes:
        return {"nodes": 0, "mean_degree": 0.0, "max_degree": 0, "isolated_share": 0.0}
    return {
        "nodes": nodes,
        "mean_degree": sum(d * n for d, n in dist.items()) / nodes,
        "max_degree": max(dist),
        "isolated_share": dist.get(0, 0) / nodes,
    }


def components(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge]) -> dict[str, Any]:
    """Connected components of the whole walk graph and of each sub-graph (over the nodes
    of the kinds it joins): count, largest component's share of nodes, isolated nodes."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    report: dict[str, Any] = {}
    kinds = {"all": {"Topic", "Concept"}, "topic": {"Topic"}, "topic_concept": {"Topic", "Concept"},
             "concept": {"Concept"}}  # fmt: skip
    for name, labels in kinds.items():
        members = [n for n in nodes if n.label in labels]
        index = {n: i for i, n in enumerate(members)}
        pairs = [
            (index[e.a], index[e.b])
            for e in edges
            if e.a in index and e.b in index
            and (name == "all" or (e.a.label, e.b.label) in SUBGRAPHS[name])
        ]  # fmt: skip
        n = len(members)
        if n == 0:
            report[name] = {"nodes": 0, "components": 0, "largest_share": 0.0, "isolated": 0}
            continue
        rows = np.array([p[0] for p in pairs], dtype=np.int64)
        cols = np.array([p[1] for p in pairs], dtype=np.int64)
        matrix = coo_matrix((np.ones(len(pairs)), (rows, cols)), shape=(n, n))
        count, labels_of = connected_components(matrix, directed=False)
        sizes = np.bincount(labels_of)
        degree = np.bincount(np.concatenate([rows, cols]), minlength=n)
        report[name] = {
            "nodes": n,
            "components": int(count),
            "largest_share": float(sizes.max() / n),
            "isolated": int((degree == 0).sum()),
        }
    return report


def dead_ends(runs: Sequence[RunFolder]) -> dict[str, Any]:
    """Walks and dead ends per sample run (from each manifest) and the overall share."""
    per_run: list[dict[str, Any]] = []
    for run in runs:
        manifest = run.path / "manifest.json"
        if not manifest.is_file():
            continue
        counts = json.loads(manifest.read_text(encoding="utf-8")).get("counts", {})
        walks, dead = int(counts.get("walks", 0)), int(counts.get("dead_ends", 0))
        per_run.append({"run_id": run.run_id, "walks": walks, "dead_ends": dead,
                        "share": dead / walks if walks else 0.0})  # fmt: skip
    walks = sum(r["walks"] for r in per_run)
    dead = sum(r["dead_ends"] for r in per_run)
    return {"runs": per_run, "walks": walks, "dead_ends": dead,
            "share": dead / walks if walks else 0.0}  # fmt: skip


def coverage_over_time(
    runs: Sequence[RunFolder], nodes: Sequence[GraphNode], edges: Sequence[GraphEdge]
) -> list[dict[str, Any]]:
    """Cumulative key concepts, topics and edges used by the sample runs, in start order.

    A node is used when a stored concept set includes it; an edge when a walk stepped along
    it (consecutive nodes of ``walk_path``). Totals are today's graph; nodes or edges merged
    away since a run count as used only while they still exist.
    """
    totals: dict[str, int] = defaultdict(int)
    for n in nodes:
        totals[n.label] += 1
    graph_edges = {frozenset((_ref(e.a), _ref(e.b))) for e in edges}
    existing = {label: {n.key for n in nodes if n.label == label} for label in ("Concept", "Topic")}
    used: dict[str, set[Any]] = {"Concept": set(), "Topic": set(), "edges": set()}
    rows = []
    for run in sorted(runs, key=lambda r: r.run_id.split("-", 1)[1]):
        try:
            table = run.read_table("concept_sets")
        except InputError:  # a run without finished shards adds nothing
            continue
        columns = table.select(["concept_keys", "topic_keys", "walk_path"]).to_pydict()
        for keys in columns["concept_keys"]:
            used["Concept"].update(keys or [])
        for keys in columns["topic_keys"]:
            used["Topic"].update(keys or [])
        for path in columns["walk_path"]:
            steps = path or []
            used["edges"].update(frozenset(p) for p in zip(steps, steps[1:], strict=False))
        concepts = len(used["Concept"] & existing["Concept"])
        edges_used = len(used["edges"] & graph_edges)
        rows.append({
            "run_id": run.run_id, "sets": table.num_rows,
            "concepts_used": concepts, "concepts_total": totals["Concept"],
            "concepts_share": concepts / totals["Concept"] if totals["Concept"] else 0.0,
            "topics_used": len(used["Topic"] & existing["Topic"]), "topics_total": totals["Topic"],
            "edges_used": edges_used, "edges_total": len(graph_edges),
            "edges_share": edges_used / len(graph_edges) if graph_edges else 0.0,
        })  # fmt: skip
    return rows


def _ref(node: GraphNode) -> str:
    """A node as ``walk_path`` writes it: ``Label:key``."""
    return f"{node.label}:{node.key}"
