"""What every question level is: its template, its inputs, its reply schema and parser.

A level is one :class:`QuestionLevel` object (see ``LEVELS`` in this package). Planning,
generation, dry-run estimates and validation all ask the level object, never a level number, so
a new level is one new subclass registered in ``LEVELS``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from kgsynth.stages.generate.questions import ParseResult, parse_questions, question_schema

if TYPE_CHECKING:
    from kgsynth.config import GenerateConfig
    from kgsynth.graph import GraphRepository
    from kgsynth.prompts import PromptTemplate
    from kgsynth.records import Reject


@dataclass(frozen=True)
class Source:
    """One input of a level: a document id (document levels) or a concept-set row.

    ``occurrence`` counts earlier inputs with the same key in the run, so repeated concept
    sets get distinct question ids.
    """

    level: int
    key: str  # document id or set hash
    occurrence: int = 0
    row: dict[str, Any] | None = None  # the concept_sets row (concept-set levels)


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


class QuestionLevel(ABC):
    """One question level (docs/method.md, "Question levels").

    ``inputs`` says what the level reads: every document of the graph, or the rows of a sample
    run's ``concept_sets`` table. The reply flags shape its JSON schema and parser:
    ``may_decline`` (the model may judge the input unsuitable instead of writing questions),
    ``tags_questions`` (each question carries originality and school-level tags) and
    ``selects_concepts`` (each question names the 2-3 concepts it combines).
    """

    number: ClassVar[int]
    template: ClassVar[str]
    inputs: ClassVar[Literal["documents", "concept_sets"]]
    may_decline: ClassVar[bool] = False
    tags_questions: ClassVar[bool] = False
    selects_concepts: ClassVar[bool] = True

    def schema(self, max_questions: int) -> dict[str, Any]:
        """The JSON schema of this level's reply, allowing 1 to ``max_questions`` questions."""
        return question_schema(
            max_questions,
            may_decline=self.may_decline,
            tags_questions=self.tags_questions,
            selects_concepts=self.selects_concepts,
        )

    def parse(self, text: str, max_questions: int) -> ParseResult:
        """Read a reply of this level (JSON, or the paper's ``<Qi>`` blocks)."""
        return parse_questions(
            text, max_questions, may_decline=self.may_decline, tags_questions=self.tags_questions
        )

    def max_questions(self, cfg: GenerateConfig) -> int:
        """Questions asked per input."""
        return (
            cfg.questions_per_set if self.inputs == "concept_sets" else cfg.questions_per_document
        )

    @abstractmethod
    def build_items(
        self,
        store: GraphRepository,
        sources: Sequence[Source],
        template: PromptTemplate,
        cfg: GenerateConfig,
    ) -> list[WorkItem | Reject]:
        """Work items for one shard, in input order (rejects in place of items)."""
