"""Document identity during ingest: new, a repeat (skipped), or a conflict (rejected).

An id names one text. A row whose id was already given (earlier in this ingest, or by a
document in the graph) with the same normalised text is a repeat and is skipped, so
re-running an ingest changes nothing; with a different text it is a conflict and becomes a
counted reject instead of being dropped silently. Integer ids are stored as their decimal
string, so ``7`` and ``"7"`` name the same document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kgsynth.keys import text_hash
from kgsynth.records import Document, Reject

if TYPE_CHECKING:
    from kgsynth.graph import GraphRepository

_HASH_CHARS = 16  # enough to tell texts apart; keeps the per-id memory small


@dataclass
class Split:
    fresh: list[Document] = field(default_factory=list)
    repeats: int = 0
    conflicts: list[Reject] = field(default_factory=list)


class DocumentIds:
    """Remembers the text hash of every id seen in one ingest."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, bool]] = {}  # id -> (text hash, found in the graph)

    def split(self, store: GraphRepository, docs: Sequence[Document]) -> Split:
        """Sort ``docs`` (in order) into fresh documents, repeats and conflicts."""
        ids = list(dict.fromkeys(d.id for d in docs if d.id not in self._seen))
        stored = {i: h[:_HASH_CHARS] for i, h in store.stored_text_hashes(ids).items()}
        out = Split()
        for d in docs:
            digest = text_hash(d.text)[:_HASH_CHARS]
            if d.id in stored and d.id not in self._seen:
                self._seen[d.id] = (stored[d.id], True)
            if d.id not in self._seen:
                self._seen[d.id] = (digest, False)
                out.fresh.append(d)
                continue
            known, in_graph = self._seen[d.id]
            if known and known != digest:
                where = "in the graph" if in_graph else "earlier in this ingest"
                reason = f"conflicting duplicate id {d.id!r}: a different text has it {where}"
                out.conflicts.append(Reject("ingest", d.source, reason, d.text[:500]))
            else:
                out.repeats += 1
        return out
