"""What a question-writing call must return, and the tolerant parser that reads it.

Every level asks for JSON and passes a JSON schema to the backend, which constrains decoding
where it can (transformers with xgrammar, vLLM). A backend or model that ignores the schema
may still answer in the paper's tagged format (docs/method.md, "Question levels")::

    <Q1> Selected Concepts: [a, b] Question: ... Orig_tag: <newly_created> Level: college </Q1>

so :func:`parse_questions` reads JSON first (also inside a ```json fence) and falls back to
``<Qi>`` blocks. A reply that yields no question is reported with a reason (the caller sets
it aside as a reject); a Level-1 reply that judges the article unsuitable is not an error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

SCHOOL_LEVELS = (
    "elementary",
    "middle_school",
    "high_school",
    "college",
    "grad_school",
    "competition",
)
"""Level-1 school-level tags (the paper's Fig. 8 list)."""

ORIG_TAGS = ("original", "new")
"""Level-1 originality: extracted from the article (possibly rephrased) or newly written."""


@dataclass(frozen=True)
class ParsedQuestion:
    """One question as the model wrote it (display strings, whitespace trimmed)."""

    question: str
    selected_concepts: tuple[str, ...] = ()
    orig_tag: str | None = None  # levels that tag questions (Level-1)
    school_level: str | None = None  # levels that tag questions (Level-1)


@dataclass(frozen=True)
class ParseResult:
    """``questions`` when the reply parsed; ``unsuitable`` when a Level-1 reply declined the
    article; ``error`` (a short reason, details in parentheses) when it yielded nothing."""

    questions: tuple[ParsedQuestion, ...] = ()
    unsuitable: bool = False
    error: str | None = None
    dropped: tuple[str, ...] = field(default=())  # reasons for items left out of a good reply


def question_schema(
    max_questions: int, *, may_decline: bool, tags_questions: bool, selects_concepts: bool
) -> dict[str, Any]:
    """The JSON schema of a reply, allowing 1 to ``max_questions`` questions.

    ``selects_concepts``: each question names the 2-3 concepts it combines. ``tags_questions``:
    each carries an originality tag and a school level. ``may_decline``: the reply starts with
    the ``suitable`` verdict (so the model decides before it writes) and may hold no question.
    The level objects (:mod:`kgsynth.stages.generate.levels`) set these flags.
    """
    text = {"type": "string", "minLength": 1}
    properties: dict[str, Any] = {}
    if selects_concepts:
        properties["selected_concepts"] = {
            "type": "array",
            "items": text,
            "minItems": 2,
            "maxItems": 3,
        }
    properties["question"] = text
    if tags_questions:
        properties["orig_tag"] = {"type": "string", "enum": list(ORIG_TAGS)}
        properties["school_level"] = {"type": "string", "enum": list(SCHOOL_LEVELS)}
    item = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    questions: dict[str, Any] = {"type": "array", "items": item}
    if not may_decline:
        questions["minItems"] = 1
    questions["maxItems"] = max_questions
    reply: dict[str, Any] = {"suitable": {"type": "boolean"}} if may_decline else {}
    reply["questions"] = questions
    return {
        "type": "object",
        "properties": reply,
        "required": list(reply),
        "additionalProperties": False,
    }


def parse_questions(
    text: str, max_questions: int, *, may_decline: bool = False, tags_questions: bool = False
) -> ParseResult:
    """Read a reply: JSON (the schema above) or, failing that, ``<Qi>`` blocks.

    At most ``max_questions`` questions are kept, in the order written. ``may_decline`` and
    ``tags_questions`` are the level's flags (see :func:`question_schema`).
    """
    stripped = text.strip()
    if not stripped:
        return ParseResult(error="empty output")
    data = _json_object(stripped)
    flags = (may_decline, tags_questions)
    result = _from_json(data, *flags) if data is not None else _from_tags(stripped, *flags)
    if result.error or result.unsuitable:
        return result
    kept = result.questions[:max_questions]
    if not kept:
        return ParseResult(error="no questions", dropped=result.dropped)
    return ParseResult(questions=kept, dropped=result.dropped)


# -- JSON -------------------------------------------------------------------------------------
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def _json_object(text: str) -> dict[str, Any] | None:
    """The reply's JSON object: the whole text, a fenced block, or the outermost braces
    (a bare JSON list is read as the question list)."""
    candidates = [text, *(m.group(1) for m in _FENCE.finditer(text))]
    if "{" in text and "}" in text:
        candidates.append(text[text.index("{") : text.rindex("}") + 1])
    for candidate in candidates:
        try:
            value = json.loads(candidate, strict=False)  # raw control characters in strings
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
        if isinstance(value, list):  # a bare list of questions
            return {"questions": value}
    return None


def _from_json(data: dict[str, Any], may_decline: bool, tags_questions: bool) -> ParseResult:
    items = data.get("questions")
    if may_decline and data.get("suitable") is False:
        return ParseResult(unsuitable=True)
    if not isinstance(items, list):
        return ParseResult(error="wrong shape (no 'questions' list)")
    questions: list[ParsedQuestion] = []
    dropped: list[str] = []
    for item in items:
        if isinstance(item, str):
            item = {"question": item}
        if not isinstance(item, dict) or not _text(item.get("question")):
            dropped.append("empty question")
            continue
        questions.append(
            ParsedQuestion(
                question=_text(item.get("question")),
                selected_concepts=_concept_list(item.get("selected_concepts")),
                orig_tag=_orig_tag(item.get("orig_tag")) if tags_questions else None,
                school_level=_school_level(item.get("school_level")) if tags_questions else None,
            )
        )
    return ParseResult(questions=tuple(questions), dropped=tuple(dropped))


# -- tagged <Qi> blocks -----------------------------------------------------------------------
_BLOCK = re.compile(r"<Q(\d+)>(.*?)(?:</Q\1>|(?=<Q\d+>)|\Z)", re.DOTALL | re.IGNORECASE)
_FIELD = re.compile(r"(?P<name>Selected[ _]Concepts|Question|Orig[ _]tag|Level)\s*:", re.IGNORECASE)
_NOT_SUITABLE = re.compile(r"NOT\s+SUITABLE", re.IGNORECASE)
_WORD = re.compile(r"\w")


def _from_tags(text: str, may_decline: bool, tags_questions: bool) -> ParseResult:
    blocks = [m.group(2) for m in _BLOCK.finditer(text)]
    if not blocks:
        if may_decline and _NOT_SUITABLE.search(text):
            return ParseResult(unsuitable=True)
        return ParseResult(error=f"unparseable (neither JSON nor <Qi> blocks: {text[:60]!r})")
    questions: list[ParsedQuestion] = []
    dropped: list[str] = []
    for block in blocks:
        fields = _fields(block)
        question = _text(fields.get("question"))
        if not question:
            dropped.append("empty question")
            continue
        questions.append(
            ParsedQuestion(
                question=question,
                selected_concepts=_concept_list(fields.get("selected concepts", "")),
                orig_tag=_orig_tag(fields.get("orig tag")) if tags_questions else None,
                school_level=_school_level(fields.get("level")) if tags_questions else None,
            )
        )
    return ParseResult(questions=tuple(questions), dropped=tuple(dropped))


def _fields(block: str) -> dict[str, str]:
    """``Name: value`` pairs of one block; a value runs until the next known field name."""
    marks = list(_FIELD.finditer(block))
    out: dict[str, str] = {}
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(block)
        name = m.group("name").lower().replace("_", " ")
        out.setdefault(name, block[m.end() : end].strip())
    return out


# -- value normalisation ----------------------------------------------------------------------
def _text(value: Any) -> str:
    """The trimmed string, or "" for a non-string or a placeholder without any letter or
    digit (small models copy the prompt's ``"..."`` example literally)."""
    text = value.strip() if isinstance(value, str) else ""
    return text if _WORD.search(text) else ""


def _concept_list(value: Any) -> tuple[str, ...]:
    """Concept names from a JSON list or a tagged ``[a, b]`` / ``a; b`` / numbered string."""
    if isinstance(value, list):
        names = [v.strip() for v in value if isinstance(v, str)]
    elif isinstance(value, str):
        body = value.strip().strip("[]")
        parts = re.split(r"[;,\n]", body)
        names = [re.sub(r"^\s*(?:\d+[.)]|[-*])\s*", "", p).strip().strip("'\"") for p in parts]
    else:
        names = []
    return tuple(dict.fromkeys(n for n in names if _WORD.search(n)))


def _orig_tag(value: Any) -> str | None:
    """``original`` for <original_question>/<is_original>, ``new`` for <newly_created>."""
    v = _text(value).strip("<>/ ").lower()
    if v.startswith(("orig", "is_orig", "extract")):
        return "original"
    if v.startswith(("new", "newly", "created", "inspired")):
        return "new"
    return None


_LEVEL_ALIASES = {
    "primary_school": "elementary",
    "primary": "elementary",
    "middle": "middle_school",
    "high": "high_school",
    "university": "college",
    "graduate_school": "grad_school",
    "graduate": "grad_school",
}


def _school_level(value: Any) -> str | None:
    """One of :data:`SCHOOL_LEVELS`, from spellings like "High School" or "grad-school"."""
    v = re.sub(r"[\s\-]+", "_", _text(value).strip("<>/ ").lower())
    v = _LEVEL_ALIASES.get(v, v)
    return v if v in SCHOOL_LEVELS else None
