"""The records that flow between stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One input document. ``topics``/``concepts`` are set when the input already carries them
    (then no extraction call is made); ``concepts`` maps a topic name to its key concepts."""

    id: str
    text: str
    title: str
    source: str  # file (and line/row) the document came from
    topics: tuple[str, ...] | None = None
    concepts: dict[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class Extraction:
    """What concept extraction found in one document (docs/method.md, "Extraction")."""

    doc_id: str
    level: str | None
    subject: str | None
    concepts: dict[str, tuple[str, ...]]  # topic name -> key concept names (display form)
    model: str | None = None  # None when the input carried the concepts
    prompt: str | None = None  # template name
    prompt_hash: str | None = None


@dataclass(frozen=True)
class Reject:
    """A row set aside with the reason, written to a rejects sidecar file."""

    stage: str
    source: str  # file:line, or a document / concept-set id
    reason: str
    payload: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
