"""The graph views of ``kgsynth explore``: which saved query each runs, and how it is weighed.

Each view runs one saved query from ``cypher/explore/`` (the same text a Neo4j Browser user
pastes) through the graph repository and keeps the nodes and relationships it returned, bounded
by ``limit`` so that a graph of 200k concepts still renders in seconds; the view's notes say
how many were left out.
"""

from __future__ import annotations

import difflib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgsynth.errors import InputError
from kgsynth.keys import normalize_key

if TYPE_CHECKING:
    from kgsynth.graph import GraphRepository
    from kgsynth.graph.elements import GraphResult

VIEWS = ("concept", "question", "topics", "coverage", "merges")
UNUSED_COLOUR = "#e8615a"
USED_COLOURS = ("#9ecae1", "#4292c6", "#08519c")  # light to dark: used by few to many sets


@dataclass(frozen=True)
class View:
    """A bounded subgraph to draw: what the query returned plus how to show it."""

    name: str
    title: str
    graph: GraphResult
    notes: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)  # node id -> size weight
    colours: dict[str, str] = field(default_factory=dict)  # node id -> colour (else by label)
    legend: dict[str, str] = field(default_factory=dict)  # extra legend entries


def require_graph(repo: GraphRepository) -> None:
    """Fail with what to run first when the graph holds no documents."""
    if repo.graph_counts().documents == 0:
        raise InputError(
            "the graph is empty: run 'kgsynth ingest DOCS' (or 'kgsynth demo') first, "
            "then explore it"
        )


