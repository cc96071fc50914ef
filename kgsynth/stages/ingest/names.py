"""Name hygiene: junk topic and concept names are dropped, each with a counted reason.

Applied to every extraction, whether the model wrote the names or the input carried them.
Rules (all settable in ``[names]``, :class:`kgsynth.config.NamesConfig`), checked in order:
``placeholder`` ("N/A", "none"), ``url``, ``list_number`` ("1.1", ".1", "(2)", "iv."), ``year``
("2018", "1990s"), ``too_few_letters`` (fewer than ``min_letters`` letters: "+", "42", "x";
a formula with one letter such as "x^2", "n!" or "3D" stays),
``too_long`` (more than ``max_chars`` characters or ``max_words`` words), ``repeated`` (a
run of 3+ characters repeated more than ``max_repeats`` times in a row, punctuation ignored:
"Euclid's,Euclid'sEuclid's"). Short and symbolic names stay: "pi", "e^x", "L^2 space",
"2-SAT", "p-adic numbers", "3D geometry".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kgsynth.config import NamesConfig
from kgsynth.records import Extraction

_URL = re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|org|net|edu|gov|io)\b", re.IGNORECASE)
_LIST_NUMBER = re.compile(
    r"\.\d+(?:\.\d+)*|\d+(?:\.\d+)+\.?|\d+[.):]|\(\d+\)|\(?[ivxlc]+[.)]", re.IGNORECASE
)
# a formula keeps a name with one letter: "x^2", "n!", "x²" (NFKC makes it "x2"), "3D"
_OPERATOR = re.compile(
    r"[\^=+*/<>!_|\u00b2\u00b3\u00b9\u2070-\u209f\u2200-\u22ff]|[^\W\d_]\d|\d[^\W\d_]"
)
_YEAR = re.compile(r"(?:1[5-9]|20)\d\d(?:s|'s)?")


@dataclass(frozen=True)
class JunkName:
    """A name set aside: which, why, and where it stood (topic, or concept under topic)."""

    name: str
    reason: str
    topic: str | None  # the topic a junk concept was listed under; None for a junk topic


def junk_reason(name: str, cfg: NamesConfig) -> str | None:
    """The rule ``name`` breaks, or None when it is a usable name."""
    text = name.strip()
    if not cfg.enabled:
        return None
    if text.casefold() in cfg.placeholder_set():
        return "placeholder"
    if cfg.urls and _URL.search(text):
        return "url"
    if cfg.years and _YEAR.fullmatch(text):
        return "year"
    if cfg.list_numbers and _LIST_NUMBER.fullmatch(text):
        return "list_number"
    letters = _letters(text)
    if letters < cfg.min_letters and not (letters and _OPERATOR.search(text)):
        return "too_few_letters"
    if len(text) > cfg.max_chars or len(text.split()) > cfg.max_words:
        return "too_long"
    squeezed = re.sub(r"[\W_]+", "", text.casefold())
    if re.search(rf"(.{{3,}}?)\1{{{cfg.max_repeats},}}", squeezed):
        return "repeated"
    return None


def _letters(text: str) -> int:
    """Letters in ``text``; a Greek letter counts 2 (it stands for a word: π = pi)."""
    return sum((2 if "GREEK" in unicodedata.name(c, "") else 1) for c in text if c.isalpha())


def screen(extraction: Extraction, cfg: NamesConfig) -> tuple[Extraction, list[JunkName]]:
    """The extraction without junk names (a junk topic takes its concepts with it), and the
    names dropped. The result may have no topics left; the caller rejects it then."""
    kept: dict[str, tuple[str, ...]] = {}
    junk: list[JunkName] = []
    for topic, names in extraction.concepts.items():
        why = junk_reason(topic, cfg)
        if why is not None:
            junk.append(JunkName(topic, why, None))
            continue
        good = []
        for name in names:
            reason = junk_reason(name, cfg)
            if reason is None:
                good.append(name)
            else:
                junk.append(JunkName(name, reason, topic))
        kept[topic] = tuple(good)
    if not junk:
        return extraction, []
    return _replace_concepts(extraction, kept), junk


def _replace_concepts(extraction: Extraction, concepts: dict[str, tuple[str, ...]]) -> Extraction:
    from dataclasses import replace

    return replace(extraction, concepts=concepts)
