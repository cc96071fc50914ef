"""The extraction stage: pass-through, batching, reply parsing and rejects."""

from __future__ import annotations

import json
from collections.abc import Sequence

from kgsynth.config import ExtractConfig, LLMConfig, llm_config
from kgsynth.llm import ChatRequest, Completion, LLMBackend
from kgsynth.prompts import load_prompt
from kgsynth.records import Document, Extraction, Reject
from kgsynth.stages.ingest.extract import (
    LEVELS,
    extract,
    extraction_schema,
    parse_extraction,
    parse_tagged_extraction,
)
from tests.llm_fixtures import schema_errors

CFG = ExtractConfig(min_concepts=1, max_concepts=3, max_topics=2)
LLM = llm_config(batch_size=2, seed=5)


class NeverCalled(LLMBackend):
    """A backend that must not be asked anything."""

    model_name = "never"

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        raise AssertionError(f"the backend was called with {len(requests)} requests")


class Canned(LLMBackend):
    """Replies with ``replies[marker]`` for the first marker found in the user message."""

    model_name = "canned"

    def __init__(self, replies: dict[str, str | Completion]) -> None:
        self.replies = replies
        self.calls: list[list[ChatRequest]] = []

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        self.calls.append(list(requests))
        out = []
        for r in requests:
            user = r.messages[-1]["content"]
            reply = next(v for k, v in self.replies.items() if k in user)
            out.append(reply if isinstance(reply, Completion) else Completion(reply, 10, 5, "stop"))
        return out


def _doc(doc_id: str, text: str | None = None, **kw: object) -> Document:
    return Document(id=doc_id, text=text or f"Text of {doc_id}.", title="", source="t", **kw)  # type: ignore[arg-type]


def _json(*topics: tuple[str, list[str]], level: str = "College") -> str:
    body = [{"name": n, "concepts": c} for n, c in topics]
    return json.dumps({"level": level, "subject": "Calculus", "topics": body})


def test_given_concepts_pass_through_without_a_model_call() -> None:
    docs = [
        _doc("map", concepts={"Algebra": ("Group", " group ", "Ring")}, topics=("Algebra",)),
        _doc("topics-only", topics=("Geometry", "Topology"), concepts={"Geometry": ()}),
        _doc("empty", topics=(), concepts={}),
    ]
    out = list(extract(docs, NeverCalled(), CFG, LLM))
    assert out[0] == Extraction("map", None, None, {"Algebra": ("Group", "Ring")})
    assert out[1] == Extraction("topics-only", None, None, {"Geometry": (), "Topology": ()})
    assert isinstance(out[2], Reject) and out[2].reason == "no_topics"


def test_replies_become_extractions_with_provenance() -> None:
    backend = Canned({"doc-1": _json(("Limits", ["Epsilon-delta", "epsilon-DELTA", " "]))})
    [record] = list(extract([_doc("doc-1")], backend, CFG, LLM))
    prompt = load_prompt("extract")
    assert record == Extraction(
        "doc-1", "College", "Calculus", {"Limits": ("Epsilon-delta",)},
        "canned", "extract", prompt.sha256,
    )  # fmt: skip


def test_malformed_replies_become_rejects_with_reasons() -> None:
    replies: dict[str, str | Completion] = {
        "bad-json": '{"level": "College", "topics": [',
        "prose": "I think the topics are algebra and geometry.",
        "not-object": "[1, 2]",
        "bad-topics": '{"topics": {"name": "x"}}',
        "blank-topic": _json(("   ", ["Limit"])),
        "blank-concepts": _json(("Limits", ["", "  "])),
        "cut-off": Completion('{"level": "College", "subject": "Calc', 10, 64, "length"),
    }
    docs = [_doc(k) for k in replies]
    out = list(extract(docs, Canned(replies), CFG, LLM))
    reasons = {r.source: r.reason for r in out if isinstance(r, Reject)}
    assert reasons == {
        "bad-json": "invalid_json",
        "prose": "invalid_json",
        "not-object": "wrong_shape",
        "bad-topics": "wrong_shape",
        "blank-topic": "no_topics",
        "blank-concepts": "no_concepts",
        "cut-off": "truncated",
    }
    cut = next(r for r in out if isinstance(r, Reject) and r.source == "cut-off")
    assert cut.stage == "extract" and cut.payload.startswith('{"level"')
    assert cut.extra["finish_reason"] == "length"


def test_requests_are_batched_by_chunk_and_progress_is_reported() -> None:
    docs = [_doc(f"d{i}") for i in range(5)] + [_doc("given", topics=("Algebra",))]
    docs.insert(2, _doc("blank", text="   "))
    backend = Canned({"Text of d": _json(("Limits", ["Continuity"]))})
    progress: list[int] = []
    cfg = ExtractConfig(min_concepts=1, max_new_tokens=77, temperature=0.0)
    out = list(extract(docs, backend, cfg, LLM, on_progress=progress.append, chunk_batches=2))
    assert [len(call) for call in backend.calls] == [4, 1]  # chunk = 2 batches of 2
    assert progress[-1] == len(docs) and progress == sorted(progress)
    assert sum(isinstance(r, Extraction) for r in out) == 6
    assert [r.reason for r in out if isinstance(r, Reject)] == ["empty_text"]
    first = backend.calls[0][0]
    assert first.max_new_tokens == 77 and first.temperature == 0.0
    assert first.json_schema == extraction_schema(cfg)
    seeds = [r.seed for call in backend.calls for r in call]
    assert len(set(seeds)) == 5  # one seed per document


