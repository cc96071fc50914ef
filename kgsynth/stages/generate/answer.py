"""Stage 3 (docs/method.md, "Answers"): answer every question with the answer model.

Reads one shard of the ``questions`` table, renders the ``answer`` template for each row,
completes all of them in one batched :meth:`LLMBackend.generate` call and returns the ``qa``
rows: the question columns plus the answer and its provenance. The paper verifies nothing
here, and neither does kgsynth; an empty answer is set aside as a reject (stage ``answer``),
an answer cut off at its token budget is kept and flagged (``answer_finish_reason``).

The answer model may differ from the question model (the paper: Mistral-Large writes,
Qwen2.5-Math-72B answers): the caller passes the backend to use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kgsynth.errors import ModelError
from kgsynth.llm.base import ChatRequest
from kgsynth.records import Reject
from kgsynth.tables import QA_SCHEMA, derive_seed, to_table

if TYPE_CHECKING:
    import pyarrow as pa

    from kgsynth.config import Settings
    from kgsynth.llm.base import LLMBackend
    from kgsynth.prompts import PromptTemplate

ANSWER_TEMPLATE = "answer"


@dataclass(frozen=True)
class AnswerSampling:
    """Decoding settings of answer requests: ``generate.answer_*`` or else the ``llm`` ones."""

    temperature: float
    top_p: float
    max_new_tokens: int
    seed: int

    @classmethod
    def from_settings(cls, settings: Settings) -> AnswerSampling:
        g, llm = settings.generate, settings.llm
        return cls(
            temperature=llm.temperature if g.answer_temperature is None else g.answer_temperature,
            top_p=llm.top_p,
            max_new_tokens=g.answer_max_new_tokens or llm.max_new_tokens,
            seed=llm.seed,
        )


@dataclass
class AnswerShard:
    """The answered rows of one shard and what was set aside."""

    rows: list[dict[str, Any]]
    rejects: list[Reject]
    prompts: int = 0
    truncated: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def table(self) -> pa.Table:
        return to_table(self.rows, QA_SCHEMA)


def answer_seed(sampling: AnswerSampling, row: dict[str, Any]) -> int:
    """The answer request's seed, from the run seed and the question itself (its source,
    position and text; not its id, which holds the run id), so the same inputs and seed give
    the same answers in any run and whatever shard the question landed in."""
    source = row["set_hash"] or row["source_doc_id"]
    parts = (row["level"], source, row["question_index"], row["question"])
    return derive_seed(sampling.seed, "answer", *parts)


def answer_requests(
    rows: list[dict[str, Any]], template: PromptTemplate, sampling: AnswerSampling
) -> list[ChatRequest]:
    """One plain-text request per question row, in row order."""
    return [
        ChatRequest(
            messages=tuple(template.render(question=row["question"])),
            max_new_tokens=sampling.max_new_tokens,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            seed=answer_seed(sampling, row),
        )
        for row in rows
    ]


def answer_shard(
    questions: pa.Table,
    backend: LLMBackend,
    template: PromptTemplate,
    sampling: AnswerSampling,
) -> AnswerShard:
    """Answer every row of a ``questions`` shard; returns ``qa`` rows in the same order."""
    rows = questions.to_pylist()
    requests = answer_requests(rows, template, sampling)
    completions = backend.generate(requests) if requests else []
    if len(completions) != len(requests):
        raise ModelError(
            f"answer backend {backend.model_name!r} returned {len(completions)} completions "
            f"for {len(requests)} requests"
        )
    out = AnswerShard(rows=[], rejects=[], prompts=len(requests))
    for row, request, completion in zip(rows, requests, completions, strict=True):
        out.prompt_tokens += completion.prompt_tokens
        out.completion_tokens += completion.completion_tokens
        text = completion.text.strip()
        if not text:
            reason = f"empty answer (finish_reason={completion.finish_reason})"
            out.rejects.append(Reject("answer", row["question_id"], reason, completion.text))
            continue
        out.truncated += completion.finish_reason == "length"
        out.rows.append(
            {
                **row,
                "answer": text,
                "answer_model": backend.model_name,
                "answer_prompt": template.name,
                "answer_prompt_sha256": template.sha256,
                "answer_temperature": request.temperature,
                "answer_max_new_tokens": request.max_new_tokens,
                "answer_seed": request.seed,
                "answer_prompt_tokens": completion.prompt_tokens,
                "answer_completion_tokens": completion.completion_tokens,
                "answer_finish_reason": completion.finish_reason,
            }
        )
    return out
