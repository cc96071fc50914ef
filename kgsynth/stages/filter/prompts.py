"""The filter's three LLM steps: draft a syllabus, write synthetic positives, rate documents.

Prompts are the templates ``filter_syllabus``, ``filter_synthetic`` and ``filter_rate``;
syllabus and rating replies are JSON constrained by the schemas below. A rating reply that
still cannot be used (a backend without constrained decoding, a cut-off reply) becomes a
row with ``valid = False`` and the reason, never a silent drop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kgsynth.batching import batched
from kgsynth.config.filter import FilterConfig
from kgsynth.errors import InputError, ModelError
from kgsynth.keys import clean_name
from kgsynth.llm.base import ChatRequest, LLMBackend
from kgsynth.prompts import load_prompt

RATING_FIELDS = ("domain_relevance", "clarity", "language_quality")
TOPIC_MAX = 80
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


def rating_schema() -> dict[str, Any]:
    score = {"type": "integer", "minimum": 1, "maximum": 10}
    return {
        "type": "object",
        "properties": {name: score for name in RATING_FIELDS},
        "required": list(RATING_FIELDS),
        "additionalProperties": False,
    }


def syllabus_schema(topics: int) -> dict[str, Any]:
    name = {"type": "string", "minLength": 1, "maxLength": TOPIC_MAX}
    return {
        "type": "object",
        "properties": {
            "topics": {"type": "array", "items": name, "minItems": 1, "maxItems": topics}
        },  # fmt: skip
        "required": ["topics"],
        "additionalProperties": False,
    }


def read_syllabus(path: Path) -> list[str]:
    """Topics from a file: one per line; bullets, numbering, blanks and ``#`` lines ignored."""
    if not path.is_file():
        raise InputError(f"{path}: syllabus file not found")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not valid UTF-8 ({e.reason} at byte {e.start})") from None
    topics = _unique(_BULLET.sub("", line) for line in lines if not line.lstrip().startswith("#"))
    if not topics:
        raise InputError(f"{path}: the syllabus names no topics (expected one topic per line)")
    return topics


def draft_syllabus(backend: LLMBackend, cfg: FilterConfig) -> list[str]:
    """Ask the LLM for ``cfg.syllabus_topics`` topics of ``cfg.domain``."""
    prompt = load_prompt("filter_syllabus")
    request = ChatRequest(
        tuple(prompt.render(domain=cfg.domain, topics=cfg.syllabus_topics)),
        json_schema=syllabus_schema(cfg.syllabus_topics),
        max_new_tokens=40 + 24 * cfg.syllabus_topics,
        temperature=0.0,
        seed=cfg.seed,
    )
    reply = backend.generate([request])[0].text
    try:
        value = json.loads(reply)
        topics = _unique(str(t) for t in value["topics"])
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise ModelError(
            f"the LLM's syllabus is not usable ({type(e).__name__}: {reply[:200]!r}); "
            "write one topic per line to a file and pass it with --syllabus"
        ) from None
    if not topics:
        raise ModelError("the LLM drafted an empty syllabus; pass one with --syllabus")
    return topics


def write_positives(
    backend: LLMBackend, cfg: FilterConfig, topics: Sequence[str],
    advance: Callable[[int], None] | None = None,
) -> list[dict[str, str]]:  # fmt: skip
    """Synthetic in-domain documents, one per (topic, genre, copy); empty replies dropped.

    Requests go to the backend ``cfg.rate_batch`` at a time; ``advance(n)`` after each call.
    """
    prompt = load_prompt("filter_synthetic")
    plan = [
        (topic, genre)
        for topic in topics
        for genre in cfg.genre_list()
        for _ in range(cfg.positives_per_topic)
    ]
    requests = [
        ChatRequest(
            tuple(prompt.render(domain=cfg.domain, topic=topic, genre=genre)),
            max_new_tokens=cfg.synthetic_max_new_tokens,
            temperature=cfg.synthetic_temperature,
            seed=cfg.seed + k,
        )
        for k, (topic, genre) in enumerate(plan)
    ]
    replies = []
    for chunk in batched(requests, cfg.rate_batch):
        replies.extend(backend.generate(chunk))
        if advance is not None:
            advance(len(chunk))
    return [
        {"topic": topic, "genre": genre, "text": reply.text.strip()}
        for (topic, genre), reply in zip(plan, replies, strict=True)
        if reply.text.strip()
    ]


def rate(
    backend: LLMBackend, cfg: FilterConfig, ids: Sequence[str], texts: Sequence[str]
) -> list[dict[str, Any]]:
    """One rating row per document: the three ratings and their weighted ``score``, or
    ``valid = False`` with the ``reason`` and the model's ``reply``."""
    prompt = load_prompt("filter_rate")
    schema = rating_schema()
    requests = [
        ChatRequest(
            tuple(prompt.render(domain=cfg.domain, text=text[: cfg.rate_chars])),
            json_schema=schema,
            max_new_tokens=cfg.rate_max_new_tokens,
            temperature=cfg.rate_temperature,
            seed=cfg.seed,
        )
        for text in texts
    ]
    rows = []
    for doc_id, reply in zip(ids, backend.generate(requests), strict=True):
        row: dict[str, Any] = {"id": doc_id, "valid": True, "reason": "", "reply": reply.text}
        try:
            values = parse_rating(reply.text)
        except ValueError as e:
            row.update({name: None for name in RATING_FIELDS}, valid=False, score=None,
                       reason=str(e))  # fmt: skip
        else:
            row.update(values, score=combined_score(values, cfg))
        rows.append(row)
    return rows


def parse_rating(text: str) -> dict[str, int]:
    """The three integer ratings of a reply; ValueError with a short reason otherwise."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"rating is not valid JSON ({e.msg})") from None
    if not isinstance(value, dict):
        raise ValueError("rating is not a JSON object")
    out = {}
    for name in RATING_FIELDS:
        v = value.get(name)
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 10:
            raise ValueError(f"rating {name!r} is not an integer 1-10 (got {v!r})")
        out[name] = v
    return out


def combined_score(values: dict[str, int], cfg: FilterConfig) -> float:
    """The weighted mean of the three ratings (the regression target)."""
    weights = (cfg.weight_relevance, cfg.weight_clarity, cfg.weight_quality)
    total = sum(w * values[name] for w, name in zip(weights, RATING_FIELDS, strict=True))
    return total / sum(weights)


def _unique(names: Any) -> list[str]:
    seen: dict[str, str] = {}
    for raw in names:
        name = clean_name(raw)[:TOPIC_MAX]
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())
