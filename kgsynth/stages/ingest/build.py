"""Graph build: write documents, topics, key concepts and co-occurrence counts.

Reads (Document, Extraction) pairs and writes, per batch and in ONE transaction (so a crash
never leaves a document without its counts, and a re-run never counts it twice):
``Document``, ``Topic``, ``Concept`` nodes, ``HAS_TOPIC``/``MENTIONS``/``HAS_CONCEPT`` links
and ``CO_OCCURS {count}`` edges of the three sub-graphs, where count = number of documents in
which both ends occur (docs/method.md, "Concept graph"). Counts are aggregated in Python per
batch before the write, so a hub concept is merged once per batch, not once per document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import combinations
from typing import TYPE_CHECKING, Any

from kgsynth.graph.repository import IngestBatch
from kgsynth.keys import normalize_key, text_hash
from kgsynth.records import Document, Extraction

if TYPE_CHECKING:
    from kgsynth.graph import GraphRepository


def document_sets(
    extraction: Extraction, aliases: dict[str, str]
) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]], list[tuple[str, str]]]:
    """Topic and concept keys of one document (aliases resolved to their survivors).

    Returns (topic key -> name, concept key -> name, topic/concept listings,
    mentions as (linked key, raw key)).
    """
    topics: dict[str, str] = {}
    concepts: dict[str, str] = {}
    listings: list[tuple[str, str]] = []
    mentions: dict[tuple[str, str], None] = {}
    for topic_name, concept_names in extraction.concepts.items():
        tkey = normalize_key(topic_name)
        if not tkey:
            continue
        topics.setdefault(tkey, topic_name)
        for name in concept_names:
            raw = normalize_key(name)
            if not raw:
                continue
            key = aliases.get(raw, raw)
            concepts.setdefault(key, name)
            listings.append((tkey, key))
            mentions[(key, raw)] = None
    return topics, concepts, sorted(set(listings)), list(mentions)


def batch_rows(
    pairs: Sequence[tuple[Document, Extraction]], aliases: dict[str, str]
) -> IngestBatch:
    """All rows for one batch, with co-occurrence counts aggregated over the batch."""
    docs: list[dict[str, Any]] = []
    topic_rows: dict[str, dict[str, str]] = {}
    concept_rows: dict[str, dict[str, str]] = {}
    doc_topics: list[dict[str, str]] = []
    mention_rows: list[dict[str, str]] = []
    has_concept: Counter[tuple[str, str]] = Counter()
    tt: Counter[tuple[str, str]] = Counter()
    tc: Counter[tuple[str, str]] = Counter()
    cc: Counter[tuple[str, str]] = Counter()
    for doc, ex in pairs:
        topics, concepts, listings, mentions = document_sets(ex, aliases)
        docs.append(
            {
                "id": doc.id, "title": doc.title or doc.id, "text": doc.text,
                "source": doc.source, "text_hash": text_hash(doc.text), "chars": len(doc.text),
                "level": ex.level, "subject": ex.subject, "model": ex.model,
                "prompt": ex.prompt, "prompt_hash": ex.prompt_hash,
            }
        )  # fmt: skip
        for key, name in topics.items():
            topic_rows.setdefault(key, {"key": key, "name": name})
            doc_topics.append({"doc": doc.id, "key": key})
        for key, name in concepts.items():
            concept_rows.setdefault(key, {"key": key, "name": name})
        mention_rows.extend({"doc": doc.id, "key": k, "raw": raw} for k, raw in mentions)
        has_concept.update(listings)
        tkeys, ckeys = sorted(topics), sorted(concepts)
        tt.update(combinations(tkeys, 2))
        tc.update((t, c) for t in tkeys for c in ckeys)
        cc.update(combinations(ckeys, 2))

    def counted(counter: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
        return [{"a": a, "b": b, "n": n} for (a, b), n in sorted(counter.items())]

    return IngestBatch(
        now=datetime.now(UTC).isoformat(timespec="seconds"),
        documents=docs,
        topics=list(topic_rows.values()),
        concepts=list(concept_rows.values()),
        document_topics=doc_topics,
        mentions=mention_rows,
        listings=[{"topic": t, "concept": c, "n": n} for (t, c), n in sorted(has_concept.items())],
        topic_pairs=counted(tt),
        topic_concept_pairs=counted(tc),
        concept_pairs=counted(cc),
    )


def write_batch(
    store: GraphRepository, pairs: Sequence[tuple[Document, Extraction]]
) -> IngestBatch:
    """Resolve merged concept names, then write one batch in a single transaction."""
    raw_keys = sorted(
        {normalize_key(c) for _, ex in pairs for names in ex.concepts.values() for c in names}
        - {""}
    )
    rows = batch_rows(pairs, store.resolve_aliases(raw_keys))
    store.write_ingest_batch(rows)
    return rows
