"""Stable identities: normalised name keys, document ids, concept-set hashes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

_SPACE = re.compile(r"\s+")


def normalize_key(name: str) -> str:
    """The matching key of a topic or concept name: NFKC, case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()


def clean_name(name: str) -> str:
    """The display form of a name: NFKC with whitespace collapsed (case kept)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", name)).strip()


def text_hash(text: str) -> str:
    """sha256 of the normalised text (NFKC, whitespace collapsed, case kept)."""
    return hashlib.sha256(clean_name(text).encode("utf-8")).hexdigest()


def document_id(text: str) -> str:
    """The id of a document that has none: derived from its normalised text."""
    return "doc-" + text_hash(text)[:16]


def set_hash(topic_keys: Iterable[str], concept_keys: Iterable[str]) -> str:
    """Canonical hash of a concept set: the same keys give the same hash in any order."""
    parts = ["T:" + k for k in sorted(set(topic_keys))]
    parts += ["C:" + k for k in sorted(set(concept_keys))]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:24]
