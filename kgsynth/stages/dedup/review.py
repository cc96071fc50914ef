"""The review queue: pairs the verifier could not decide, and the decisions taken on them.

``kgsynth dedup --review`` lists queued pairs (score, the verifier's note, a few documents
that mention each name). :func:`accept` merges pairs (survivor by the usual rule; the merge
records ``decided_by`` and a reason); :func:`reject` records KEEP_APART, which every later
dedup run (``--rebuild`` included) respects. :func:`judge` lets the configured LLM decide
queued pairs: it answers JSON ``{"same": bool, "reason": str}`` (prompt
``prompts/templates/dedup_judge.jinja2``); the reason is recorded on the merge or the
keep-apart record, and a reply that cannot be read leaves the pair in the queue.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kgsynth.errors import KgsynthError
from kgsynth.graph.repository.review import QueuedPair
from kgsynth.stages.dedup.merge import Link, keep_apart_row, now, write_merges

if TYPE_CHECKING:
    from kgsynth.config import Settings
    from kgsynth.graph import GraphRepository
    from kgsynth.llm.base import LLMBackend

PROMPT = "dedup_judge"
JUDGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "same": {"type": "boolean"},
        "reason": {"type": "string", "minLength": 1, "maxLength": 200},
    },
    "required": ["same", "reason"],
    "additionalProperties": False,
}


class ReviewPairNotFoundError(KgsynthError):
    """An accept/reject named a pair id that is not in the review queue."""

    exit_code = 2


@dataclass(frozen=True)
class JudgeReport:
    judged: int  # pairs sent to the model
    merged: int  # aliases merged because the model said "same"
    kept_apart: int  # pairs recorded as distinct
    unreadable: int  # replies that were not valid JSON of the schema (pairs stay queued)


def pair_id(a: str, b: str) -> str:
    """A short stable id of a pair of keys (order does not matter): ``p`` + 10 hex digits."""
    lo, hi = sorted((a, b))
    return "p" + hashlib.sha256(f"{lo}\x1f{hi}".encode()).hexdigest()[:10]


def queue_rows(
    review: Sequence[Link], merged: dict[str, str], apart: set[frozenset[str]], threshold: float
) -> list[dict[str, Any]]:
    """queue_review_pairs rows for undecided pairs, each end mapped to its survivor when it
    was merged in this run; pairs that became one concept or are kept apart are left out."""
    rows: dict[str, dict[str, Any]] = {}
    queued_at = now()
    for link in review:
        a, b = sorted((merged.get(link.a, link.a), merged.get(link.b, link.b)))
        if a == b or frozenset((a, b)) in apart:
            continue
        pid = pair_id(a, b)
        if pid not in rows or link.score > rows[pid]["score"]:
            rows[pid] = {"id": pid, "a": a, "b": b, "score": link.score, "rule": link.rule,
                         "detail": link.reason or "", "threshold": threshold,
                         "queued_at": queued_at}  # fmt: skip
    return [rows[k] for k in sorted(rows)]


def list_review(store: GraphRepository, limit: int = 50, examples: int = 2) -> list[QueuedPair]:
    """Queued pairs, best score first, with up to ``examples`` document titles per name."""
    return store.review_queue(limit=limit, examples=examples)


def _queued(store: GraphRepository, ids: Sequence[str]) -> list[QueuedPair]:
    wanted = list(dict.fromkeys(ids))
    pairs = store.review_queue(ids=wanted, limit=max(1, len(wanted)), examples=0)
    missing = sorted(set(wanted) - {p.id for p in pairs})
    if missing:
        raise ReviewPairNotFoundError(
            f"not in the review queue: {', '.join(missing)}; `kgsynth dedup --review` lists it"
        )
    return pairs


def accept(
    store: GraphRepository,
    settings: Settings,
    ids: Sequence[str],
    decided_by: str = "review",
    reasons: dict[str, str] | None = None,
) -> dict[str, str]:
    """Merge the queued pairs ``ids``; returns alias -> survivor of the merges written."""
    if not ids:
        return {}
    pairs = _queued(store, ids)
    reasons = reasons or {}
    links = [
        Link(p.a, p.b, p.score, "review", decided_by, reasons.get(p.id, "accepted in review"))
        for p in pairs
    ]
    apart = store.kept_apart_pairs()
    cfg = settings.dedup
    return write_merges(
        store, links, apart, cfg.threshold, cfg.merge_batch_size, dequeue=[p.id for p in pairs]
    )


def reject(
    store: GraphRepository,
    ids: Sequence[str],
    decided_by: str = "review",
    reasons: dict[str, str] | None = None,
) -> int:
    """Record the queued pairs ``ids`` as kept apart; returns how many were recorded."""
    if not ids:
        return 0
    reasons = reasons or {}
    rows = [
        keep_apart_row(p.a, p.b, decided_by, reasons.get(p.id, "rejected in review"), p.score)
        for p in _queued(store, ids)
    ]
    return store.keep_apart(rows)


def judge(
    store: GraphRepository, settings: Settings, backend: LLMBackend, limit: int = 1000
) -> JudgeReport:
    """Let ``backend`` decide up to ``limit`` queued pairs (best score first)."""
    from kgsynth.llm.base import ChatRequest
    from kgsynth.prompts import prompt

    pairs = store.review_queue(limit=limit, examples=2)
    if not pairs:
        return JudgeReport(0, 0, 0, 0)
    template = prompt(PROMPT, settings.prompts)
    requests = [
        ChatRequest(
            messages=tuple(
                template.render(
                    a=p.a_name, b=p.b_name, a_docs=list(p.a_docs), b_docs=list(p.b_docs)
                )
            ),
            json_schema=JUDGE_SCHEMA,
            max_new_tokens=128,
            temperature=0.0,
            seed=settings.llm.seed,
        )  # fmt: skip
        for p in pairs
    ]
    same: dict[str, str] = {}
    distinct: dict[str, str] = {}
    unreadable = 0
    for p, completion in zip(pairs, backend.generate(requests), strict=True):
        answer = read_judgement(completion.text)
        if answer is None:
            unreadable += 1
            continue
        (same if answer[0] else distinct)[p.id] = answer[1]
    by = f"judge:{backend.model_name}"
    merged = accept(store, settings, list(same), by, same)
    kept = reject(store, list(distinct), by, distinct)
    return JudgeReport(len(pairs), len(merged), kept, unreadable)


def read_judgement(text: str) -> tuple[bool, str] | None:
    """(same, reason) from a judge reply; None when it is not JSON of the schema."""
    start, end = text.find("{"), text.rfind("}")
    try:
        data = json.loads(text[start : end + 1]) if 0 <= start < end else None
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("same"), bool):
        return None
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        return None
    return data["same"], " ".join(reason.split())[:200]
