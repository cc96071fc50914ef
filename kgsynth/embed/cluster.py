"""Pure clustering of near-duplicate names: union-find, components, the survivor rule.

Nothing here touches a model, an index or the graph, so the results can be checked by hand
and do not depend on input order: a cluster is a connected component of the "cosine >=
threshold" pairs (transitively: a~b and b~c put a, b and c together even when a and c score
lower), and each cluster keeps exactly one survivor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class UnionFind:
    """Disjoint sets over 0..n-1 (union by size, path halving)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        """Join the sets of a and b; False when they were already one set."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return True


def clusters_from_pairs(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of size >= 2 of the graph on 0..n-1 with edges ``pairs``.

    Canonical output (the same for any order of ``pairs`` or within a pair): members
    ascending, clusters ordered by their smallest member.
    """
    uf = UnionFind(n)
    touched: set[int] = set()
    for a, b in pairs:
        if a != b:
            uf.union(a, b)
            touched.add(a)
            touched.add(b)
    groups: dict[int, list[int]] = {}
    for x in sorted(touched):
        groups.setdefault(uf.find(x), []).append(x)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


@dataclass(frozen=True)
class Candidate:
    """A concept as the survivor rule sees it."""

    key: str
    name: str  # display name
    docs: int  # number of documents that mention it


def survivor_rank(c: Candidate) -> tuple[int, int, str]:
    """Sort key of the survivor rule; the smallest wins.

    1. the concept mentioned by the most documents (the established spelling),
    2. then the shorter display name (fewer decorations such as a plural or a trailing dot),
    3. then the smaller key (keys are unique, so the choice is always total).
    """
    return (-c.docs, len(c.name), c.key)


def choose_survivor(members: Sequence[Candidate]) -> Candidate:
    """The one member of a cluster that the others are merged into."""
    if not members:
        raise ValueError("a cluster has at least one member")
    return min(members, key=survivor_rank)


def plan_merges(
    clusters: Iterable[Sequence[str]], candidates: dict[str, Candidate]
) -> list[tuple[str, str]]:
    """(alias key, survivor key) for every non-survivor member, sorted.

    Members missing from ``candidates`` (deleted or merged since the search) are skipped; a
    cluster left with one member plans nothing.
    """
    merges: list[tuple[str, str]] = []
    for keys in clusters:
        members = [candidates[k] for k in dict.fromkeys(keys) if k in candidates]
        if len(members) < 2:
            continue
        survivor = choose_survivor(members).key
        merges.extend((m.key, survivor) for m in members if m.key != survivor)
    return sorted(merges)
