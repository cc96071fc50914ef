"""Graph build: write documents, topics, key concepts and their links.

Reads (Document, Extraction) pairs and writes, per batch and in ONE transaction:
``Document``, ``Topic``, ``Concept`` nodes and ``HAS_TOPIC``/``MENTIONS``/``HAS_CONCEPT``
links. New documents are marked ``uncounted``; their ``CO_OCCURS`` counts (docs/method.md,
"Concept graph") are added by the counted stage (:mod:`kgsynth.stages.ingest.counting`), once
per ingest, not per batch.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kgsynth.graph.repository import IngestBatch
from kgsynth.keys import normalize_key, text_hash
from kgsynth.records import Document, Extraction
from kgsynth.stages.ingest.counting import count_cooccurrence

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
    """All rows for one batch (HAS_CONCEPT listings aggregated per pair over the batch)."""
    docs: list[dict[str, Any]] = []
    topic_rows: dict[str, dict[str, str]] = {}
    concept_rows: dict[str, dict[str, str]] = {}
    doc_topics: list[dict[str, str]] = []
    mention_rows: list[dict[str, Any]] = []
    has_concept: Counter[tuple[str, str]] = Counter()
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
        used: dict[str, list[str]] = {}
        for key, raw in mentions:
            used.setdefault(key, []).append(raw)
        mention_rows.extend({"doc": doc.id, "key": k, "keys": raws} for k, raws in used.items())
        has_concept.update(listings)
    return IngestBatch(
        now=datetime.now(UTC).isoformat(timespec="seconds"),
        batch=uuid.uuid4().hex,
        documents=docs,
        topics=list(topic_rows.values()),
        concepts=list(concept_rows.values()),
        document_topics=doc_topics,
        mentions=mention_rows,
        listings=[{"topic": t, "concept": c, "n": n} for (t, c), n in sorted(has_concept.items())],
    )


def write_documents(
    store: GraphRepository, pairs: Sequence[tuple[Document, Extraction]]
) -> IngestBatch:
    """Resolve merged concept names, then write one batch in a single transaction (no counts)."""
    raw_keys = sorted(
        {normalize_key(c) for _, ex in pairs for names in ex.concepts.values() for c in names}
        - {""}
    )
    rows = batch_rows(pairs, store.resolve_aliases(raw_keys))
    store.write_ingest_batch(rows)
    return rows


def write_batch(
    store: GraphRepository, pairs: Sequence[tuple[Document, Extraction]]
) -> IngestBatch:
    """Write one batch and add its co-occurrence counts (small graphs, tests, benchmarks)."""
    rows = write_documents(store, pairs)
    count_cooccurrence(store)
    return rows
