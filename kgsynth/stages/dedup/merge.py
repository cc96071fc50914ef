"""Writing merges (with keep-apart decisions respected), listing and undoing them.

A merge writes, per batch in one transaction (``merge_concepts`` then
``recompute_concept_cooccurrence``): ``ALIAS_OF {score, link_score, threshold, merged_at, rule,
decided_by, reason, topic_keys, topic_counts}`` from each alias to its survivor, the alias's
MENTIONS and HAS_CONCEPT moved to the survivor, and the survivor's CO_OCCURS edges recounted
from documents (a document that mentions both spellings counts once). :func:`undo_merge`
reverses one merge exactly and records the pair as kept apart, so no later run (``--rebuild``
included) merges it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kgsynth.embed.cluster import Candidate, plan_merges
from kgsynth.errors import KgsynthError
from kgsynth.keys import normalize_key

if TYPE_CHECKING:
    from kgsynth.config import Settings
    from kgsynth.graph import GraphRepository

log = logging.getLogger(__name__)

READ_CHUNK = 5000  # keys per list_merge_candidates call
Progress = Callable[[str, int, int], None]


class MergeNotFoundError(KgsynthError):
    """An undo named a concept that is not merged into another one."""

    exit_code = 2


@dataclass(frozen=True)
class Link:
    """One pair to merge: keys, cosine, and why (verifier rule / reviewer, reason)."""

    a: str
    b: str
    score: float
    rule: str
    decided_by: str
    reason: str | None = None


@dataclass(frozen=True)
class UndoReport:
    """What undoing one merge gave back."""

    alias: str
    survivor: str
    mentions: int  # MENTIONS edges restored to the alias
    listings: int  # HAS_CONCEPT edges restored to the alias


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def clusters_apart(
    links: Iterable[Link], apart: set[frozenset[str]]
) -> tuple[list[list[str]], int]:
    """Connected components of ``links`` (best score first) that never join two concepts
    kept apart: a link that would is refused. Returns (clusters, refused links)."""
    parent: dict[str, str] = {}
    members: dict[str, list[str]] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        members.setdefault(x, [x])
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    refused = 0
    for link in sorted(links, key=lambda k: (-k.score, k.a, k.b)):
        ra, rb = find(link.a), find(link.b)
        if ra == rb:
            continue
        if any(frozenset((x, y)) in apart for x in members[ra] for y in members[rb]):
            refused += 1
            continue
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        members[ra] += members.pop(rb)
    clusters = sorted(sorted(m) for m in members.values() if len(m) > 1)
    return clusters, refused


def write_merges(
    store: GraphRepository,
    links: Sequence[Link],
    apart: set[frozenset[str]],
    threshold: float,
    batch_size: int,
    progress: Progress | None = None,
    dequeue: Sequence[str] = (),
    cosine: Callable[[str, str], float] | None = None,
) -> dict[str, str]:
    """Merge the clusters the links make (survivor rule: embed.cluster.survivor_rank) and
    take the review-queue ids ``dequeue`` out of the queue; returns alias -> survivor for the
    merges written. A merge's score is the alias/survivor cosine: the pair's, or ``cosine``'s
    when they were not a candidate pair themselves (else the alias's best link score)."""
    clusters, refused = clusters_apart(links, apart)
    if refused:
        log.info("%d links refused: they would join concepts kept apart", refused)
    members = [k for c in clusters for k in c]
    candidates: dict[str, Candidate] = {}
    for start in range(0, len(members), READ_CHUNK):
        candidates.update(
            (c.key, c) for c in store.merge_candidates(members[start : start + READ_CHUNK])
        )
    plan = plan_merges(clusters, candidates)
    best: dict[str, Link] = {}
    for link in links:
        for key in (link.a, link.b):
            if key not in best or link.score > best[key].score:
                best[key] = link
    direct = {frozenset((k.a, k.b)): k.score for k in links}
    merged_at = now()
    rows = []
    for alias, survivor in sorted(plan, key=lambda m: (m[1], m[0])):  # a cluster stays together
        why = best[alias]
        rows.append(
            {
                "alias": alias, "survivor": survivor,
                "score": _score(direct, alias, survivor, cosine, why.score),
                "link_score": why.score, "threshold": threshold, "merged_at": merged_at,
                "rule": why.rule, "decided_by": why.decided_by, "reason": why.reason,
            }
        )  # fmt: skip
    merged: dict[str, str] = {}
    batches = _batches_by_survivor(rows, batch_size)
    for i, batch in enumerate(batches):
        survivors = sorted({r["survivor"] for r in batch})
        last = i + 1 == len(batches)  # the queue is emptied with the last batch written
        done = store.merge_concepts(batch, survivors, dequeue if last else ()).merged
        if len(done) != len(batch):
            log.warning("%d of %d planned merges were skipped", len(batch) - len(done), len(batch))
        merged.update((r["alias"], r["survivor"]) for r in done)
        if progress is not None:
            progress("merge", len(merged), len(rows))
    return merged


def _score(
    direct: dict[frozenset[str], float],
    alias: str,
    survivor: str,
    cosine: Callable[[str, str], float] | None,
    fallback: float,
) -> float:
    pair = frozenset((alias, survivor))
    if pair in direct:
        return direct[pair]
    return round(cosine(alias, survivor), 6) if cosine is not None else fallback


def _batches_by_survivor(rows: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    """Rows in batches of about ``size``, never splitting one survivor's merges."""
    batches: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        current.append(row)
        last_of_survivor = i + 1 == len(rows) or rows[i + 1]["survivor"] != row["survivor"]
        if len(current) >= size and last_of_survivor:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches


def keep_apart_row(
    a: str, b: str, decided_by: str, reason: str | None, score: float | None
) -> dict[str, Any]:
    """A keep_apart.cypher row for one pair (keys in order)."""
    lo, hi = sorted((a, b))
    return {"a": lo, "b": hi, "score": score, "decided_by": decided_by, "reason": reason,
            "decided_at": now()}  # fmt: skip


# -- listing and undo ----------------------------------------------------------------------
def list_merges(store: GraphRepository) -> list[dict[str, Any]]:
    """Every merge record: alias, alias_name, survivor, survivor_name, score, link_score,
    threshold, merged_at, rule, reason, decided_by (oldest first)."""
    return store.list_merges()


def concept_links(store: GraphRepository, keys: Sequence[str]) -> list[dict[str, Any]]:
    """What a merge moves, per concept: key, name, merged_into, mentions ({doc, keys}, by
    document) and listings ({topic, count}, by topic), for reviewing a merge."""
    rows = store.concept_links([normalize_key(k) for k in keys])
    for row in rows:
        row["mentions"] = sorted(row["mentions"], key=lambda m: m["doc"])
        row["listings"] = sorted(row["listings"], key=lambda t: t["topic"])
    return rows


def undo_merge(store: GraphRepository, settings: Settings, alias_key: str) -> UndoReport:
    """Reverse the merge of ``alias_key`` (a key or a display name) into its survivor.

    The alias gets back its MENTIONS (the documents whose survivor edge lists its key) and
    the HAS_CONCEPT counts recorded at merge time; both concepts' CO_OCCURS edges are
    recounted; the pair is recorded as KEEP_APART (decided_by "undo"), so neither an
    incremental run nor ``--rebuild`` merges it again; the alias returns to the index.
    """
    key = normalize_key(alias_key)
    survivor = store.resolve_aliases([key]).get(key)
    if survivor is None:
        raise MergeNotFoundError(
            f"'{alias_key}' is not a concept merged into another one; "
            "list the merges to see which can be undone"
        )
    row = keep_apart_row(key, survivor, "undo", "the merge was undone", None)
    undone = store.undo_merge(key, survivor, row)
    if undone is None:
        raise MergeNotFoundError(f"'{alias_key}' was no longer merged into '{survivor}'")
    _reindex(store, settings, key, undone.alias_name)
    return UndoReport(key, survivor, undone.mentions, undone.listings)


def _reindex(store: GraphRepository, settings: Settings, key: str, name: str) -> None:
    """Put an un-merged concept back into the saved index (when there is one)."""
    from kgsynth.embed.encoder import Encoder
    from kgsynth.embed.index import ConceptIndex, index_dir

    graph_id = store.ensure_graph_id()
    encoder = Encoder(settings.dedup)
    index = ConceptIndex.load(index_dir(settings.home, graph_id), graph_id, encoder.model_name)
    if index is None or key in index:
        return
    index.add([key], encoder.encode([name]))
    index.save()
