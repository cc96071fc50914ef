"""Bounded views of the concept graph drawn as self-contained HTML pages (``kgsynth explore``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kgsynth.graph import GraphRepository


def write_run_views(
    repo: GraphRepository, runs_dir: Path, run_id: str, folder: Path, limit: int = 25
) -> list[Path]:
    """A concept view of the most mentioned concept and a question view of the run's first
    question, written into ``folder`` (what the demo shows at its end)."""
    from kgsynth.explore import views
    from kgsynth.explore.page import write_page
    from kgsynth.runs import find_run
    from kgsynth.tables import QA_TABLE

    pages: list[Path] = []
    top = repo.busiest_concepts(limit=1)
    if top:
        concept = views.concept_view(repo, top[0].key, limit)
        pages.append(write_page(concept, folder / "concept.html"))
    ids = find_run(runs_dir, "generate", run_id).read_table(QA_TABLE).column("question_id")
    if len(ids):
        question = views.question_view(repo, runs_dir, ids[0].as_py(), run_id, limit)
        pages.append(write_page(question, folder / "question.html"))
    return pages
