"""Stages 2 and 3 of ``kgsynth generate``: write questions for each level, then answer them.

Reads the graph (documents, their topics and concepts) and, for Level-3, the sample run's
``concept_sets`` table; writes into the generate run folder:

- ``questions/part-NNNNN.parquet`` (+ ``_part-NNNNN.done``): the parsed questions of shard N;
- ``qa/part-NNNNN.parquet`` (+ ``_part-NNNNN.done``): the same rows joined with their answers:
  the final table (schema and column meanings in :mod:`kgsynth.tables`);
- ``rejects/generate.jsonl``, ``rejects/answer.jsonl``: replies that gave no question (empty,
  cut off, unparseable) and empty answers, each with its reason and the raw text;
- ``generate_plan.json`` (:mod:`kgsynth.stages.generate.plan`) and ``manifest.json``.

All question shards are written first, then all answer shards, so each backend sees large
batches (one ``generate`` call per shard and stage). A shard whose completion marker exists is
skipped on re-run. Request seeds come from the run seed and the input, never from how far an
earlier invocation got, so a run interrupted and resumed in the same folder ends with exactly
the rows of an uninterrupted one, without duplicates.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgsynth.errors import ModelError
from kgsynth.prompts import prompt
from kgsynth.records import Reject
from kgsynth.runs import utc_now
from kgsynth.stages.generate.answer import ANSWER_TEMPLATE, AnswerSampling, answer_shard
from kgsynth.stages.generate.estimate import GenerateEstimate, StageEstimate, estimate
from kgsynth.stages.generate.levels import LEVELS, WorkItem, build_items, question_requests
from kgsynth.stages.generate.plan import Plan, Shard, check_plan, make_plan, plan_body
from kgsynth.tables import (
    QA_TABLE,
    QUESTION_SCHEMA,
    QUESTIONS_TABLE,
    question_id,
    to_table,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from kgsynth.config import Settings
    from kgsynth.graph import GraphRepository
    from kgsynth.llm.base import ChatRequest, Completion, LLMBackend
    from kgsynth.prompts import PromptTemplate
    from kgsynth.runs import RunFolder

__all__ = [
    "GenerateEstimate",
    "GenerateReport",
    "StageEstimate",
    "estimate",
    "question_rows",
    "run_generate",
]

log = logging.getLogger(__name__)

Progress = Callable[[int, int, "GenerateReport"], None]
"""``on_progress(advanced, total, report)``, called after each shard step: ``advanced`` is the
number of inputs (documents or concept sets) the step finished, ``total`` is 2 x all inputs,
since every input is worked on twice (its questions, then their answers); ``report`` holds the
counts so far (prompts, tokens). Skipped shards report too, so the sum of ``advanced`` always
reaches ``total``."""

UNSUITABLE = "unsuitable"
"""The problem a Level-1 reply reports by declining its article (counted, not rejected)."""


@dataclass
class GenerateReport:
    """What one ``run_generate`` invocation did. The counts cover this invocation's work only
    (a resumed run skips finished shards); ``totals`` are the rows in the run's tables."""

    prompts: int = 0  # LLM calls: one per question-writing input plus one per answer
    questions: int = 0
    answers: int = 0
    rejected: int = 0  # replies set aside (rejects/*.jsonl), inputs without a prompt included
    unsuitable: int = 0  # Level-1 documents the model judged unsuitable (no questions)
    shards_skipped: int = 0  # shard steps already done by an earlier invocation
    prompt_tokens: int = 0  # questions + answers
    completion_tokens: int = 0  # questions + answers
    elapsed_s: float = 0.0
    tokens_per_s: float = 0.0  # completion tokens per wall-clock second of the whole stage
    answers_truncated: int = 0  # kept, flagged answer_finish_reason = "length"
    questions_by_level: dict[int, int] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)


