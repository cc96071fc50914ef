"""The three question levels: what each reads from the graph and how its prompt is filled.

The levels are described in docs/method.md, "Question levels":

- Level-1: one document's text → questions it asks plus questions it inspires.
- Level-2: one document's text and its extracted topics and key concepts →
  questions that each combine 2-3 of those concepts.
- Level-3: one sampled concept set (a row of the sample run's
  ``concept_sets`` table), its concepts grouped under its topics, and the texts of its
  reference documents → questions that combine concepts across topics.

Each input becomes one :class:`WorkItem`: the rendered request plus the provenance its
question rows carry. Inputs that cannot make a prompt (a document missing from the graph, a
Level-2 document without concepts) come back as :class:`Reject`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kgsynth.llm.base import ChatRequest
from kgsynth.records import Reject
from kgsynth.stages.generate.questions import SCHOOL_LEVELS, question_schema
from kgsynth.tables import derive_seed

if TYPE_CHECKING:
    from kgsynth.config import GenerateConfig, Settings
    from kgsynth.graph import GraphStore
    from kgsynth.prompts import PromptTemplate

OTHER_TOPIC = "Other concepts"
"""The heading for concepts that belong to none of the prompt's topics."""

TEMPLATES = {1: "level1_question", 2: "level2_question", 3: "level3_question"}

SET_COLUMNS = (
    "run_id",
    "set_hash",
    "topics",
    "topic_keys",
    "concepts",
    "concept_keys",
    "walk_path",
    "reference_doc_ids",
)
"""The ``concept_sets`` columns Level-3 reads (the table has more)."""


@dataclass(frozen=True)
class Source:
    """One input of a level: a document id (Levels 1-2) or a concept-set row (Level-3).

    ``occurrence`` counts earlier inputs with the same key in the run, so repeated concept
    sets get distinct question ids.
    """

    level: int
    key: str  # document id or set hash
    occurrence: int = 0
    row: dict[str, Any] | None = None  # the concept_sets row (Level-3)


@dataclass(frozen=True)
class WorkItem:
    """One question-writing call: its messages and the provenance of the rows it yields."""

    source: Source
    messages: list[dict[str, str]]
    max_questions: int
    concepts: tuple[str, ...]
    topics: tuple[str, ...]
    reference_doc_ids: tuple[str, ...]
    walk_path: tuple[str, ...] = ()
    set_hash: str | None = None
    source_doc_id: str | None = None
    sample_run_id: str | None = None


def build_items(
    store: GraphStore, sources: Sequence[Source], template: PromptTemplate, cfg: GenerateConfig
) -> list[WorkItem | Reject]:
    """Work items for one shard of one level, in input order (rejects in place of items)."""
    if not sources:
        return []
    if sources[0].level == 3:
        return _set_items(store, sources, template, cfg)
    return _document_items(store, sources, template, cfg)


def question_requests(items: Sequence[WorkItem], settings: Settings) -> list[ChatRequest]:
    """One JSON-constrained request per work item. The seed comes from the run seed and the
    input (level, key, occurrence), so it depends neither on the shard size nor on where an
    earlier invocation stopped."""
    llm = settings.llm
    max_new = settings.generate.question_max_new_tokens or llm.max_new_tokens
    return [
        ChatRequest(
            messages=tuple(item.messages),
            json_schema=question_schema(item.source.level, item.max_questions),
            max_new_tokens=max_new,
            temperature=llm.temperature,
            top_p=llm.top_p,
            seed=derive_seed(
                llm.seed, "question", item.source.level, item.source.key, item.source.occurrence
            ),
        )
        for item in items
    ]


# -- Levels 1 and 2 ---------------------------------------------------------------------------
def _document_items(
    store: GraphStore, sources: Sequence[Source], template: PromptTemplate, cfg: GenerateConfig
) -> list[WorkItem | Reject]:
    ids = [s.key for s in sources]
    texts = {r["id"]: r["text"] or "" for r in store.read("document_texts", ids=ids)}
    concepts = {r["id"]: r for r in store.read("document_concepts", ids=ids)}
    out: list[WorkItem | Reject] = []
    for s in sources:
        if s.key not in texts:
            out.append(Reject("generate", s.key, "document not found in the graph"))
            continue
        grouped = group_document_concepts(concepts.get(s.key))
        if s.level == 2 and not grouped:
            out.append(Reject("generate", s.key, "no extracted concepts (Level-2 needs them)"))
            continue
        text = texts[s.key][: cfg.document_chars]
        n = cfg.questions_per_document
        if s.level == 1:
            messages = template.render(
                text=text, max_questions=n, school_levels=list(SCHOOL_LEVELS)
            )
        else:
            messages = template.render(text=text, concepts=grouped, max_questions=n)
        topic_names = [r["name"] for r in _topic_rows(concepts.get(s.key))]
        out.append(
            WorkItem(
                source=s,
                messages=messages,
                max_questions=n,
                concepts=tuple(name for names in grouped.values() for name in names),
                topics=tuple(topic_names),
                reference_doc_ids=(s.key,),
                source_doc_id=s.key,
            )
        )
    return out


