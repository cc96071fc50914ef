"""Ingest, step 1: read documents from ``.jsonl``, ``.parquet``, ``.txt``/``.md`` files or folders.

Yields :class:`Document` for every usable row and :class:`Reject` (with ``file:line`` and a
reason) for every row that is not. Problems that make a whole input unusable (a missing
path, an empty or unreadable file, an unsupported file type) raise :class:`InputError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kgsynth.errors import InputError
from kgsynth.keys import clean_name, document_id
from kgsynth.records import Document, Reject

TEXT_SUFFIXES = {".txt", ".md"}
SUFFIXES = {".jsonl", ".parquet"} | TEXT_SUFFIXES
BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark, written by some editors: skipped


def input_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders (recursively, supported suffixes only) and check every path exists."""
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and suffix(p) in SUFFIXES)
            if not found:
                raise InputError(f"{path}: folder holds no .jsonl, .parquet, .txt or .md files")
            files.extend(found)
        elif suffix(path) not in SUFFIXES:
            raise InputError(
                f"{path}: unsupported file type '{path.suffix}'; expected .jsonl, .parquet, "
                ".txt or .md"
            )
        else:
            files.append(path)
    return files


def suffix(path: Path) -> str:
    """The file type of ``path``: its suffix in lower case (``.JSONL`` is ``.jsonl``)."""
    return path.suffix.lower()


def read_documents(paths: Iterable[Path]) -> Iterator[Document | Reject]:
    """Every document of every input, in order, plus a Reject for every unusable row."""
    for path in input_files(paths):
        if path.stat().st_size == 0:
            raise InputError(f"{path}: empty file; expected {_expected(path)}")
        if suffix(path) == ".jsonl":
            yield from _read_jsonl(path)
        elif suffix(path) == ".parquet":
            yield from _read_parquet(path)
        else:
            yield _read_text_file(path)


def _expected(path: Path) -> str:
    if suffix(path) == ".jsonl":
        return 'one JSON object per line with a "text" field'
    if suffix(path) == ".parquet":
        return "a table with a 'text' column"
    return "the document's text"


def _read_jsonl(path: Path) -> Iterator[Document | Reject]:
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            source = f"{path}:{number}"
            if number == 1:
                raw = raw.removeprefix(BOM)
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as e:
                yield Reject("ingest", source, f"not valid UTF-8 ({e.reason} at byte {e.start})",
                             raw[:500].decode("utf-8", "replace"))  # fmt: skip
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield Reject("ingest", source, f"malformed JSON ({e.msg}, column {e.colno})",
                             line[:500])  # fmt: skip
                continue
            if not isinstance(obj, dict):
                yield Reject("ingest", source, "expected a JSON object", line[:500])
                continue
            yield to_document(obj, source)


def _read_parquet(path: Path) -> Iterator[Document | Reject]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for a broken file
        raise InputError(f"{path}: not a readable parquet file ({e})") from None
    if "text" not in parquet.schema_arrow.names:
        raise InputError(f"{path}: no 'text' column; found columns {parquet.schema_arrow.names}")
    row_number = 0
    for batch in parquet.iter_batches(batch_size=1024):
        for obj in batch.to_pylist():
            row_number += 1
            yield to_document(obj, f"{path}:row {row_number}")


def _read_text_file(path: Path) -> Document | Reject:
    try:
        text = path.read_bytes().removeprefix(BOM).decode("utf-8")
    except UnicodeDecodeError as e:
        return Reject("ingest", str(path), f"not valid UTF-8 ({e.reason} at byte {e.start})")
    return to_document({"text": text, "title": path.stem}, str(path))


def to_document(obj: dict[str, Any], source: str) -> Document | Reject:
    """Validate one input row. Missing ids come from the text; concepts may be a flat list."""
    broken = _lone_surrogate(obj)
    if broken:
        return Reject("ingest", source, broken, json.dumps(obj, default=str)[:500])
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return Reject("ingest", source, 'missing or empty "text" (a non-empty string)',
                      json.dumps(obj, default=str)[:500])  # fmt: skip
    doc_id = obj.get("id")
    if doc_id is not None and not isinstance(doc_id, (str, int)):
        return Reject("ingest", source, '"id" must be a string or an integer',
                      json.dumps(obj, default=str)[:500])  # fmt: skip
    title = obj.get("title")
    try:
        topics, concepts = _given_concepts(obj.get("topics"), obj.get("concepts"))
    except ValueError as e:
        return Reject("ingest", source, str(e), json.dumps(obj, default=str)[:500])
    return Document(
        id=str(doc_id) if doc_id is not None and str(doc_id).strip() else document_id(text),
        text=text,
        title=clean_name(str(title)) if title else "",
        source=source,
        topics=topics,
        concepts=concepts,
    )


def _lone_surrogate(obj: dict[str, Any]) -> str | None:
    """Why a row cannot be stored as UTF-8 (a lone surrogate such as "\\ud800", valid in JSON
    but not in any database), naming the field; None when every string is storable."""
    for key, value in obj.items():
        for text in _strings(key, value):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as e:
                return (
                    f'"{key}" holds a lone surrogate (\\u{ord(text[e.start]):04x} at '
                    f"character {e.start}), which is not storable text"
                )
    return None


def _strings(key: Any, value: Any) -> Iterator[str]:
    if isinstance(key, str):
        yield key
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(None, v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k, v)


def _given_concepts(
    topics: Any, concepts: Any
) -> tuple[tuple[str, ...] | None, dict[str, tuple[str, ...]] | None]:
    """Normalise pre-extracted fields: topics list, and concepts as a map or a flat list."""
    if topics is None and concepts is None:
        return None, None
    if topics is not None and (
        not isinstance(topics, list) or not all(isinstance(t, str) for t in topics)
    ):
        raise ValueError('"topics" must be a list of strings')
    topic_names = tuple(t for t in (clean_name(t) for t in topics or []) if t)
    if concepts is None:
        return topic_names, {t: () for t in topic_names}
    if isinstance(concepts, list):
        if not all(isinstance(c, str) for c in concepts):
            raise ValueError('"concepts" as a list must hold strings')
        if not topic_names:
            raise ValueError('a flat "concepts" list needs "topics" to attach it to')
        flat = tuple(c for c in (clean_name(c) for c in concepts) if c)
        return topic_names, {t: flat for t in topic_names}
    if isinstance(concepts, dict):
        mapping: dict[str, tuple[str, ...]] = {}
        for topic, names in concepts.items():
            if not isinstance(names, list) or not all(isinstance(c, str) for c in names):
                raise ValueError(f'"concepts" for topic {topic!r} must be a list of strings')
            if clean_name(topic):
                mapping[clean_name(topic)] = tuple(c for c in map(clean_name, names) if c)
        for t in topic_names:
            mapping.setdefault(t, ())
        return tuple(mapping), mapping
    raise ValueError('"concepts" must be a map of topic -> list, or a list of strings')
