"""The ``extract`` prompt's reply format: its JSON schema and the parsers that read it.

A reply is JSON matching :func:`extraction_schema` (backends constrain decoding to it), or,
from a model that ignores the schema, the paper's tagged format (Fig. 11), read by
:func:`parse_tagged_extraction`. Either way names are cleaned the same way
(:func:`clean_concepts`). A reply that cannot be used raises :class:`ExtractionParseError`,
whose short ``reason`` code goes to the rejects file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kgsynth.config import ExtractConfig
from kgsynth.keys import clean_name, normalize_key

LEVELS = (
    "Primary School",
    "Middle School",
    "High School",
    "College",
    "Graduate School",
    "Competition",
    "Other",
)
NAME_MAX = 80  # longest topic / concept / subject name accepted from a model, in characters
_LEVEL_BY_KEY = {normalize_key(level): level for level in LEVELS}

Concepts = dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class ParsedExtraction:
    """What a model reply says, cleaned: names NFKC/whitespace-normalised, blanks and
    duplicate concepts (same :func:`normalize_key` within a topic) dropped."""

    level: str | None
    subject: str | None
    concepts: Concepts


class ExtractionParseError(ValueError):
    """A reply that cannot be used; ``reason`` is a short code for the rejects file."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def extraction_schema(cfg: ExtractConfig) -> dict[str, Any]:
    """The JSON schema a reply must match: level, subject, bounded topics with concepts."""
    name = {"type": "string", "minLength": 1, "maxLength": NAME_MAX}
    topic = {
        "type": "object",
        "properties": {
            "name": name,
            "concepts": {
                "type": "array",
                "items": name,
                "minItems": cfg.min_concepts,
                "maxItems": cfg.max_concepts,
            },
        },
        "required": ["name", "concepts"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "level": {"type": "string", "enum": list(LEVELS)},
            "subject": name,
            "topics": {
                "type": "array",
                "items": topic,
                "minItems": cfg.min_topics,
                "maxItems": cfg.max_topics,
            },
        },
        "required": ["level", "subject", "topics"],
        "additionalProperties": False,
    }


def parse_extraction(
    text: str, max_topics: int | None = None, max_concepts: int | None = None
) -> ParsedExtraction:
    """Read a reply as JSON, or in the tagged format when it holds no JSON object.
    Topics and concepts beyond the maxima are cut off."""
    data = _json_object(text)
    if data is None:
        if "<topic>" not in text and "<key_concept>" not in text:
            raise ExtractionParseError("invalid_json", f"not JSON and not tagged: {text[:80]!r}")
        parsed = parse_tagged_extraction(text)
    else:
        parsed = _from_json(data)
    concepts = clean_concepts(parsed.concepts.items(), max_topics, max_concepts)
    if not concepts:
        raise ExtractionParseError("no_topics", "no topic with a usable name")
    if not any(concepts.values()):
        raise ExtractionParseError("no_concepts", "no key concept with a usable name")
    return ParsedExtraction(parsed.level, parsed.subject, concepts)


def _json_object(text: str) -> Any:
    """The JSON value in ``text`` (also inside code fences or prose); None when there is none."""
    candidates = [text.strip()]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            # strict=False: grammar-constrained decoding (xgrammar) lets raw control
            # characters into strings; they are removed from names by _name below.
            return json.loads(candidate, strict=False)
        except json.JSONDecodeError:
            continue
    return None


def _from_json(data: Any) -> ParsedExtraction:
    """Check the shape of a decoded reply (a schema-free backend can return anything)."""
    if not isinstance(data, dict):
        raise ExtractionParseError("wrong_shape", f"expected an object, got {type(data).__name__}")
    topics = data.get("topics")
    if not isinstance(topics, list):
        raise ExtractionParseError("wrong_shape", '"topics" must be a list')
    pairs: dict[str, tuple[str, ...]] = {}
    for item in topics:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ExtractionParseError("wrong_shape", 'each topic needs a string "name"')
        names = item.get("concepts", [])
        if not isinstance(names, list) or not all(isinstance(c, str) for c in names):
            raise ExtractionParseError("wrong_shape", '"concepts" must be a list of strings')
        pairs[item["name"]] = pairs.get(item["name"], ()) + tuple(names)
    level, subject = data.get("level"), data.get("subject")
    if not isinstance(level, str | None) or not isinstance(subject, str | None):
        raise ExtractionParseError("wrong_shape", '"level" and "subject" must be strings')
    return ParsedExtraction(_level(level), _subject(subject), pairs)


