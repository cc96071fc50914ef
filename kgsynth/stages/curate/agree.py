"""Answer agreement (``--answer-samples N``): does the answer model keep giving the same result?

For each question the answer model writes N more answers (the ``answer`` template, seeds
derived from the run seed, the question and the sample number). From every answer the final
result is extracted (:func:`final_answer`: the last ``\\boxed{..}``, else an "answer is /
Answer:" phrase, else the last number); two finals agree when ``math-verify`` proves them
equal, or, where it parses neither as mathematics, when their normalised texts are equal.
``answer_agreement`` is the share of all N + 1 answers (the stored one included) that agree
with the stored answer; a question is kept when it reaches the threshold (default 0.5).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kgsynth.errors import ModelError
from kgsynth.llm.base import ChatRequest
from kgsynth.stages.curate.text import words
from kgsynth.tables import derive_seed

if TYPE_CHECKING:
    from kgsynth.config import Settings
    from kgsynth.llm.base import LLMBackend
    from kgsynth.prompts import PromptTemplate
    from kgsynth.stages.generate.answer import AnswerSampling

_ANSWER_IS = re.compile(r"(?:final answer|answer)\s*(?:is|:|=)\s*:?\s*(.+)", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*(?:/\d+)?")


def final_answer(text: str) -> str | None:
    """The final result stated in an answer, or None when there is none to find."""
    start = text.rfind("\\boxed{")
    if start >= 0:
        depth, i = 0, start + len("\\boxed{") - 1
        for j in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                return text[i + 1 : j].strip()
    said = _ANSWER_IS.findall(text)
    if said:
        return said[-1].strip().rstrip(".").strip()
    numbers = _NUMBER.findall(text)
    return numbers[-1].replace(",", "") if numbers else None


def same_answer(a: str | None, b: str | None) -> bool:
    """Do two final answers agree? math-verify where it parses them, else normalised text."""
    if a is None or b is None:
        return False
    from math_verify import parse, verify

    pa, pb = parse(_as_math(a)), parse(_as_math(b))
    if pa and pb:
        try:
            return bool(verify(pa, pb))
        except Exception:  # math-verify raises on expressions it cannot compare
            return words(a) == words(b)
    return words(a) == words(b)


def _as_math(s: str) -> str:
    return s if "$" in s or "\\" in s else f"${s}$"


class Agreement:
    """Samples N more answers per question with ``backend`` and scores agreement."""

    def __init__(
        self,
        backend: LLMBackend,
        template: PromptTemplate,
        sampling: AnswerSampling,
        samples: int,
    ) -> None:
        self.backend, self.template = backend, template
        self.sampling, self.samples = sampling, samples

    @classmethod
    def from_settings(cls, backend: LLMBackend, settings: Settings, samples: int) -> Agreement:
        from kgsynth.prompts import prompt
        from kgsynth.stages.generate.answer import ANSWER_TEMPLATE, AnswerSampling

        sampling = AnswerSampling.from_settings(settings)
        return cls(backend, prompt(ANSWER_TEMPLATE, settings.prompts), sampling, samples)

    def requests(self, rows: Sequence[dict[str, Any]]) -> list[ChatRequest]:
        s = self.sampling
        return [
            ChatRequest(
                messages=tuple(self.template.render(question=row["question"])),
                max_new_tokens=s.max_new_tokens,
                temperature=s.temperature,
                top_p=s.top_p,
                seed=derive_seed(s.seed, "agreement", k, row["question"]),
            )
            for row in rows
            for k in range(self.samples)
        ]

    def score(self, rows: Sequence[dict[str, Any]]) -> list[tuple[float, str | None]]:
        """Per row: (agreement share, the stored answer's final result)."""
        requests = self.requests(rows)
        completions = self.backend.generate(requests) if requests else []
        if len(completions) != len(requests):
            raise ModelError(
                f"backend {self.backend.model_name!r} returned {len(completions)} completions "
                f"for {len(requests)} requests"
            )
        out = []
        for i, row in enumerate(rows):
            final = final_answer(row.get("answer") or "")
            sampled = completions[i * self.samples : (i + 1) * self.samples]
            agree = (final is not None) + sum(
                same_answer(final, final_answer(c.text)) for c in sampled
            )
            out.append((round(agree / (self.samples + 1), 4), final))
        return out
