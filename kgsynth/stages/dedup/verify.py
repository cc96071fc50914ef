"""The pair verifier: do two names that the embedding search put together name ONE concept?

Embeddings are nearly blind to numbers, symbols, word order and antonyms, so a pair above the
cosine threshold is only a candidate. :func:`verify` reads both names into typed tokens
(:func:`analyse`) and decides:

``merge`` (automatic) only for surface variants: the names are equal once case, diacritics,
punctuation, hyphens/dashes/spaces, possessives, articles, singular/plural, British/American
``-ise/-ize`` spelling, number words ("three" = "3", "second" = "2nd") and written-out word
abbreviations ("thm", "eqn", "sqrt") are normalised away (:attr:`Analysis.surface`), or when
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

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from kgsynth.stages.dedup.words import (
    ABBREVIATIONS,
    ARTICLES,
    CARDINALS,
    GREEK,
    IRREGULAR_PLURALS,
    NAMING_WORDS,
    NEGATING_PREFIXES,
    NEGATING_WORDS,
    ORDINALS,
    SAME_IN_PLURAL,
    SMALL_WORDS,
)

Decision = Literal["merge", "review", "block"]

NUM, WORD, SYM = "num", "word", "sym"
_FORMULA_CHARS = set("=+*/^<>|_\\{}!~")
_DROP_TEXT = set("-.,;:?\"'()[]$&`")  # surface punctuation in a plain-text name
_DROP_FORMULA = set(',;:?"$`')  # in a formula only these are surface
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201b\u02bc\u00b4"), "'")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+|\S")
_DOTTED = re.compile(r"\b((?:[A-Za-z]\.){2,})")  # G.C.D. -> GCD
_BRACED = re.compile(r"\{([^{}\s])\}")  # e^{x} -> e^x (one character in braces)
_POSSESSIVE = re.compile(r"(?<=\w)'s\b|(?<=s)'(?=\s|$|[-,.;:])")


@dataclass(frozen=True)
class Token:
    kind: str  # num | word | sym
    text: str
    acronym: bool = False  # written like an acronym (GCD, ODEs, lcm)


@dataclass(frozen=True)
class Analysis:
    """A name as the verifier reads it."""

    tokens: tuple[Token, ...]
    formula: bool  # operators present: hyphens and brackets count as symbols

    @property
    def surface(self) -> str:
        return _join(self.tokens)


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


@lru_cache(maxsize=200_000)
def analyse(name: str) -> Analysis:
    """Typed tokens of a name: numbers, words (normalised) and symbols/variables."""
    text = _superscripts(name).translate(_DASHES).translate(_QUOTES)
    text = unicodedata.normalize("NFKC", text)
    text = _DOTTED.sub(lambda m: m[1].replace(".", "") + " ", text)
    text = _BRACED.sub(r"\1", text)
    formula = any(c in _FORMULA_CHARS or unicodedata.category(c) == "Sm" for c in text)
    text = _POSSESSIVE.sub("", text)
    raw = _TOKEN.findall(text)
    drop = _DROP_FORMULA if formula else _DROP_TEXT
    out: list[Token] = []
    for i, piece in enumerate(raw):
        if piece[0].isdigit():  # the token pattern makes it a whole number or decimal
            out.append(Token(NUM, piece))
        elif piece[0].isalpha():
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            out.extend(_word_tokens(piece, out, nxt, i == 0))
        elif piece not in drop:
            out.append(Token(SYM, piece))
    return Analysis(tuple(out), formula)


def _word_tokens(piece: str, before: list[Token], nxt: str, first: bool) -> list[Token]:
    low = _plain(piece)
    acronym = bool(re.fullmatch(r"[A-Z]{2,6}s?", piece)) or bool(
        re.fullmatch(r"[b-df-hj-np-tv-xz]{2,5}", low)
    )
    prev = before[-1] if before else None
    if prev is not None and prev.kind == NUM and low in {"st", "nd", "rd", "th"}:
        before[-1] = Token(NUM, prev.text + low)  # 2nd
        return []
    if prev is not None and prev.kind == NUM and low == "d":
        return [Token(WORD, "dimensional")]  # 3D = three-dimensional
    if low in ARTICLES or (low == "a" and (piece == "a" or first) and nxt[:1].isalpha()):
        return []
    if low in GREEK or (len(low) == 1 and unicodedata.category(piece) != "Lo"):
        return [Token(SYM, _greek_name(low))]
    if low in CARDINALS:
        return [Token(NUM, CARDINALS[low])]
    if low in ORDINALS:
        return [Token(NUM, ORDINALS[low])]
    words = ABBREVIATIONS.get(low, low).split()
    return [Token(WORD, _normal_word(w), acronym and len(words) == 1) for w in words]


def _normal_word(w: str) -> str:
    """Singular form and one spelling: matrices -> matrix, factorisation -> factorization."""
    w = IRREGULAR_PLURALS.get(w, w)
    if len(w) > 3 and w not in SAME_IN_PLURAL and not w.endswith(("ss", "us", "is")):
        if w.endswith("ies") and len(w) > 4:
            w = w[:-3] + "y"
        elif w.endswith(("sses", "ches", "shes", "xes")):
            w = w[:-2]
        elif w.endswith("s"):
            w = w[:-1]
    if len(w) >= 6:
        w = re.sub(r"(?<=[a-z])is(e|ed|es|ing|ation|er)$", r"iz\1", w)
        w = re.sub(r"yse$", "yze", w)
        w = re.sub(r"(?<=[^aeiou])tre$", "ter", w)
    return w


def _plain(word: str) -> str:
    """Case-folded, diacritics removed (Erdős -> erdos)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _greek_name(letter: str) -> str:
    """π -> pi; other single letters stay as they are."""
    if len(letter) == 1 and "GREEK" in unicodedata.name(letter, ""):
        return unicodedata.name(letter).split()[-1].lower()
    return letter