_TAG = r"<{0}>(.*?)(?:</{0}>|(?=<[a-z_]+>)|$)"  # an unclosed tag ends at the next tag
_MARK = re.compile(r"(?:(?<=\s)|^)(\d{1,2})\.(?:(\d{1,2})\.?)?(?=\s)")
_EDGE = " \t\n.,;:-*"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def parse_tagged_extraction(text: str) -> ParsedExtraction:
    """Read the paper's tagged reply: ``<level>…</level><subject>…</subject>
    <topic>Topics: 1. A 2. B</topic><key_concept>Key Concepts: 1. A: 1.1 x 1.2 y 2. B: …
    </key_concept>``. Topics listed without concepts keep an empty list."""
    level = _tag(text, "level")
    subject = _tag(text, "subject")
    topics = [name for _, name in _numbered(_unlabel(_tag(text, "topic") or "", "topics"))]
    concepts: dict[str, list[str]] = {t: [] for t in topics}
    headers: dict[int, str] = {}  # "1. Topic:" lines inside the key-concept block
    for (major, minor), body in _numbered(_unlabel(_tag(text, "key_concept") or "", "key")):
        if minor is None:  # a topic header: "1. Topic:" or "1. Topic: a, b"
            head, _, rest = body.partition(":")
            headers[major] = head.strip(_EDGE)
            concepts.setdefault(headers[major], []).extend(re.split(r"[,;]", rest))
            continue
        topic = headers.get(major) or (topics[major - 1] if 0 < major <= len(topics) else None)
        if topic is not None:  # "1.2 concept" under topic 1
            concepts.setdefault(topic, []).append(body)
    pairs = [(t, [c.strip(_EDGE) for c in names]) for t, names in concepts.items()]
    return ParsedExtraction(_level(level), _subject(subject), clean_concepts(pairs))


def _tag(text: str, tag: str) -> str | None:
    found = re.findall(_TAG.format(tag), text, flags=re.DOTALL | re.IGNORECASE)
    return " ".join(found).strip() or None


def _unlabel(block: str, label: str) -> str:
    """Drop a leading ``Topics:`` / ``Key Concepts:`` label."""
    return re.sub(rf"^\s*{label}[a-z ]*:", "", block, flags=re.IGNORECASE).strip()


def _numbered(block: str) -> list[tuple[tuple[int, int | None], str]]:
    """Split ``1. a 1.1 b 2. c`` into ((1, None), "a"), ((1, 1), "b"), ((2, None), "c");
    a block without numbers is read as one name per line (or comma-separated)."""
    marks = list(_MARK.finditer(block))
    if not marks:
        items = re.split(r"[\n,;]", block)
        return [((k + 1, None), s.strip(_EDGE)) for k, s in enumerate(items) if s.strip(_EDGE)]
    out = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(block)
        minor = int(m[2]) if m[2] else None
        out.append(((int(m[1]), minor), block[m.end() : end].strip(" \t\n,;")))
    return out


def _level(value: str | None) -> str | None:
    """One of LEVELS ("high_school" reads as High School); anything else is "Other"."""
    if value is None or not value.strip():
        return None
    return _LEVEL_BY_KEY.get(normalize_key(value.replace("_", " ")), "Other")


def _name(raw: str) -> str:
    """keys.clean_name after turning control characters (tabs, backspaces...) into spaces."""
    return clean_name(_CONTROL.sub(" ", raw))


def _subject(value: str | None) -> str | None:
    name = _name(value or "")
    return name[:NAME_MAX] if name else None


def clean_concepts(
    pairs: Iterable[tuple[str, Iterable[str]]],
    max_topics: int | None = None,
    max_concepts: int | None = None,
    max_len: int | None = NAME_MAX,
) -> Concepts:
    """Clean names (control characters out, then keys.clean_name), drop blank ones and those
    longer than ``max_len``, merge topics with the same key (first spelling kept) and drop
    repeated concepts within a topic; then cut to the maxima (None: no limit)."""
    limit = max_len or 10**9
    merged: dict[str, list[str]] = {}
    display: dict[str, str] = {}
    seen: dict[str, set[str]] = {}
    for raw_topic, raw_names in pairs:
        topic = _name(raw_topic)
        if not topic or len(topic) > limit:
            continue
        key = normalize_key(topic)
        if key not in display:
            if max_topics is not None and len(display) >= max_topics:
                continue
            display[key], merged[key], seen[key] = topic, [], set()
        for raw in raw_names:
            name = _name(raw)
            ckey = normalize_key(name)
            if name and len(name) <= limit and ckey not in seen[key]:
                seen[key].add(ckey)
                merged[key].append(name)
    cut = slice(None, max_concepts)
    return {display[k]: tuple(names[cut]) for k, names in merged.items()}
