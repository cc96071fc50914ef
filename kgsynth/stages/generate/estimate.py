"""A dry run of ``generate``: how many calls it would make and how many tokens they would use.

Question prompts are rendered exactly as the run would render them (same graph reads, same
templates) and measured with ``count_tokens`` (the CLI builds one on the model's tokenizer and
chat template, :func:`tokenizer_counter`) or, when no tokenizer can be loaded, at about 4
characters per token, which the report then says. Output tokens are upper
bounds: ``max_new_tokens`` x calls. The answer stage's calls are bounded by the most
questions the question calls may return; each answer prompt is the ``answer`` template plus
an equal share of its question call's output budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kgsynth.prompts import prompt
from kgsynth.stages.generate.answer import ANSWER_TEMPLATE, AnswerSampling
from kgsynth.stages.generate.levels import LEVELS, WorkItem, build_items
from kgsynth.stages.generate.plan import make_plan

if TYPE_CHECKING:
    import pyarrow as pa

    from kgsynth.config import Settings
    from kgsynth.graph import GraphRepository

TokenCounter = Callable[[Sequence[dict[str, str]]], int]
"""Tokens of a rendered chat (its messages), as the model would see them."""

CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class StageEstimate:
    """One stage of a generate run: a level's question calls, or the answer calls."""

    stage: str  # "level1_question" | "level2_question" | "level3_question" | "answer"
    prompts: int  # LLM calls (for "answer": at most this many)
    input_tokens: int  # measured for question stages; an upper bound for "answer"
    output_tokens: int  # upper bound: max_new_tokens x prompts
    skipped_inputs: int = 0  # inputs that cannot make a prompt (would be rejected)


@dataclass(frozen=True)
class GenerateEstimate:
    """The stages of a planned generate run; ``tokenizer`` says how input tokens were counted
    (``"model"`` with a tokenizer, ``"chars/4"`` without) and ``counted_by`` in words."""

    stages: list[StageEstimate]
    tokenizer: str
    counted_by: str = ""

    @property
    def prompts(self) -> int:
        return sum(s.prompts for s in self.stages)

    @property
    def input_tokens(self) -> int:
        return sum(s.input_tokens for s in self.stages)

    @property
    def output_tokens(self) -> int:
        return sum(s.output_tokens for s in self.stages)

    def lines(self) -> list[str]:
        """A plain-text table for the command line, one line per stage plus a total."""
        total = StageEstimate("total", self.prompts, self.input_tokens, self.output_tokens)
        rows = [f"{'stage':<16} {'prompts':>9} {'input tokens':>14} {'output tokens (max)':>20}"]
        for s in [*self.stages, total]:
            rows.append(
                f"{s.stage:<16} {s.prompts:>9,} {s.input_tokens:>14,} {s.output_tokens:>20,}"
            )
        note = (
            f"input tokens counted by {self.counted_by or self.tokenizer}; "
            "answer figures are upper bounds"
        )
        skipped = sum(s.skipped_inputs for s in self.stages)
        if skipped:
            note += f"; {skipped} inputs cannot make a prompt and would be rejected"
        return [*rows, note]


def approx_tokens(messages: Sequence[dict[str, str]]) -> int:
    """About 4 characters per token, rounded up, over all message contents."""
    return math.ceil(sum(len(m["content"]) for m in messages) / CHARS_PER_TOKEN)


def tokenizer_counter(tokenizer: Any) -> TokenCounter:
    """A counter from a Hugging Face tokenizer with a chat template (prompt + reply header)."""

    def count(messages: Sequence[dict[str, str]]) -> int:
        ids = tokenizer.apply_chat_template(
            [dict(m) for m in messages], tokenize=True, add_generation_prompt=True
        )
        # A BatchEncoding (a Mapping, not a dict) in recent transformers, a list in older ones.
        return len(ids["input_ids"] if isinstance(ids, Mapping) else ids)

    return count


def estimate(
    store: GraphRepository,
    settings: Settings,
    sets_table: pa.Table | None,
    levels: set[int],
    count_tokens: TokenCounter | None = None,
    counted_by: str = "",
) -> GenerateEstimate:
    """The calls and tokens ``run_generate`` would need for ``levels``, stage by stage;
    ``counted_by`` names the counter for the report (e.g. "the smollm2 tokenizer")."""
    count = count_tokens or approx_tokens
    plan = make_plan(store, settings, sets_table, levels)
    question_budget = settings.generate.question_max_new_tokens or settings.llm.max_new_tokens
    out: list[StageEstimate] = []
    answers = answer_question_tokens = 0
    for level in plan.levels:
        template = prompt(LEVELS[level].template, settings.prompts)
        prompts = tokens = skipped = 0
        for shard in (s for s in plan.shards if s.level == level):
            for item in build_items(store, plan.sources(shard), template, settings.generate):
                if not isinstance(item, WorkItem):
                    skipped += 1
                    continue
                prompts += 1
                tokens += count(item.messages)
                answers += item.max_questions
                answer_question_tokens += question_budget
        out.append(
            StageEstimate(template.name, prompts, tokens, prompts * question_budget, skipped)
        )
    answer_template = prompt(ANSWER_TEMPLATE, settings.prompts)
    overhead = count(answer_template.render(question=""))
    sampling = AnswerSampling.from_settings(settings)
    out.append(
        StageEstimate(
            answer_template.name,
            answers,
            answers * overhead + answer_question_tokens,
            answers * sampling.max_new_tokens,
        )
    )
    return GenerateEstimate(out, "chars/4" if count_tokens is None else "model", counted_by)
