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
whose cumulative weight (visited neighbours left out) reaches ``u * total``. So the same seed
on the same graph gives the same walks on ArcadeDB, on Neo4j and in an in-process numpy walk
over the same arrays, whatever the batch size.

Engine: :class:`kgsynth.stages.sample.arrays.ArrayStepper` advances a whole batch of walks by
one step per query on neighbour arrays stored in the graph (a batch costs
``topic_steps_max + 1 + concept_steps_max`` round trips). Only topics and key concepts
mentioned by at least ``min_documents`` documents are walked onto.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Protocol

import numpy as np

from kgsynth.config import SampleConfig

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
