"""``kgsynth benchmark add``: the topics and key concepts of benchmark items, into the graph.

An item's concepts are taken as given when its row has them (``concepts``: a list of names
or a ``{topic: [concepts]}`` object; ``topics``: a list of names), else extracted from its
question with the ingest extraction stage (:func:`kgsynth.stages.ingest.extract.extract`,
the ``extract`` prompt and the configured backend). Names become keys exactly as ingest
makes them (:func:`kgsynth.keys.normalize_key`), so they meet the graph's concepts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgsynth.graph.repository import BenchmarkItemKeys
from kgsynth.keys import normalize_key
from kgsynth.records import Document, Extraction, Reject
from kgsynth.stages.curate.benchfiles import BenchmarkItem

if TYPE_CHECKING:
    from kgsynth.config import Settings
    from kgsynth.graph import GraphRepository
    from kgsynth.llm.base import LLMBackend


@dataclass
class AddReport:
    items: int = 0
    given: int = 0
    extracted: int = 0
    links: int = 0  # USES links to concepts already in the graph
    rejects: list[Reject] = field(default_factory=list)


def given_keys(extra: dict[str, Any] | None) -> tuple[list[str], list[str]] | None:
    """(concept keys, topic keys) from a row's own ``concepts``/``topics``, or None."""
    extra = extra or {}
    concepts, topics = extra.get("concepts"), extra.get("topics")
    if concepts is None and topics is None:
        return None
    names: list[str] = []
    topic_names: list[str] = list(topics) if isinstance(topics, list) else []
    if isinstance(concepts, dict):
        topic_names += list(concepts)
        names = [c for values in concepts.values() for c in values or ()]
    elif isinstance(concepts, list):
        names = list(concepts)
    return _keys(names), _keys(topic_names)


def _keys(names: Iterable[object]) -> list[str]:
    return [k for k in dict.fromkeys(normalize_key(str(n)) for n in names) if k]


def add_benchmark(
    graph: GraphRepository,
    items: list[BenchmarkItem],
    settings: Settings,
    backend_factory: Callable[[], LLMBackend],
    batch: int = 500,
) -> AddReport:
    """Store ``items`` with their concepts (given or extracted); the backend loads only when
    some item needs extraction."""
    report = AddReport()
    ready: list[BenchmarkItemKeys] = []
    pending: dict[str, BenchmarkItem] = {}
    for item in items:
        keys = given_keys(item.extra)
        if keys is None:
            pending[f"{item.benchmark}#{item.item}"] = item
            continue
        report.given += 1
        concepts, topics = keys
        ready.append(
            BenchmarkItemKeys(item.benchmark, item.item, tuple(concepts), item.text, tuple(topics))
        )
    if pending:
        from kgsynth.stages.ingest.extract import extract

        docs = [Document(key, i.text, key, f"{i.benchmark}:{i.row}") for key, i in pending.items()]
        with backend_factory() as backend:
            for record in extract(docs, backend, settings.extract, settings.llm):
                if isinstance(record, Reject):
                    report.rejects.append(record)
                    continue
                ready.append(_from_extraction(pending[record.doc_id], record))
                report.extracted += 1
    for start in range(0, len(ready), batch):
        written, links = graph.add_benchmark_items(_resolved(graph, ready[start : start + batch]))
        report.items += written
        report.links += links
    return report


def _resolved(graph: GraphRepository, items: list[BenchmarkItemKeys]) -> list[BenchmarkItemKeys]:
    """Items with concept keys that were merged into a survivor replaced by the survivor."""
    aliases = graph.resolve_aliases(sorted({k for i in items for k in i.concept_keys}))
    return [
        dataclasses.replace(
            i, concept_keys=tuple(dict.fromkeys(aliases.get(k, k) for k in i.concept_keys))
        )
        for i in items
    ]


def _from_extraction(item: BenchmarkItem, ex: Extraction) -> BenchmarkItemKeys:
    concepts = _keys(c for names in ex.concepts.values() for c in names)
    topics = _keys(ex.concepts)
    return BenchmarkItemKeys(item.benchmark, item.item, tuple(concepts), item.text, tuple(topics))
