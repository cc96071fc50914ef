"""Stable identities: normalised name keys, document ids, concept-set hashes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

_SPACE = re.compile(r"\s+")


def _visible(text: str) -> str:
    """``text`` without format characters (zero-width spaces and joiners, BOM, soft hyphen)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def normalize_key(name: str) -> str:
    """The matching key of a topic or concept name: NFKC, invisible format characters
    removed, case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", _visible(unicodedata.normalize("NFKC", name)).casefold()).strip()


def clean_name(name: str) -> str:
    """The display form of a name: its own spelling with whitespace collapsed; "" when the
    name has no visible character (only spaces or zero-width characters)."""
    if not normalize_key(name):
        return ""
    collapsed = _SPACE.sub(" ", name).strip()
    start = next(i for i, ch in enumerate(collapsed) if unicodedata.category(ch) != "Cf")
    end = len(collapsed) - next(
        i for i, ch in enumerate(reversed(collapsed)) if unicodedata.category(ch) != "Cf"
    )
    return collapsed[start:end].strip()


def text_hash(text: str) -> str:
    """sha256 of the normalised text (NFKC, whitespace collapsed, case kept)."""
    canonical = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def document_id(text: str) -> str:
    """The id of a document that has none: derived from its normalised text."""
    return "doc-" + text_hash(text)[:16]


def set_hash(topic_keys: Iterable[str], concept_keys: Iterable[str]) -> str:
    """Canonical hash of a concept set: the same keys give the same hash in any order."""
    parts = ["T:" + k for k in sorted(set(topic_keys))]
    parts += ["C:" + k for k in sorted(set(concept_keys))]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:24]