def test_prompt_text_is_cut_to_max_chars() -> None:
    backend = Canned({"": _json(("Limits", ["Continuity"]))})
    cfg = ExtractConfig(min_concepts=1, max_chars=50)
    list(extract([_doc("long", "A" * 40 + "B" * 100)], backend, cfg, LLM))
    user = backend.calls[0][0].messages[-1]["content"]
    assert "A" * 40 + "B" * 10 in user and "B" * 11 not in user


def test_concepts_are_cleaned_deduplicated_and_capped() -> None:
    reply = _json(
        ("Limits", ["Squeeze  theorem", "squeeze theorem", "Ｌ'Hôpital's rule", "Continuity"]),
        ("limits", ["Continuity", "One-sided limit"]),
        ("Series", ["Ratio test"]),
        ("Extra topic", ["Ignored"]),
        level="graduate_school",
    )
    parsed = parse_extraction(reply, max_topics=2, max_concepts=3)
    assert parsed.level == "Graduate School"
    assert parsed.concepts == {  # names keep their spelling (keys fold it: README)
        "Limits": ("Squeeze theorem", "Ｌ'Hôpital's rule", "Continuity"),
        "Series": ("Ratio test",),
    }


def test_tagged_format_is_read() -> None:
    text = """<level>High School</level>
<subject>Trigonometry</subject>
<topic>Topics: 1. Spherical Geometry 2. Navigation 3. Circles</topic>
<key_concept>Key Concepts:
1. Spherical Geometry:
1.1 Great circle
1.2 Haversine formula
1.3 great  circle
2. Navigation: Latitude, Longitude
</key_concept>"""
    parsed = parse_tagged_extraction(text)
    assert (parsed.level, parsed.subject) == ("High School", "Trigonometry")
    assert parsed.concepts == {
        "Spherical Geometry": ("Great circle", "Haversine formula"),
        "Navigation": ("Latitude", "Longitude"),
        "Circles": (),
    }
    unclosed = parse_tagged_extraction(
        "<level>expert<topic>Limits\nSeries<key_concept>1.1 Squeeze theorem 2.1 Ratio test"
    )
    assert unclosed.level == "Other"
    assert unclosed.concepts == {"Limits": ("Squeeze theorem",), "Series": ("Ratio test",)}


def test_tagged_reply_is_the_fallback_in_the_stage() -> None:
    reply = "<level>College</level><subject>Calculus</subject><topic>1. Limits</topic>"
    reply += "<key_concept>1. Limits: 1.1 Continuity</key_concept>"
    [record] = list(extract([_doc("tagged")], Canned({"": reply}), CFG, LLM))
    assert isinstance(record, Extraction)
    assert record.concepts == {"Limits": ("Continuity",)}


def test_schema_bounds_follow_the_config() -> None:
    schema = extraction_schema(ExtractConfig(min_topics=2, max_topics=3, min_concepts=4))
    topics = schema["properties"]["topics"]
    assert (topics["minItems"], topics["maxItems"]) == (2, 3)
    assert topics["items"]["properties"]["concepts"]["minItems"] == 4
    assert schema["properties"]["level"]["enum"] == list(LEVELS)
    good = json.loads(_json(("A", ["a", "b", "c", "d"]), ("B", ["a", "b", "c", "d"])))
    assert schema_errors(good, schema) == []
    assert schema_errors(json.loads(_json(("A", ["a"]))), schema) != []


def test_stage_on_a_real_model(tiny_backend: LLMBackend) -> None:
    # A gibberish model under the schema: every document ends as a well-formed Extraction
    # or a Reject; with a tiny token budget every reply is cut off.
    cfg = ExtractConfig(max_topics=1, min_concepts=1, max_concepts=2, max_new_tokens=300)
    docs = [_doc(f"doc-{i}") for i in range(3)]
    for record in extract(docs, tiny_backend, cfg, LLMConfig(temperature=0.0)):
        if isinstance(record, Extraction):
            assert record.model == tiny_backend.model_name and record.level in LEVELS
            assert len(record.concepts) == 1
            assert all(1 <= len(c) <= 2 for c in record.concepts.values())
        else:
            assert record.reason in {"truncated", "no_topics", "no_concepts"}, record
    short = ExtractConfig(max_new_tokens=4)
    records = list(extract(docs, tiny_backend, short, LLMConfig()))
    assert [getattr(r, "reason", None) for r in records] == ["truncated"] * 3