def run_generate(
    store: GraphRepository,
    settings: Settings,
    run: RunFolder,
    sets_table: pa.Table | None,
    levels: set[int],
    backend: LLMBackend,
    answer_backend: LLMBackend,
    on_progress: Progress | None = None,
) -> GenerateReport:
    """Write questions for ``levels`` with ``backend`` and answer them with ``answer_backend``
    (the same object or another model) into ``run``, resuming a partly finished run.

    ``sets_table`` is the sample run's ``concept_sets`` table (needed for Level-3 only).
    """
    import pyarrow.parquet as pq

    start = time.perf_counter()
    report = GenerateReport()
    plan = make_plan(store, settings, sets_table, levels)
    templates = {level: prompt(LEVELS[level].template, settings.prompts) for level in plan.levels}
    answer_template = prompt(ANSWER_TEMPLATE, settings.prompts)
    prompts = {t.name: t.sha256 for t in [*templates.values(), answer_template]}
    models = {"question": backend.model_name, "answer": answer_backend.model_name}
    body = plan_body(plan, settings, models, prompts)
    check_plan(run, body)
    store.start_run(
        run_id=run.run_id,
        kind="generate",
        started_at=utc_now(),
        params=json.dumps(body, sort_keys=True, default=str),
        seed=settings.llm.seed,
        model=backend.model_name,
    )
    sampling = AnswerSampling.from_settings(settings)
    rejected_before = sum(run.rejected.values())
    steps = [(QUESTIONS_TABLE, s) for s in plan.shards] + [(QA_TABLE, s) for s in plan.shards]
    total = 2 * sum(s.stop - s.start for s in plan.shards)
    for table, shard in steps:
        if run.shard_done(table, shard.index):
            report.shards_skipped += 1
        elif table == QUESTIONS_TABLE:
            _question_shard(
                store, settings, run, plan, shard, templates[shard.level], backend, report
            )
        else:
            questions = pq.read_table(run.shard_path(QUESTIONS_TABLE, shard.index))
            answered = answer_shard(questions, answer_backend, answer_template, sampling)
            for r in answered.rejects:
                run.reject(r)
            run.write_shard(QA_TABLE, shard.index, answered.table())
            report.prompts += answered.prompts
            report.answers += len(answered.rows)
            report.answers_truncated += answered.truncated
            report.prompt_tokens += answered.prompt_tokens
            report.completion_tokens += answered.completion_tokens
        if on_progress:
            on_progress(shard.stop - shard.start, total, report)
    report.rejected = sum(run.rejected.values()) - rejected_before
    report.reject_reasons = dict(run.rejected)
    report.elapsed_s = time.perf_counter() - start
    report.tokens_per_s = report.completion_tokens / report.elapsed_s if report.elapsed_s else 0.0
    report.totals = {t: _table_rows(run, t, plan) for t in (QUESTIONS_TABLE, QA_TABLE)}
    report.paths = {
        QUESTIONS_TABLE: run.path / QUESTIONS_TABLE,
        QA_TABLE: run.path / QA_TABLE,
        "rejects": run.path / "rejects",
        "manifest": run.path / "manifest.json",
    }
    last = {k: v for k, v in asdict(report).items() if k not in {"paths", "totals"}}
    store.finish_run(
        run.run_id,
        finished_at=utc_now(),
        counts=json.dumps({**report.totals, "rejected": report.rejected}),
    )
    run.write_manifest(
        {
            "stage": "generate",
            "complete": all(run.shard_done(QA_TABLE, s.index) for s in plan.shards),
            "plan": body,
            "tables": report.totals,
            "last_invocation": last,
        }
    )
    log.info(
        "generate: %d questions, %d answers, %d rejected, %d shard steps skipped",
        report.questions,
        report.answers,
        report.rejected,
        report.shards_skipped,
    )
    return report


def _question_shard(
    store: GraphRepository,
    settings: Settings,
    run: RunFolder,
    plan: Plan,
    shard: Shard,
    template: PromptTemplate,
    backend: LLMBackend,
    report: GenerateReport,
) -> None:
    """Render, generate and parse one shard of one level, then write its questions."""
    built = build_items(store, plan.sources(shard), template, settings.generate)
    items = [b for b in built if isinstance(b, WorkItem)]
    rejects = [b for b in built if isinstance(b, Reject)]
    requests = question_requests(items, settings)
    completions = backend.generate(requests) if requests else []
    if len(completions) != len(requests):
        raise ModelError(
            f"backend {backend.model_name!r} returned {len(completions)} completions "
            f"for {len(requests)} requests"
        )
    rows: list[dict[str, Any]] = []
    for item, request, completion in zip(items, requests, completions, strict=True):
        report.prompts += 1
        report.prompt_tokens += completion.prompt_tokens
        report.completion_tokens += completion.completion_tokens
        new, problems = question_rows(
            item, request, completion, run.run_id, backend.model_name, template
        )
        for problem in problems:
            if problem == UNSUITABLE:
                report.unsuitable += 1
            else:
                rejects.append(Reject("generate", item.source.key, problem, completion.text))
        rows.extend(new)
    # Rejects are appended right before the shard is written and marked done (not while the
    # slow generate call runs), so an interrupted shard leaves no half-recorded rejects.
    for r in rejects:
        run.reject(r)
    run.write_shard(QUESTIONS_TABLE, shard.index, to_table(rows, QUESTION_SCHEMA))
    report.questions += len(rows)
    by_level = report.questions_by_level
    by_level[shard.level] = by_level.get(shard.level, 0) + len(rows)


def question_rows(
    item: WorkItem,
    request: ChatRequest,
    completion: Completion,
    run_id: str,
    model: str,
    template: PromptTemplate,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The ``questions`` rows of one reply, and its problems: why it gave no rows (a reject
    reason, or :data:`UNSUITABLE` for a Level-1 article the model declined) or why single
    items of it were left out."""
    if completion.finish_reason == "length":
        return [], [f"truncated (hit max_new_tokens={request.max_new_tokens})"]
    parsed = LEVELS[item.source.level].parse(completion.text, item.max_questions)
    if parsed.unsuitable:
        return [], [UNSUITABLE]
    if parsed.error is not None:
        return [], [parsed.error]
    s = item.source
    common = {
        "run_id": run_id,
        "level": s.level,
        "concepts": list(item.concepts),
        "topics": list(item.topics),
        "set_hash": item.set_hash,
        "source_doc_id": item.source_doc_id,
        "reference_doc_ids": list(item.reference_doc_ids),
        "walk_path": list(item.walk_path),
        "sample_run_id": item.sample_run_id,
        "question_model": model,
        "question_prompt": template.name,
        "question_prompt_sha256": template.sha256,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_new_tokens": request.max_new_tokens,
        "seed": request.seed,
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
    }
    return [
        {
            **common,
            "question_id": question_id(run_id, s.level, s.key, s.occurrence, i),
            "question_index": i,
            "question": q.question,
            "selected_concepts": list(q.selected_concepts),
            "orig_tag": q.orig_tag,
            "school_level": q.school_level,
        }
        for i, q in enumerate(parsed.questions)
    ], list(parsed.dropped)


def _table_rows(run: RunFolder, table: str, plan: Plan) -> int:
    """Rows in the finished shards of ``table`` (read from their completion markers)."""
    total = 0
    for shard in plan.shards:
        marker = run.marker_path(table, shard.index)
        if marker.is_file():
            total += int(json.loads(marker.read_text(encoding="utf-8"))["rows"])
    return total
