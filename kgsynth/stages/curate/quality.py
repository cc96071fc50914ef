"""Question quality filters, each with its own reason (checked in this order):

- ``empty``: no words at all after normalisation;
- ``not_suitable``: the model's "NOT SUITABLE" answer to a Level-1 article left in the text;
- ``too_short``: fewer than ``min_words`` words (default 4);
- ``no_question``: no question mark and none of the asking words (find, compute, prove,
  what, how, ...): a statement, a heading or a fragment;
- ``same_reply_copy``: the same normalised text as an earlier question of the same model
  reply (same run, source and request seed): the model repeated itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

EMPTY = "empty"
TOO_SHORT = "too_short"
NOT_SUITABLE = "not_suitable"
NO_QUESTION = "no_question"
SAME_REPLY = "same_reply_copy"

_NOT_SUITABLE = re.compile(r"not\s+suitable", re.IGNORECASE)
ASKING_WORDS = frozenset(
    re.findall(
        r"\w+",
        """find compute calculate determine evaluate simplify solve prove show derive express
        estimate explain describe verify factor factorise factorize expand convert list name
        give write identify classify compare construct sketch graph justify how what which
        why when where who whom whose""",
    )
)


@dataclass(frozen=True)
class Verdict:
    reason: str
    matched: str | None = None  # the question id an in-reply copy repeats


class QualityFilter:
    """Per-row quality checks; remembers recent replies to spot in-reply copies."""

    def __init__(self, min_words: int = 4, memory: int = 100_000) -> None:
        self.min_words = min_words
        self._replies: dict[tuple[object, ...], dict[int, str]] = {}
        self._memory = memory

    def check(
        self, text: str, tokens: Sequence[str], key: int, reply: tuple[object, ...], qid: str
    ) -> Verdict | None:
        """Why the question goes, or None. ``key`` is its exact-duplicate key, ``reply``
        identifies the model call it came from."""
        if not tokens:
            return Verdict(EMPTY)
        if _NOT_SUITABLE.search(text):
            return Verdict(NOT_SUITABLE)
        if len(tokens) < self.min_words:
            return Verdict(TOO_SHORT)
        if "?" not in text and not ASKING_WORDS.intersection(tokens):
            return Verdict(NO_QUESTION)
        if len(self._replies) > self._memory:
            self._replies.clear()
        seen = self._replies.setdefault(reply, {})
        if key in seen:
            return Verdict(SAME_REPLY, seen[key])
        seen[key] = qid
        return None
