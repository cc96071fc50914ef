"""The in-process numpy walk: the reference the stored-array Cypher walk must equal.

Built from the graph's export (walkable nodes and counted edges) independently of
kgsynth.stages.sample.arrays, it applies the specification of kgsynth.stages.sample.walk with
the same arithmetic as cypher/walk_step.cypher: per node, neighbours in key order, running
sums of the weights; visited neighbours are left out by subtracting their weights from the
total and shifting the target past them; the pick is the first neighbour whose running sum
reaches the (shifted) target.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kgsynth.config import SampleConfig
from kgsynth.graph.repository.walk_arrays import CountedEdge, WalkableNode
from kgsynth.stages.sample.walk import Node, Phase, StepRequest


class NumpyWalk:
    """A Stepper over plain numpy arrays (one per node and phase)."""

    def __init__(
        self, nodes: Sequence[WalkableNode], edges: Sequence[CountedEdge], cfg: SampleConfig
    ) -> None:
        keep = {
            (n.label, n.key): n
            for n in nodes
            if cfg.min_documents <= 1 or n.documents >= cfg.min_documents
        }
        self.names = {k: n.name for k, n in keep.items()}
        self.starts = sorted(Node(k, n.name) for (label, k), n in keep.items() if label == "Topic")
        lists: dict[Phase, dict[str, list[tuple[str, int]]]] = {
            "topic": {}, "topic_concept": {}, "concept": {},
        }  # fmt: skip
        for e in edges:
            a, b = (e.a_label, e.a_key), (e.b_label, e.b_key)
            if a not in keep or b not in keep:
                continue
            if e.a_label != e.b_label:
                t, c = (a, b) if e.a_label == "Topic" else (b, a)
                lists["topic_concept"].setdefault(t[1], []).append((c[1], e.count))
            else:
                phase: Phase = "topic" if e.a_label == "Topic" else "concept"
                lists[phase].setdefault(e.a_key, []).append((e.b_key, e.count))
                lists[phase].setdefault(e.b_key, []).append((e.a_key, e.count))
        self.arrays: dict[Phase, dict[str, tuple[list[str], np.ndarray]]] = {}
        for phase, by_node in lists.items():
            target = "Topic" if phase == "topic" else "Concept"
            self.arrays[phase] = {}
            for key, nbrs in by_node.items():
                nbrs.sort()
                uses = np.array([keep[(target, k)].uses for k, _ in nbrs], dtype=np.float64)
                counts = np.array([n for _, n in nbrs], dtype=np.float64)
                factor = np.power(1.0 + uses, -cfg.coverage_bias) if cfg.coverage_bias else 1.0
                weights = np.power(counts + cfg.epsilon, 1.0 / cfg.temperature) * factor
                self.arrays[phase][key] = ([k for k, _ in nbrs], np.cumsum(weights))
        self.labels = {"topic": "Topic", "topic_concept": "Concept", "concept": "Concept"}

    def step(self, phase: Phase, requests: Sequence[StepRequest]) -> list[Node | None]:
        out: list[Node | None] = []
        label = self.labels[phase]
        for r in requests:
            if r.key not in self.arrays[phase]:
                out.append(None)
                continue
            keys, cw = self.arrays[phase][r.key]
            j = pick(keys, cw, r.u, r.visited)
            out.append(None if j is None else Node(keys[j], self.names[(label, keys[j])]))
        return out


def pick(keys: list[str], cw: np.ndarray, u: float, visited: Sequence[str]) -> int | None:
    """The neighbour index a step with draw ``u`` takes, visited keys left out."""
    n = len(keys)
    position = {k: i for i, k in enumerate(keys)}
    ex = sorted(position[k] for k in set(visited) if k in position)
    if len(ex) == n:
        return None
    xw = [float(cw[p]) - (float(cw[p - 1]) if p > 0 else 0.0) for p in ex]
    left = 0.0
    for x in xw:
        left += x
    t = u * (float(cw[n - 1]) - left)
    for p, x in zip(ex, xw, strict=True):
        if p > 0 and float(cw[p - 1]) >= t:
            break
        t += x
    lo = int(np.searchsorted(cw, t, side="left"))
    ahead = [k for k in range(lo, min(lo + len(ex), n - 1) + 1) if k not in ex]
    return ahead[0] if ahead else [k for k in range(n) if k not in ex][-1]
