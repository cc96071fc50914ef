"""Ingest, step 2: concept extraction (docs/method.md, "Extraction"; the paper's Fig. 11).

Reads :class:`Document` records and yields one :class:`Extraction` (educational level,
subject, topic -> key concepts) or one :class:`Reject` per document. Documents that carry
their own topics/concepts pass through without a model call (``model`` None); the others are
rendered with the ``extract`` prompt and sent to the backend a chunk at a time, one
``generate`` call per chunk, with the reply constrained to :func:`extraction_schema`. Replies
are read as JSON, or in the paper's tagged format (:func:`parse_tagged_extraction`) when
they are not JSON; the reply format lives in :mod:`kgsynth.prompts.extraction`.
Pass-through documents are yielded at once, so the output order can differ from the input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kgsynth.config import ExtractConfig, LLMConfig, PromptsConfig
from kgsynth.errors import ModelError
from kgsynth.llm.base import ChatRequest, Completion, LLMBackend
from kgsynth.prompts import PromptTemplate, prompt
from kgsynth.prompts.extraction import (
    LEVELS,
    ExtractionParseError,
    ParsedExtraction,
    clean_concepts,
    extraction_schema,
    parse_extraction,
    parse_tagged_extraction,
)
from kgsynth.records import Document, Extraction, Reject

__all__ = [
    "LEVELS",
    "ParsedExtraction",
    "document_seed",
    "extract",
    "extraction_schema",
    "parse_extraction",
    "parse_tagged_extraction",
]

STAGE = "extract"
PROMPT = "extract"


def extract(
    documents: Iterable[Document],
    backend: LLMBackend,
    cfg: ExtractConfig,
    llm_cfg: LLMConfig,
    on_progress: Callable[[int], None] | None = None,
    chunk_batches: int = 4,
    prompts: PromptsConfig | None = None,
) -> Iterator[Extraction | Reject]:
    """Extract concepts from every document; ``on_progress(n)`` gets the running count of
    finished documents. A chunk is ``chunk_batches`` backend batches of documents.
    ``prompts`` chooses the ``extract`` template and the domain (default: bundled, maths)."""
    template = prompt(PROMPT, prompts)
    schema = extraction_schema(cfg)
    chunk_size = max(1, llm_cfg.batch_size * chunk_batches)
    pending: list[Document] = []
    done = 0

    def report(n: int) -> None:
        nonlocal done
        done += n
        if on_progress is not None:
            on_progress(done)

    for doc in documents:
        if doc.topics is not None or doc.concepts is not None:
            yield _given(doc)
            report(1)
        elif not doc.text.strip():
            yield Reject(STAGE, doc.id, "empty_text", "", {"detail": "no text and no concepts"})
            report(1)
        else:
            pending.append(doc)
            if len(pending) >= chunk_size:
                yield from _run_chunk(pending, backend, template, schema, cfg, llm_cfg)
                report(len(pending))
                pending = []
    if pending:
        yield from _run_chunk(pending, backend, template, schema, cfg, llm_cfg)
        report(len(pending))


def _given(doc: Document) -> Extraction | Reject:
    """An Extraction from the concepts the input carried (topics-only documents included)."""
    pairs: list[tuple[str, Iterable[str]]] = list((doc.concepts or {}).items())
    pairs += [(t, ()) for t in doc.topics or ()]
    concepts = clean_concepts(pairs, max_len=None)
    if not concepts:
        return Reject(STAGE, doc.id, "no_topics", "", {"detail": "the given topics are empty"})
    return Extraction(doc.id, None, None, concepts)


def _run_chunk(
    docs: list[Document],
    backend: LLMBackend,
    template: PromptTemplate,
    schema: dict[str, Any],
    cfg: ExtractConfig,
    llm_cfg: LLMConfig,
) -> Iterator[Extraction | Reject]:
    """One backend call for the chunk; every reply becomes an Extraction or a Reject."""
    requests = [
        ChatRequest(
            messages=tuple(template.render(**_prompt_values(doc, cfg))),
            json_schema=schema,
            max_new_tokens=cfg.max_new_tokens or llm_cfg.max_new_tokens,
            temperature=llm_cfg.temperature if cfg.temperature is None else cfg.temperature,
            top_p=llm_cfg.top_p,
            seed=document_seed(llm_cfg.seed, doc.id),
        )
        for doc in docs
    ]
    completions = backend.generate(requests)
    if len(completions) != len(requests):
        raise ModelError(
            f"backend {backend.model_name} returned {len(completions)} completions "
            f"for {len(requests)} requests"
        )
    for doc, completion in zip(docs, completions, strict=True):
        yield _to_record(doc, completion, backend.model_name, template, cfg)


def _prompt_values(doc: Document, cfg: ExtractConfig) -> dict[str, Any]:
    return {
        "text": doc.text[: cfg.max_chars].strip(),
        "levels": LEVELS,
        "min_topics": cfg.min_topics,
        "max_topics": cfg.max_topics,
        "min_concepts": cfg.min_concepts,
        "max_concepts": cfg.max_concepts,
    }


def _to_record(
    doc: Document, completion: Completion, model: str, template: PromptTemplate, cfg: ExtractConfig
) -> Extraction | Reject:
    info = {"finish_reason": completion.finish_reason, "tokens": completion.completion_tokens}
    if completion.finish_reason == "length":
        detail = "the reply hit max_new_tokens before it was complete"
        return Reject(STAGE, doc.id, "truncated", completion.text, {"detail": detail, **info})
    try:
        parsed = parse_extraction(completion.text, cfg.max_topics, cfg.max_concepts)
    except ExtractionParseError as e:
        return Reject(STAGE, doc.id, e.reason, completion.text, {"detail": e.detail, **info})
    return Extraction(
        doc.id, parsed.level, parsed.subject, parsed.concepts, model, template.name, template.sha256
    )


def document_seed(seed: int, doc_id: str) -> int:
    """The sampling seed of one document's request: stable for the same run seed and id."""
    digest = hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big")
