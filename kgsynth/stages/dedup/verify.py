"""The pair verifier: do two names that the embedding search put together name ONE concept?

Embeddings are nearly blind to numbers, symbols, word order and antonyms, so a pair above the
cosine threshold is only a candidate. :func:`verify` reads both names into typed tokens
(:func:`analyse`) and decides:

``merge`` (automatic) only for surface variants: the names are equal once case, diacritics,
punctuation, hyphens/dashes/spaces, possessives, articles, singular/plural, British/American
spelling, number words and written-out abbreviations are normalised away
(:attr:`kgsynth.stages.dedup.tokens.Analysis.surface`), or when
one name has an acronym where the other spells out its initials ("GCD" / "greatest common
divisor", "ODE solver" / "ordinary differential equation solver").

``block`` (never merged, not queued) when a rule finds a difference that changes meaning:
numbers differ ("2-SAT" / "3-SAT"); variables or math symbols differ ("L^2" / "L^p"); the same
words stand in another order ("sum of cubes" / "cube of a sum"); one word is the other with
a negating prefix ("linear" / "nonlinear", "bounded" / "unbounded") or the two share a stem
behind different prefixes ("inscribed" / "circumscribed", "interior" / "exterior",
"maximum" / "minimum"); a negating word is added ("non", "not"); or the names differ in
exactly one word and the two words are unrelated (no shared stem: "open" / "closed",
"upper" / "lower", "major" / "minor"), unless both are generic naming words such as
"theorem" / "law".

``review`` for everything else: a word added ("prime" / "prime number"), related word forms
("Pythagorean" / "Pythagoras"), "X of Y" written as "Y X", or different wording. These
pairs wait in the review queue (``kgsynth dedup --review``).

Rules work on word shapes, not on lists of concept pairs; the few word tables
(:mod:`kgsynth.stages.dedup.words`) hold English irregular plurals, number words, word
abbreviations, negating prefixes and the generic naming words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from kgsynth.stages.dedup.tokens import NUM, SYM, WORD, Analysis, analyse, join_tokens
from kgsynth.stages.dedup.words import (
    NAMING_WORDS,
    NEGATING_PREFIXES,
    NEGATING_WORDS,
    SMALL_WORDS,
)

Decision = Literal["merge", "review", "block"]


@dataclass(frozen=True)
class Verdict:
    """What to do with one candidate pair, and why (``rule``: short code; ``detail``: text)."""

    decision: Decision
    rule: str
    detail: str


def verify(a: str, b: str) -> Verdict:
    """Decide one candidate pair of display names (order does not matter)."""
    x, y = analyse(a), analyse(b)
    if x.surface == y.surface:
        return Verdict("merge", "surface", "equal up to case, punctuation, plural and spelling")
    if _acronym_of(x, y) or _acronym_of(y, x):
        return Verdict("merge", "abbreviation", "an acronym spelled out")
    for kind, label in ((NUM, "numbers"), (SYM, "variables or symbols")):
        mx, my = _of_kind(x, kind), _of_kind(y, kind)
        if mx != my:
            return Verdict("block", label.split()[0], f"{label} differ: {_show(mx)} vs {_show(my)}")
    if Counter(t.text for t in x.tokens) == Counter(t.text for t in y.tokens):
        return Verdict("block", "word_order", "the same words in another order")
    if _invert_of(x) == y.surface or _invert_of(y) == x.surface:
        return Verdict("review", "of_phrase", "'X of Y' written as 'Y X'")
    wx, wy = _of_kind(x, WORD), _of_kind(y, WORD)
    only_x, only_y = sorted((wx - wy).elements()), sorted((wy - wx).elements())
    for u in only_x:
        for v in only_y:
            if _opposed(u, v):
                return Verdict("block", "opposed", f"contrasting words {u!r} / {v!r}")
    negators = sorted(NEGATING_WORDS & set(only_x + only_y))
    if negators:
        return Verdict("block", "negation", f"a negating word: {negators[0]!r}")
    if _common_order(x, y) != _common_order(y, x):
        return Verdict("block", "word_order", "shared words stand in another order")
    if len(only_x) == len(only_y) == 1:
        u, v = only_x[0], only_y[0]
        if not _related(u, v) and not {u, v} <= NAMING_WORDS:
            return Verdict("block", "different_word", f"one word differs: {u!r} vs {v!r}")
    if not only_x or not only_y:
        extra = only_x or only_y
        return Verdict("review", "added_words", f"one name adds {' '.join(extra)!r}")
    return Verdict("review", "different_words", f"{' '.join(only_x)!r} vs {' '.join(only_y)!r}")


def _of_kind(a: Analysis, kind: str) -> Counter[str]:
    return Counter(t.text for t in a.tokens if t.kind == kind)


def _show(c: Counter[str]) -> str:
    return "{" + ", ".join(sorted(c.elements())) + "}" if c else "none"


def _acronym_of(short: Analysis, long: Analysis) -> bool:
    """``short`` has an acronym token whose letters are the initials of a run of words in
    ``long`` (small words such as "of" skipped inside the run); replacing that run by the
    acronym makes the names equal."""
    toks = list(long.tokens)
    for acr in (t for t in short.tokens if t.acronym):
        for start in range(len(toks)):
            initials = ""
            for end in range(start, len(toks)):
                t = toks[end]
                if t.kind != WORD:
                    break
                if t.text in SMALL_WORDS and end > start:
                    continue
                initials += t.text[0]
                if initials == acr.text:
                    joined = join_tokens(toks[:start] + [acr] + toks[end + 1 :])
                    if joined == short.surface:
                        return True
                if not acr.text.startswith(initials):
                    break
    return False


def _invert_of(a: Analysis) -> str | None:
    """'law of cosines' -> 'cosinelaw' (one 'of', words only); None when it does not apply."""
    words = [t.text for t in a.tokens]
    if a.formula or words.count("of") != 1 or any(t.kind != WORD for t in a.tokens):
        return None
    i = words.index("of")
    if i == 0 or i == len(words) - 1:
        return None
    return "".join(words[i + 1 :] + words[:i])


def _opposed(u: str, v: str) -> bool:
    """One word negates the other (un-/non-/in-...), or both are one stem behind different
    prefixes (in-scribed / circum-scribed, max-imum / min-imum); a likely typo is not."""
    for p in NEGATING_PREFIXES:
        if len(u) >= 3 and (v == p + u or u == p + v):
            return True
    if _typo(u, v):
        return False
    n = 0
    while n < min(len(u), len(v)) and u[-1 - n] == v[-1 - n]:
        n += 1
    return n >= 4 and n < min(len(u), len(v))


def _typo(u: str, v: str) -> bool:
    """One letter added, dropped, changed or two neighbours swapped, in words of 5+ letters."""
    if min(len(u), len(v)) < 5 or abs(len(u) - len(v)) > 1:
        return False
    i = 0
    while i < min(len(u), len(v)) and u[i] == v[i]:
        i += 1
    a, b = u[i:], v[i:]
    swapped = len(a) >= 2 and a[:2] == b[1::-1] and a[2:] == b[2:]
    return swapped or a[1:] == b[1:] or a[1:] == b or a == b[1:]


def _related(u: str, v: str) -> bool:
    """Two forms of one word: a shared start of 4+ letters covering half the shorter word
    (pythagorean / pythagoras, convex / convexity), or a likely typo."""
    if _typo(u, v):
        return True
    n = 0
    while n < min(len(u), len(v)) and u[n] == v[n]:
        n += 1
    return n >= 4 and n * 2 >= min(len(u), len(v))


def _common_order(a: Analysis, b: Analysis) -> list[str]:
    """The order in which ``a`` uses the words both names share (first uses only)."""
    shared = {t.text for t in b.tokens}
    return list(dict.fromkeys(t.text for t in a.tokens if t.text in shared))