def _superscripts(name: str) -> str:
    """x² -> x^2, a₁ -> a_1 (NFKC alone would turn x² into x2)."""
    out = []
    for c in name:
        tag = unicodedata.decomposition(c)
        if tag.startswith("<super>"):
            out.append("^" + unicodedata.normalize("NFKC", c))
        elif tag.startswith("<sub>"):
            out.append("_" + unicodedata.normalize("NFKC", c))
        else:
            out.append(c)
    return "".join(out)


def _join(tokens: tuple[Token, ...] | list[Token]) -> str:
    """Tokens as one string; spaces only between two numbers (1 2 is not 12)."""
    parts: list[str] = []
    for i, t in enumerate(tokens):
        if i and t.kind == NUM and tokens[i - 1].kind == NUM:
            parts.append(" ")
        parts.append(t.text)
    return "".join(parts)


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
                    joined = _join(toks[:start] + [acr] + toks[end + 1 :])
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
    prefixes (in-scribed / circum-scribed, max-imum / min-imum)."""
    for p in NEGATING_PREFIXES:
        if len(u) >= 3 and (v == p + u or u == p + v):
            return True
    n = 0
    while n < min(len(u), len(v)) and u[-1 - n] == v[-1 - n]:
        n += 1
    return n >= 4 and n < min(len(u), len(v))


def _related(u: str, v: str) -> bool:
    """Two forms of one word: a shared start of 4+ letters covering half the shorter word
    (pythagorean / pythagoras, convex / convexity)."""
    n = 0
    while n < min(len(u), len(v)) and u[n] == v[n]:
        n += 1
    return n >= 4 and n * 2 >= min(len(u), len(v))


def _common_order(a: Analysis, b: Analysis) -> list[str]:
    """The order in which ``a`` uses the words both names share (first uses only)."""
    shared = {t.text for t in b.tokens}
    return list(dict.fromkeys(t.text for t in a.tokens if t.text in shared))