def concept_view(repo: GraphRepository, name: str, limit: int) -> View:
    """A concept, its strongest co-occurring topics and concepts, and documents mentioning it."""
    key = normalize_key(name)
    graph = repo.concept_graph(key, limit=limit, documents=max(5, limit // 3))
    if not graph.rows:
        raise InputError(f"no concept {name!r} in the graph; {_suggest_concepts(repo, key)}")
    row = graph.rows[0]
    weights = _node_weights(graph, by_count=True)
    centre = next((n.id for n in graph.nodes if n.properties.get("key") == key), None)
    if centre is not None:
        weights[centre] = max(weights.values(), default=1)
    shown_n, shown_d = len(row["neighbours"]), len(row["documents"])
    notes = [
        f"{shown_n} of {row['neighbour_total']} co-occurring topics and concepts "
        f"({row['neighbour_total'] - shown_n} left out), {shown_d} of "
        f"{row['document_total']} documents mentioning it ({row['document_total'] - shown_d} "
        "left out). Edge labels: documents in which both occur."
    ]
    concept = next((n for n in graph.nodes if n.id == centre), None)
    title = f"Concept: {concept.properties.get('name') if concept else name}"
    return View("concept", title, graph, notes, weights)


def question_view(
    repo: GraphRepository, runs_dir: Path, question_id: str, run_id: str | None, limit: int
) -> View:
    """One generated question traced back to its concept set, walk, topics, concepts and
    reference documents (Level 3), or to its source document (Levels 1-2)."""
    row = find_question(runs_dir, question_id, run_id)
    if row.get("set_hash"):
        graph = repo.concept_set_graph(row["set_hash"])
        if not graph.rows:
            raise InputError(
                f"question {question_id}: its concept set {row['set_hash']} is not in the graph"
            )
        where = f"concept set {row['set_hash']}, walk {' → '.join(row.get('walk_path') or [])}"
    else:
        graph = repo.document_graph(row["source_doc_id"], limit=limit)
        if not graph.rows:
            raise InputError(
                f"question {question_id}: its document {row['source_doc_id']} is not in the graph"
            )
        where = f"source document {row['source_doc_id']}"
    notes = [f"Level {row['level']} question: {row['question']}", f"From {where}."]
    weights = _node_weights(graph, by_count=False)
    return View("question", f"Question {question_id}", graph, notes, weights)


def topics_view(repo: GraphRepository, limit: int) -> View:
    """The most connected topics and the heaviest co-occurrence edges among them."""
    graph = repo.topic_graph(limit=limit, edges=limit * 5)
    total = repo.graph_counts().topics
    notes = [
        f"{len(graph.nodes)} of {total} topics ({total - len(graph.nodes)} left out), the most "
        f"connected first; {len(graph.relationships)} co-occurrence edges among them."
    ]
    return View("topics", "Topic map", graph, notes, _node_weights(graph, by_count=True))


def coverage_view(repo: GraphRepository, limit: int) -> View:
    """The most documented concepts, coloured by how many sampled concept sets used them."""
    graph = repo.coverage_graph(limit=limit, edges=limit * 4)
    usage = {u["key"]: u for row in graph.rows for u in row.get("usage") or []}
    most = max((u["uses"] for u in usage.values()), default=0) or 1
    colours, weights = {}, {}
    for node in graph.nodes:
        u = usage.get(node.properties.get("key"), {"uses": 0, "documents": 0})
        weights[node.id] = float(u["documents"])
        if u["uses"] == 0:
            colours[node.id] = UNUSED_COLOUR
        else:
            step = min(len(USED_COLOURS) - 1, int(math.log1p(u["uses"]) / math.log1p(most) * 3))
            colours[node.id] = USED_COLOURS[step]
    unused = sum(1 for c in colours.values() if c == UNUSED_COLOUR)
    total = repo.graph_counts().concepts
    notes = [
        f"{len(graph.nodes)} of {total} concepts, the most documented first "
        f"({total - len(graph.nodes)} left out); {unused} of them used by no concept set yet "
        "(red). Blue: darker = used by more sets. Size: documents mentioning the concept."
    ]
    legend = {"not used yet": UNUSED_COLOUR, "used by concept sets": USED_COLOURS[-1]}
    return View("coverage", "Coverage of the concept graph", graph, notes, weights, colours, legend)


def merges_view(repo: GraphRepository, limit: int) -> View:
    """Merged near-duplicate concepts (alias → survivor) with their similarity scores."""
    graph = repo.merge_graph(limit=limit)
    total = graph.rows[0]["merge_total"] if graph.rows else 0
    shown = len(graph.relationships)
    notes = [f"{shown} of {total} merges ({total - shown} left out), highest similarity first."]
    return View("merges", "Merged concepts", graph, notes, _node_weights(graph, by_count=False))


def find_question(runs_dir: Path, question_id: str, run_id: str | None) -> dict[str, Any]:
    """The qa row of ``question_id`` in a generate run (the newest unless ``run_id``)."""
    import pyarrow.compute as pc

    from kgsynth.runs import find_run
    from kgsynth.tables import QA_TABLE

    table = find_run(runs_dir, "generate", run_id).read_table(QA_TABLE)
    hits = table.filter(pc.equal(table.column("question_id"), question_id))
    if hits.num_rows:
        return dict(hits.slice(0, 1).to_pylist()[0])
    ids = table.column("question_id").to_pylist()
    close = difflib.get_close_matches(question_id, ids, n=3, cutoff=0.3) or ids[:3]
    hint = f"closest: {', '.join(close)}" if close else "that run has no questions"
    raise InputError(f"no question {question_id!r} in {runs_dir}; {hint}")


def _suggest_concepts(repo: GraphRepository, key: str) -> str:
    words = [w for w in key.replace("-", " ").split() if len(w) >= 3] or [key[:3]]
    found = repo.find_concepts(words, limit=200)
    close = difflib.get_close_matches(key, [c.key for c in found], n=5, cutoff=0.3)
    if not close:
        close = [c.key for c in repo.busiest_concepts(limit=5)]
        return f"try one of the most mentioned: {', '.join(close)}" if close else "none found"
    return f"closest: {', '.join(close)}"


def _node_weights(graph: GraphResult, by_count: bool) -> dict[str, float]:
    """Per node: the summed ``count`` of its edges (``by_count``; an edge without one counts
    1), or its degree in the shown graph."""
    weights: defaultdict[str, float] = defaultdict(float)
    for r in graph.relationships:
        weight = float(r.properties.get("count") or 1) if by_count else 1.0
        weights[r.start] += weight
        weights[r.end] += weight
    return dict(weights)
