"""Concept-level decontamination on the sample side (``kgsynth sample --avoid-benchmarks``).

A benchmark item stored by ``kgsynth benchmark add`` carries the keys of the key concepts it
uses. A concept set is *avoided* (never emitted) when it contains at least ``share`` of an
item's concepts (default 1.0: all of them), rounded up, and at least ``min_concepts`` of them
(default 2, so an item that uses one concept does not ban that concept everywhere). Topics
are not counted: they are broad (one topic covers whole benchmark sections).
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kgsynth.errors import ConfigError

if TYPE_CHECKING:
    from kgsynth.graph import GraphRepository
    from kgsynth.graph.repository import BenchmarkItemKeys


@dataclass(frozen=True)
class AvoidHit:
    """The benchmark item a concept set would have reproduced."""

    key: str
    shared: int  # concepts of the item in the set
    needed: int


class BenchmarkAvoider:
    """``blocks(concept_keys)``: the item a set covers, or None. Counts what it blocked."""

    def __init__(
        self, items: Sequence[BenchmarkItemKeys], share: float = 1.0, min_concepts: int = 2
    ) -> None:
        if not 0 < share <= 1:
            raise ConfigError(f"benchmark avoidance share must be in (0, 1], got {share}")
        self.share, self.min_concepts = share, min_concepts
        self._needed: dict[str, int] = {}
        self._items_of: dict[str, list[str]] = defaultdict(list)
        for item in items:
            keys = list(dict.fromkeys(item.concept_keys))
            needed = max(math.ceil(share * len(keys) - 1e-9), min_concepts)
            if len(keys) < needed:
                continue  # too few concepts to ever be avoided on purpose
            self._needed[item.key] = needed
            for k in keys:
                self._items_of[k].append(item.key)
        self.avoided = 0
        self.by_item: dict[str, int] = defaultdict(int)

    @property
    def items(self) -> int:
        """Items that can block a set."""
        return len(self._needed)

    def blocks(self, concept_keys: Iterable[str]) -> AvoidHit | None:
        """The item this concept set covers (and count it as avoided), or None."""
        shared: dict[str, int] = defaultdict(int)
        for key in set(concept_keys):
            for item in self._items_of.get(key, ()):
                shared[item] += 1
        for item, n in sorted(shared.items()):
            if n >= self._needed[item]:
                self.avoided += 1
                self.by_item[item] += 1
                return AvoidHit(item, n, self._needed[item])
        return None


def load_avoider(graph: GraphRepository, share: float = 1.0) -> BenchmarkAvoider:
    """An avoider for every stored benchmark item, its concept keys resolved through concept
    merges made since it was added."""
    items = graph.benchmark_items()
    aliases = graph.resolve_aliases(sorted({k for i in items for k in i.concept_keys}))
    resolved = [
        dataclasses.replace(i, concept_keys=tuple(aliases.get(k, k) for k in i.concept_keys))
        for i in items
    ]
    return BenchmarkAvoider(resolved, share)
