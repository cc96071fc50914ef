"""Walk arrays: per node and phase, the neighbours and cumulative step weights, stored in the
graph (on their own ``WalkNode`` nodes) so a walk step is a binary search, not an expansion.

Ids: the walkable nodes (topics and key concepts mentioned by at least ``min_documents``
documents; merged aliases left out) get ids 0..N-1, topics first, each label in key order.
The arrays of node ``x`` for phase ``p`` live on the WalkNode with id ``base(p) + x`` (bases 0,
N, 2N for the topic, topic→concept and concept phases): ``nb`` the neighbour ids ascending
(= key order), ``cw`` the running sums of the step weights

    (count + epsilon) ** (1 / temperature) * (1 + uses(target)) ** -coverage_bias

(``np.cumsum`` per node, left to right). The walk step is ``cypher/walk_step.cypher``.

Signature: the arrays depend on the counts' version (raised by every count and every recount
after a merge or its undo), the number of merges, the walk settings (epsilon, temperature,
coverage bias, min_documents), the stored ConceptSets when the coverage bias is on, and the
walkable node list. :func:`ensure_walk_arrays` compares the stored signature with the current
one and rebuilds on any difference, so stale arrays are never used; an interrupted build
leaves no signature and is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kgsynth.config import SampleConfig
from kgsynth.stages.sample.walk import PHASES, Node, Phase, StepRequest

if TYPE_CHECKING:
    from kgsynth.graph import GraphRepository as GraphStore
    from kgsynth.graph.repository.walk_arrays import CountedEdge, WalkableNode, WalkArrayFacts

log = logging.getLogger(__name__)

FORMAT = 1
#: Array entries (neighbours) per write transaction, and rows at most.
WRITE_ENTRIES = 200_000
WRITE_ROWS = 5_000
DELETE_BATCH = 20_000

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class WalkIndex:
    """The walkable nodes by id, and the signature of the arrays built over them."""

    nodes: list[Node]  # by id: topics, then key concepts, each in key order
    n_topics: int
    uses: np.ndarray  # by id
    signature: str

    def __post_init__(self) -> None:
        ids = {("Topic" if i < self.n_topics else "Concept", n.key): i
               for i, n in enumerate(self.nodes)}  # fmt: skip
        object.__setattr__(self, "_ids", ids)

    def id_of(self, label: str, key: str) -> int | None:
        return self._ids.get((label, key))  # type: ignore[attr-defined]

    @property
    def topics(self) -> list[Node]:
        return self.nodes[: self.n_topics]

    def array_id(self, phase: Phase, node: int) -> int:
        return PHASES.index(phase) * len(self.nodes) + node


def walkable(nodes: list[WalkableNode], min_documents: int) -> list[WalkableNode]:
    """Nodes a walk may visit, topics first, each label in key order (min_documents 1: all)."""
    kept = [n for n in nodes if min_documents <= 1 or n.documents >= min_documents]
    return sorted(kept, key=lambda n: (n.label != "Topic", n.key))


def signature(facts: WalkArrayFacts, cfg: SampleConfig, nodes: list[WalkableNode]) -> str:
    digest = hashlib.sha256()
    for n in nodes:
        digest.update(f"{n.label}\t{n.key}\n".encode())
    return json.dumps(
        {
            "format": FORMAT,
            "graph_version": facts.graph_version,
            "merges": facts.merges,
            "sets": facts.sets if cfg.coverage_bias else None,
            "epsilon": cfg.epsilon,
            "temperature": cfg.temperature,
            "coverage_bias": cfg.coverage_bias,
            "min_documents": cfg.min_documents,
            "nodes": digest.hexdigest()[:16],
        },
        sort_keys=True,
    )


def array_rows(index: WalkIndex, edges: list[CountedEdge], cfg: SampleConfig) -> Iterator[dict]:
    """{id, nb, cw} for every node and phase that has a neighbour."""
    src: dict[Phase, list[int]] = {p: [] for p in PHASES}
    dst: dict[Phase, list[int]] = {p: [] for p in PHASES}
    cnt: dict[Phase, list[int]] = {p: [] for p in PHASES}
    for e in edges:
        a, b = index.id_of(e.a_label, e.a_key), index.id_of(e.b_label, e.b_key)
        if a is None or b is None:
            continue  # an end below min_documents, or a merged alias
        if e.a_label != e.b_label:
            if e.a_label == "Concept":
                a, b = b, a
            src["topic_concept"].append(a)
            dst["topic_concept"].append(b)
            cnt["topic_concept"].append(e.count)
            continue
        phase: Phase = "topic" if e.a_label == "Topic" else "concept"
        src[phase] += [a, b]
        dst[phase] += [b, a]
        cnt[phase] += [e.count, e.count]
    factor = (
        np.power(1.0 + index.uses, -cfg.coverage_bias)
        if cfg.coverage_bias
        else np.ones(len(index.nodes))
    )
    for phase in PHASES:
        s = np.array(src[phase], dtype=np.int64)
        d = np.array(dst[phase], dtype=np.int64)
        c = np.array(cnt[phase], dtype=np.float64)
        if not len(s):
            continue
        order = np.lexsort((d, s))
        s, d, c = s[order], d[order], c[order]
        weights = np.power(c + cfg.epsilon, 1.0 / cfg.temperature) * factor[d]
        starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
        ends = np.r_[starts[1:], len(s)]
        for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
            yield {
                "id": index.array_id(phase, int(s[lo])),
                "nb": d[lo:hi].tolist(),
                "cw": np.cumsum(weights[lo:hi]).tolist(),
            }


def ensure_walk_arrays(
    store: GraphStore, cfg: SampleConfig, on_progress: Progress | None = None
) -> WalkIndex:
    """The walk index; the stored arrays are rebuilt first when their signature is stale."""
    from kgsynth.stages.ingest.counting import count_cooccurrence

    facts = store.walk_array_facts()
    if facts.pending:
        log.info("counting co-occurrence of %d documents first", facts.pending)
        count_cooccurrence(store)
        facts = store.walk_array_facts()
    nodes = walkable(store.walkable_nodes(), cfg.min_documents)
    index = WalkIndex(
        [Node(n.key, n.name) for n in nodes],
        sum(n.label == "Topic" for n in nodes),
        np.array([n.uses for n in nodes], dtype=np.float64),
        signature(facts, cfg, nodes),
    )
    if facts.signature == index.signature:
        return index
    began = time.perf_counter()
    log.info("walk arrays are stale or missing; rebuilding (%s)", index.signature)
    store.set_walk_arrays_signature(None, None)
    for _ in store.delete_walk_arrays(DELETE_BATCH):
        pass
    batch: list[dict] = []
    entries = written = 0
    for row in array_rows(index, store.counted_edges(), cfg):
        batch.append(row)
        entries += len(row["nb"])
        if entries >= WRITE_ENTRIES or len(batch) >= WRITE_ROWS:
            written += store.write_walk_arrays(batch)
            batch, entries = [], 0
            if on_progress:
                on_progress("walk arrays", written, written)
    if batch:
        written += store.write_walk_arrays(batch)
    store.set_walk_arrays_signature(index.signature, written)
    log.info("walk arrays: %d written in %.1f s", written, time.perf_counter() - began)
    return index


class ArrayStepper:
    """Steps a batch of walks with one ``walk_step`` query per step slot (see module text)."""

    def __init__(self, store: GraphStore, index: WalkIndex) -> None:
        self.store = store
        self.index = index

    def step(self, phase: Phase, requests: Sequence[StepRequest]) -> list[Node | None]:
        src_label = "Concept" if phase == "concept" else "Topic"
        dst_label = "Topic" if phase == "topic" else "Concept"
        walks = []
        for i, r in enumerate(requests):
            node = self.index.id_of(src_label, r.key)
            if node is None:
                continue
            gone = (self.index.id_of(dst_label, k) for k in r.visited)
            walks.append(
                {
                    "i": i,
                    "node": self.index.array_id(phase, node),
                    "u": r.u,
                    "visited": sorted(g for g in gone if g is not None),
                }
            )
        picks = self.store.walk_step(walks) if walks else {}
        return [self.index.nodes[picks[i]] if i in picks else None for i in range(len(requests))]
