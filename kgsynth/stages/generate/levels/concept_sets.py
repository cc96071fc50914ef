"""Level 3: questions from one walked concept set (docs/method.md, "Question levels").

Input: one row of a sample run's ``concept_sets`` table, its concepts grouped under its topics,
and the texts of its reference documents → questions that combine concepts across topics
(the paper's Fig. 10).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from kgsynth.records import Reject
from kgsynth.stages.generate.levels.base import QuestionLevel, Source, WorkItem
from kgsynth.stages.generate.levels.documents import OTHER_TOPIC

if TYPE_CHECKING:
    from kgsynth.config import GenerateConfig
    from kgsynth.graph import GraphRepository
    from kgsynth.prompts import PromptTemplate


class Level3(QuestionLevel):
    """Questions that use 2-3 key concepts from different topics of a walked set."""

    number = 3
    template = "level3_question"
    inputs: ClassVar[Literal["documents", "concept_sets"]] = "concept_sets"

    def build_items(
        self,
        store: GraphRepository,
        sources: Sequence[Source],
        template: PromptTemplate,
        cfg: GenerateConfig,
    ) -> list[WorkItem | Reject]:
        rows = [s.row or {} for s in sources]
        ref_ids = sorted({d for r in rows for d in r.get("reference_doc_ids") or []})
        texts = store.document_texts(ref_ids)
        pairs = sorted(
            {
                (t, c)
                for r in rows
                for t in r.get("topic_keys") or []
                for c in r.get("concept_keys") or []
            }
        )
        links = store.concept_topic_links(pairs)
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
