"""The question levels, one object each: the only place that knows what a level is.

``LEVELS`` maps a level number to its :class:`QuestionLevel`; :func:`parse_levels` is the one
validation of user-given level numbers. Adding a level means adding one subclass and one entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from kgsynth.errors import ConfigError
from kgsynth.llm.base import ChatRequest
from kgsynth.stages.generate.levels.base import QuestionLevel, Source, WorkItem
from kgsynth.stages.generate.levels.concept_sets import Level3, group_set_concepts
from kgsynth.stages.generate.levels.documents import (
    OTHER_TOPIC,
    Level1,
    Level2,
    group_document_concepts,
)
from kgsynth.tables import derive_seed

if TYPE_CHECKING:
    from kgsynth.config import GenerateConfig, Settings
    from kgsynth.graph import GraphRepository
    from kgsynth.prompts import PromptTemplate
    from kgsynth.records import Reject

LEVELS: dict[int, QuestionLevel] = {level.number: level for level in (Level1(), Level2(), Level3())}

__all__ = [
    "LEVELS",
    "OTHER_TOPIC",
    "QuestionLevel",
    "Source",
    "WorkItem",
    "build_items",
    "group_document_concepts",
    "group_set_concepts",
    "parse_levels",
    "question_requests",
]


def parse_levels(numbers: Iterable[int]) -> list[QuestionLevel]:
    """The levels named by ``numbers`` (sorted, each once); an unknown or empty choice fails."""
    wanted = sorted(set(numbers))
    unknown = [n for n in wanted if n not in LEVELS]
    if not wanted or unknown:
        known = ", ".join(str(n) for n in sorted(LEVELS))
        raise ConfigError(f"question levels must be among {known}, got {wanted}")
    return [LEVELS[n] for n in wanted]


def build_items(
    store: GraphRepository, sources: Sequence[Source], template: PromptTemplate, cfg: GenerateConfig
) -> list[WorkItem | Reject]:
    """Work items for one shard of one level, in input order (rejects in place of items)."""
    if not sources:
        return []
    return LEVELS[sources[0].level].build_items(store, sources, template, cfg)


def question_requests(items: Sequence[WorkItem], settings: Settings) -> list[ChatRequest]:
    """One JSON-constrained request per work item. The seed comes from the run seed and the
    input (level, key, occurrence), so it depends neither on the shard size nor on where an
    earlier invocation stopped."""
    llm = settings.llm
    max_new = settings.generate.question_max_new_tokens or llm.max_new_tokens
    return [
        ChatRequest(
            messages=tuple(item.messages),
            json_schema=LEVELS[item.source.level].schema(item.max_questions),
            max_new_tokens=max_new,
            temperature=llm.temperature,
            top_p=llm.top_p,
            seed=derive_seed(
                llm.seed, "question", item.source.level, item.source.key, item.source.occurrence
            ),
        )
        for item in items
    ]