def _topic_rows(row: dict[str, Any] | None) -> list[dict[str, Any]]:
    topics = [t for t in (row or {}).get("topics", []) if t and t.get("key")]
    return sorted(topics, key=lambda t: t["key"])


def group_document_concepts(row: dict[str, Any] | None) -> dict[str, list[str]]:
    """A ``document_concepts`` row as topic name -> concept names (topics and concepts in
    key order; a concept listed under several topics appears under the first; concepts under
    none go to :data:`OTHER_TOPIC`)."""
    if row is None:
        return {}
    topic_names = {t["key"]: t["name"] for t in _topic_rows(row)}
    concepts = sorted(
        (c for c in row.get("concepts", []) if c and c.get("key")),
        key=lambda c: (c["key"], c.get("topic") is None, c.get("topic") or ""),
    )
    placed: dict[str, str] = {}  # concept key -> topic name
    names: dict[str, str] = {}
    for c in concepts:
        names[c["key"]] = c["name"]
        topic = topic_names.get(c.get("topic") or "")
        if c["key"] not in placed or placed[c["key"]] == OTHER_TOPIC:
            placed[c["key"]] = topic or OTHER_TOPIC
    grouped: dict[str, list[str]] = {name: [] for name in topic_names.values()}
    grouped[OTHER_TOPIC] = []
    for key in sorted(placed):
        grouped[placed[key]].append(names[key])
    return {t: cs for t, cs in grouped.items() if cs}


# -- Level 3 ----------------------------------------------------------------------------------
def _set_items(
    store: GraphStore, sources: Sequence[Source], template: PromptTemplate, cfg: GenerateConfig
) -> list[WorkItem | Reject]:
    rows = [s.row or {} for s in sources]
    ref_ids = sorted({d for r in rows for d in r.get("reference_doc_ids") or []})
    texts = {r["id"]: r["text"] or "" for r in store.read("document_texts", ids=ref_ids)}
    pairs = sorted(
        {
            (t, c)
            for r in rows
            for t in r.get("topic_keys") or []
            for c in r.get("concept_keys") or []
        }
    )
    found = store.read("concept_topic_links", pairs=[{"topic": t, "concept": c} for t, c in pairs])
    links = {(r["topic"], r["concept"]): (r["listed"], r["cooccurs"]) for r in found}
    out: list[WorkItem | Reject] = []
    for s, row in zip(sources, rows, strict=True):
        grouped = group_set_concepts(row, links)
        if not grouped:
            out.append(Reject("generate", s.key, "concept set has no concepts"))
            continue
        refs = [d for d in row.get("reference_doc_ids") or [] if d in texts]
        messages = template.render(
            concepts=grouped,
            references=[texts[d][: cfg.reference_chars] for d in refs],
            num_questions=cfg.questions_per_set,
        )
        out.append(
            WorkItem(
                source=s,
                messages=messages,
                max_questions=cfg.questions_per_set,
                concepts=tuple(row.get("concepts") or ()),
                topics=tuple(row.get("topics") or ()),
                reference_doc_ids=tuple(row.get("reference_doc_ids") or ()),
                walk_path=tuple(row.get("walk_path") or ()),
                set_hash=s.key,
                sample_run_id=row.get("run_id"),
            )
        )
    return out


def group_set_concepts(
    row: dict[str, Any], links: dict[tuple[str, str], tuple[int, int]]
) -> dict[str, list[str]]:
    """A concept set's concepts under its topics (display names, walk order kept).

    Each concept goes to the set topic it was most often listed under (HAS_CONCEPT count),
    then the one it co-occurs with most; ties go to the topic sampled first. A concept tied
    to none of the set's topics goes to :data:`OTHER_TOPIC`.
    """
    topic_keys = list(row.get("topic_keys") or [])
    topic_names = _names(row.get("topics"), topic_keys)
    concept_keys = list(row.get("concept_keys") or [])
    concept_names = _names(row.get("concepts"), concept_keys)
    grouped: dict[str, list[str]] = {name: [] for name in topic_names}
    grouped[OTHER_TOPIC] = []
    for ckey, cname in zip(concept_keys, concept_names, strict=True):
        best, best_score = OTHER_TOPIC, (0, 0)
        for tkey, tname in zip(topic_keys, topic_names, strict=True):
            score = links.get((tkey, ckey), (0, 0))
            if score > best_score:
                best, best_score = tname, score
        grouped[best].append(cname)
    return {t: cs for t, cs in grouped.items() if cs}


def _names(names: Any, keys: list[str]) -> list[str]:
    """Display names aligned with keys (the keys themselves when the lists do not align)."""
    names = list(names or [])
    return names if len(names) == len(keys) else list(keys)
