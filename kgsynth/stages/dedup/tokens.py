"""Names read as typed tokens for the pair verifier (:mod:`kgsynth.stages.dedup.verify`).

:func:`analyse` splits a name into numbers, words and symbols (variables, Greek letters,
operators) and normalises away what does not change meaning: case, diacritics, possessives,
articles, plural endings, British ``-ise``/``-yse``/``-tre`` spellings, number words ("three" =
"3", "second" = "2nd"), written-out abbreviations ("thm", "sqrt"), superscripts ("x²" = "x^2")
and, in a plain-text name, punctuation, hyphens, dashes and spaces. A name with operators
(``= + * / ^ < > | _ { } ! ~`` or a math symbol) is a formula: there hyphens are minus signs
and brackets count. :attr:`Analysis.surface` is the normalised name as one string; two names
with the same surface are surface variants of one concept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from kgsynth.stages.dedup.words import (
    ABBREVIATIONS,
    ARTICLES,
    CARDINALS,
    GREEK,
    IRREGULAR_PLURALS,
    ORDINALS,
    SAME_IN_PLURAL,
)

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
        return join_tokens(self.tokens)


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


def join_tokens(tokens: tuple[Token, ...] | list[Token]) -> str:
    """Tokens as one string; spaces only between two numbers (1 2 is not 12)."""
    parts: list[str] = []
    for i, t in enumerate(tokens):
        if i and t.kind == NUM and tokens[i - 1].kind == NUM:
            parts.append(" ")
        parts.append(t.text)
    return "".join(parts)
