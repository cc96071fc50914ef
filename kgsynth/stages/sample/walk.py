"""The Level-3 random walk (docs/method.md, "Sampling"), one specification with two engines.

A walk starts at a topic, takes ``topic_steps`` steps on the topic sub-graph, one step from the
topic it stands on to a key concept, then ``concept_steps`` steps on the key-concept sub-graph
(defaults 1–2 and 3–4, drawn uniformly per walk). From node ``x`` a step goes to neighbour ``n``
with probability proportional to

    (count(x, n) + epsilon) ** (1 / temperature) * (1 + uses(n)) ** -coverage_bias,

which is the paper's softmax over log(count + epsilon) when temperature = 1 and the bias is 0.
``uses(n)`` is the number of stored ConceptSets that include ``n`` (earlier runs only: a run
stores its sets after all its walks).

Policies:
- Revisits: a step never goes to a node of the same label the walk already visited, unless
  ``allow_revisits`` is set.
- Dead ends (no neighbour left): recorded on the walk (``dead_end``). With ``end_phase`` (the
  default) the current phase ends early and the walk goes on with the next phase from the node
  it stands on; a dead end on the topic→concept step or among key concepts ends the walk, since
  no phase follows. With ``end_walk`` any dead end ends the walk.

Reproducibility: every random number comes from numpy, seeded from ``(seed, epoch)``: a
permutation of the key-ordered topic list (the order in which the epoch's walks run, so a capped
run is a random subset of starts, not the alphabetically first), the step counts and one
uniform per step slot of each walk. A step picks, among the neighbours in key order, the first
whose cumulative weight reaches ``u * total``. So the same seed on the same graph gives the same
walks on ArcadeDB, on Neo4j and in the numpy CSR engine, whatever the batch size (keys
compare as strings alike in all three for text in Unicode's Basic Multilingual Plane; the
weights are summed left to right in key order in all three).

Engines: :class:`CypherStepper` advances a whole batch of walks by one step per query (so a
batch costs ``topic_steps_max + 1 + concept_steps_max`` round trips); :class:`CsrStepper` does
the same in process over a CSR export of the graph (the benchmark's reference, and a check that
the Cypher walk does what the specification says).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol

import numpy as np

from kgsynth.config import SampleConfig

if TYPE_CHECKING:
    from kgsynth.graph import GraphRepository

Phase = Literal["topic", "topic_concept", "concept"]

#: The phases of a walk, in the order a walk goes through them.
PHASES: tuple[Phase, ...] = ("topic", "topic_concept", "concept")


class Node(NamedTuple):
    """A topic or key concept as the walk sees it: its key and display name."""

    key: str
    name: str


class StepRequest(NamedTuple):
    """One walk that wants to take a step: where it stands, its draw, where it may not go."""

    key: str
    u: float
    visited: tuple[str, ...]


class Stepper(Protocol):
    """Takes one step for many walks; ``None`` for a walk at a dead end."""

    def step(self, phase: Phase, requests: Sequence[StepRequest]) -> list[Node | None]: ...


@dataclass
class Walk:
    """One finished walk: the topics then the key concepts it visited, in order."""

    epoch: int
    start: Node
    topics: list[Node] = field(default_factory=list)
    concepts: list[Node] = field(default_factory=list)
    dead_end: bool = False

    @property
    def path(self) -> list[str]:
        """The visit order as ``"Topic:key"`` / ``"Concept:key"`` strings."""
        return [f"Topic:{n.key}" for n in self.topics] + [f"Concept:{n.key}" for n in self.concepts]


@dataclass(frozen=True)
class EpochDraws:
    """All random numbers of one epoch, row ``j`` for the ``j``-th walk the epoch runs.

    ``order[j]`` is the index (in the key-ordered topic list) of that walk's start topic; ``u``
    has one column per step slot: topic steps, then the topic→concept step, then concept steps.
    """

    order: np.ndarray
    topic_steps: np.ndarray
    concept_steps: np.ndarray
    u: np.ndarray


def epoch_draws(cfg: SampleConfig, epoch: int, n_topics: int) -> EpochDraws:
    """The draws of ``epoch``, from a generator seeded with ``(cfg.seed, epoch)``."""
    rng = np.random.default_rng([cfg.seed, epoch])
    order = rng.permutation(n_topics)
    topic_steps = rng.integers(cfg.topic_steps_min, cfg.topic_steps_max + 1, size=n_topics)
    concept_steps = rng.integers(cfg.concept_steps_min, cfg.concept_steps_max + 1, size=n_topics)
    u = rng.random((n_topics, cfg.topic_steps_max + 1 + cfg.concept_steps_max))
    return EpochDraws(order, topic_steps, concept_steps, u)


def run_walks(
    stepper: Stepper,
    cfg: SampleConfig,
    epoch: int,
    starts: Sequence[Node],
    topic_steps: Sequence[int] | np.ndarray,
    concept_steps: Sequence[int] | np.ndarray,
    u: np.ndarray,
) -> list[Walk]:
    """Walk from every start at once; one stepper call per step slot (not per walk).

    ``topic_steps[i]``, ``concept_steps[i]`` and the row ``u[i]`` are walk ``i``'s draws.
    """
    walks = [Walk(epoch, s, topics=[s]) for s in starts]
    ended = [False] * len(walks)  # no further step of any phase
    t_max = cfg.topic_steps_max

    def visited(nodes: list[Node]) -> tuple[str, ...]:
        return () if cfg.allow_revisits else tuple(n.key for n in nodes)

    def advance(phase: Phase, slot: int, who: list[int]) -> list[int]:
        """Step the walks ``who``; returns those that hit a dead end."""
        if not who:
            return []
        own = (lambda w: w.topics) if phase == "topic" else (lambda w: w.concepts)
        current = (lambda w: w.topics[-1]) if phase != "concept" else (lambda w: w.concepts[-1])
        requests = [
            StepRequest(current(walks[i]).key, float(u[i, slot]), visited(own(walks[i])))
            for i in who
        ]
        stuck = []
        for i, nxt in zip(who, stepper.step(phase, requests), strict=True):
            if nxt is None:
                walks[i].dead_end = True
                stuck.append(i)
            elif phase == "topic":
                walks[i].topics.append(nxt)
            else:
                walks[i].concepts.append(nxt)
        return stuck

    topic_phase_over = [False] * len(walks)
    for s in range(t_max):
        who = [i for i in range(len(walks)) if not topic_phase_over[i] and topic_steps[i] > s]
        for i in advance("topic", s, who):
            topic_phase_over[i] = True
            ended[i] = cfg.dead_end == "end_walk"
    for i in advance("topic_concept", t_max, [i for i in range(len(walks)) if not ended[i]]):
        ended[i] = True
    for s in range(cfg.concept_steps_max):
        who = [i for i in range(len(walks)) if not ended[i] and concept_steps[i] > s]
        for i in advance("concept", t_max + 1 + s, who):
            ended[i] = True
    return walks


class CypherStepper:
    """Steps through the graph's ``walk_*_step`` queries: one query per step slot.

    The query groups the walks by the node they stand on, so walks that meet at a hub share
    one expansion of its neighbours.
    """

    def __init__(self, store: GraphRepository, cfg: SampleConfig) -> None:
        self.store = store
        self.params: dict[str, Any] = {
            "epsilon": cfg.epsilon,
            "temperature": cfg.temperature,
            "coverage_bias": cfg.coverage_bias,
        }

    def step(self, phase: Phase, requests: Sequence[StepRequest]) -> list[Node | None]:
        walks = [
            {"i": i, "key": r.key, "u": r.u, "visited": list(r.visited)}
            for i, r in enumerate(requests)
        ]
        out: list[Node | None] = [None] * len(requests)
        for stepped in self.store.walk_step(phase, walks, self.params):
            out[stepped.walk] = Node(stepped.key, stepped.name)
        return out


@dataclass(frozen=True)
class _Csr:
    """Neighbours of each source node in key order, with their step weights."""

    indptr: np.ndarray
    targets: np.ndarray  # indices into the target label's node list
    weights: np.ndarray
    cumsum: np.ndarray  # per-source running sums, for steps with nothing to exclude


class CsrStepper:
    """The same steps in process, over the graph exported once into CSR arrays.

    Weights are computed exactly as the Cypher queries compute them and summed in the same
    (key) order, so for the same draws both engines pick the same neighbours.
    """

    def __init__(
        self,
        nodes: Sequence[dict[str, Any]],
        edges: Sequence[dict[str, Any]],
        cfg: SampleConfig,
    ) -> None:
        """``nodes``/``edges`` are the rows of ``walk_export_nodes`` / ``walk_export_edges``."""
        by_label: dict[str, list[dict[str, Any]]] = {"Topic": [], "Concept": []}
        for row in nodes:
            by_label[row["label"]].append(row)
        self.nodes: dict[str, list[Node]] = {}
        self.index: dict[str, dict[str, int]] = {}
        factor: dict[str, np.ndarray] = {}
        for label, rows in by_label.items():
            rows.sort(key=lambda r: r["key"])
            self.nodes[label] = [Node(r["key"], r["name"]) for r in rows]
            self.index[label] = {r["key"]: i for i, r in enumerate(rows)}
            uses = np.array([r["uses"] for r in rows], dtype=np.float64)
            factor[label] = (
                np.ones(len(rows))
                if cfg.coverage_bias == 0
                else np.power(1.0 + uses, -cfg.coverage_bias)
            )
        pairs: dict[Phase, tuple[list[int], list[int], list[int]]] = {
            p: ([], [], []) for p in PHASES
        }
        for e in edges:
            kind = (e["a_label"], e["b_label"])
            if e["a_key"] not in self.index[kind[0]] or e["b_key"] not in self.index[kind[1]]:
                continue  # an end outside the walkable nodes (e.g. a merged alias)
            a, b = self.index[kind[0]][e["a_key"]], self.index[kind[1]][e["b_key"]]
            if kind == ("Topic", "Topic"):
                _add(pairs["topic"], a, b, e["count"], both=True)
            elif kind == ("Concept", "Concept"):
                _add(pairs["concept"], a, b, e["count"], both=True)
            elif kind == ("Topic", "Concept"):
                _add(pairs["topic_concept"], a, b, e["count"], both=False)
            else:
                _add(pairs["topic_concept"], b, a, e["count"], both=False)
        labels: dict[Phase, tuple[str, str]] = {
            "topic": ("Topic", "Topic"),
            "topic_concept": ("Topic", "Concept"),
            "concept": ("Concept", "Concept"),
        }
        self.labels = labels
        self.csr: dict[Phase, _Csr] = {}
        for phase, (src, dst, cnt) in pairs.items():
            s_label, t_label = labels[phase]
            self.csr[phase] = _build_csr(
                np.array(src, dtype=np.int64),
                np.array(dst, dtype=np.int64),
                np.array(cnt, dtype=np.float64),
                len(self.nodes[s_label]),
                factor[t_label],
                cfg,
            )

    @classmethod
    def from_store(cls, store: GraphRepository, cfg: SampleConfig) -> CsrStepper:
        """Export the graph once (two queries) and build the CSR arrays."""
        return cls(store.walk_export_nodes(), store.walk_export_edges(), cfg)

    def step(self, phase: Phase, requests: Sequence[StepRequest]) -> list[Node | None]:
        s_label, t_label = self.labels[phase]
        csr, index, targets = self.csr[phase], self.index[s_label], self.nodes[t_label]
        t_index = self.index[t_label]
        out: list[Node | None] = []
        for r in requests:
            src = index.get(r.key)
            lo, hi = (0, 0) if src is None else (int(csr.indptr[src]), int(csr.indptr[src + 1]))
            if hi == lo:
                out.append(None)
                continue
            nbrs = csr.targets[lo:hi]
            # Visited nodes among the neighbours (sorted by index, so a binary search finds them).
            gone = np.array([t_index[k] for k in r.visited if k in t_index], dtype=np.int64)
            at = np.searchsorted(nbrs, gone)
            at = at[(at < len(nbrs)) & (nbrs[np.minimum(at, len(nbrs) - 1)] == gone)]
            if len(at) == len(nbrs):
                out.append(None)
                continue
            if len(at):
                keep = np.ones(len(nbrs), dtype=bool)
                keep[at] = False
                left = np.flatnonzero(keep)
                running = np.cumsum(csr.weights[lo:hi][left])
                j = int(left[np.searchsorted(running, r.u * running[-1], side="left")])
            else:
                running = csr.cumsum[lo:hi]
                j = int(np.searchsorted(running, r.u * running[-1], side="left"))
            out.append(targets[int(nbrs[j])])
        return out


def _add(
    lists: tuple[list[int], list[int], list[int]], a: int, b: int, count: int, both: bool
) -> None:
    src, dst, cnt = lists
    src.append(a)
    dst.append(b)
    cnt.append(count)
    if both:
        src.append(b)
        dst.append(a)
        cnt.append(count)


def _build_csr(
    src: np.ndarray,
    dst: np.ndarray,
    count: np.ndarray,
    n_sources: int,
    target_factor: np.ndarray,
    cfg: SampleConfig,
) -> _Csr:
    """CSR with targets in key (= index) order per source and the Cypher queries' weights."""
    order = np.lexsort((dst, src))
    src, dst, count = src[order], dst[order], count[order]
    weights = np.power(count + cfg.epsilon, 1.0 / cfg.temperature) * target_factor[dst]
    indptr = np.zeros(n_sources + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    indptr = np.cumsum(indptr)
    # Running sums restart at each source; np.cumsum over a segment adds left to right, the
    # order the Cypher reduce uses, so the totals agree bit for bit.
    cumsum = np.empty_like(weights)
    for s in np.flatnonzero(np.diff(indptr)):
        lo, hi = indptr[s], indptr[s + 1]
        cumsum[lo:hi] = np.cumsum(weights[lo:hi])
    return _Csr(indptr, dst, weights, cumsum)
