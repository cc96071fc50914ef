"""Levels 1 and 2: questions from one document (docs/method.md, "Question levels").

- Level 1: one document's text → questions it asks plus questions it inspires, each tagged
  original/new with a school level; the model may decline an unsuitable document.
- Level 2: one document's text and its extracted topics and key concepts → questions that
  each combine 2-3 of those concepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from kgsynth.records import Reject
from kgsynth.stages.generate.levels.base import QuestionLevel, Source, WorkItem
from kgsynth.stages.generate.questions import SCHOOL_LEVELS

if TYPE_CHECKING:
    from kgsynth.config import GenerateConfig
    from kgsynth.graph import GraphRepository
    from kgsynth.prompts import PromptTemplate

OTHER_TOPIC = "Other concepts"
"""The heading for concepts that belong to none of the prompt's topics."""


class DocumentLevel(QuestionLevel):
    """A level whose input is one document of the graph and its extracted concepts."""

    inputs: ClassVar[Literal["documents", "concept_sets"]] = "documents"
    needs_concepts: ClassVar[bool] = False  # reject documents without extracted concepts

    def render(
        self, template: PromptTemplate, text: str, concepts: dict[str, list[str]], n: int
    ) -> list[dict[str, str]]:
        """The prompt messages for one document."""
        return template.render(text=text, concepts=concepts, max_questions=n)

    def build_items(
        self,
        store: GraphRepository,
        sources: Sequence[Source],
        template: PromptTemplate,
        cfg: GenerateConfig,
    ) -> list[WorkItem | Reject]:
        ids = [s.key for s in sources]
        texts = store.document_texts(ids)
        concepts = store.document_concepts(ids)
        out: list[WorkItem | Reject] = []
        n = self.max_questions(cfg)
        for s in sources:
            if s.key not in texts:
                out.append(Reject("generate", s.key, "document not found in the graph"))
                continue
            grouped = group_document_concepts(concepts.get(s.key))
            if self.needs_concepts and not grouped:
                out.append(
                    Reject(
                        "generate",
                        s.key,
                        f"no extracted concepts (Level-{self.number} needs them)",
                    )
                )
                continue
            text = texts[s.key][: cfg.document_chars]
            out.append(
                WorkItem(
                    source=s,
                    messages=self.render(template, text, grouped, n),
                    max_questions=n,
                    concepts=tuple(name for names in grouped.values() for name in names),
                    topics=tuple(r["name"] for r in _topic_rows(concepts.get(s.key))),
                    reference_doc_ids=(s.key,),
                    source_doc_id=s.key,
                )
            )
        return out


class Level1(DocumentLevel):
    """Questions taken from a document plus questions it inspires (the paper's Fig. 8)."""

    number = 1
    template = "level1_question"
    may_decline = True
    tags_questions = True
    selects_concepts = False

    def render(
        self, template: PromptTemplate, text: str, concepts: dict[str, list[str]], n: int
    ) -> list[dict[str, str]]:
        return template.render(text=text, max_questions=n, school_levels=list(SCHOOL_LEVELS))


class Level2(DocumentLevel):
    """Questions that combine 2-3 of a document's key concepts (the paper's Fig. 9)."""

    number = 2
    template = "level2_question"
    needs_concepts = True


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
