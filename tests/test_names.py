"""Name hygiene: junk names are dropped with a counted reason at ingest (given concepts and
model output alike); valid names, short and symbolic ones included, are kept."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from kgsynth.assets import asset_dir
from kgsynth.config import NamesConfig, Settings
from kgsynth.graph import GraphRepository
from kgsynth.llm.base import ChatRequest, Completion, LLMBackend
from kgsynth.records import Extraction
from kgsynth.runs import RunFolder
from kgsynth.stages.ingest import run_ingest
from kgsynth.stages.ingest.names import junk_reason, screen

JUNK = {
    ".1": "list_number", "1.1": "list_number", "2.3.": "list_number", "(4)": "list_number",
    "iv.": "list_number", "2018": "year", "1990s": "year", "42": "too_few_letters",
    "+": "too_few_letters", "--": "too_few_letters", "x": "too_few_letters",
    "N/A": "placeholder", "none": "placeholder", "Unknown": "placeholder",
    "https://en.wikipedia.org/wiki/Prime": "url", "see www.example.com": "url",
    "Euclid's,Euclid'sEuclid'sEuclid'sEuclid's": "repeated",
    "the the the the": "repeated",
    "a" * 81: "too_long", " ".join(["word"] * 13): "too_long",
}  # fmt: skip
VALID = ["pi", "π", "e^x", "x^2", "n!", "L^2 space", "2-SAT", "p-adic numbers", "3D geometry",
         "3D", "AM-GM inequality", "Type II error", "Z/6Z", "Banach-Tarski paradox",
         "Zermelo-Fraenkel set theory", "ABC conjecture", "1-form", "k-means clustering",
         "Fermat's Last Theorem", "SO(3)", "R^n", "C*-algebra", "Erdős–Rényi model"]  # fmt: skip


@pytest.mark.parametrize(("name", "reason"), sorted(JUNK.items()))
def test_junk_names_are_rejected_with_their_reason(name: str, reason: str) -> None:
    assert junk_reason(name, NamesConfig()) == reason


@pytest.mark.parametrize("name", VALID)
def test_short_and_symbolic_names_are_kept(name: str) -> None:
    assert junk_reason(name, NamesConfig()) is None


def test_every_rule_can_be_changed() -> None:
    assert junk_reason("2018", NamesConfig(years=False)) == "too_few_letters"
    assert junk_reason("x", NamesConfig(min_letters=1)) is None
    assert junk_reason("1.1", NamesConfig(list_numbers=False)) == "too_few_letters"
    assert junk_reason("a web site www.example.com", NamesConfig(urls=False)) is None
    assert junk_reason("N/A", NamesConfig(placeholders="tbd")) is None
    assert junk_reason("other", NamesConfig(placeholders="tbd")) is None
    assert junk_reason("abcabcabc", NamesConfig(max_repeats=3)) is None
    assert junk_reason("a b c d e", NamesConfig(max_words=4)) == "too_long"
    assert junk_reason("N/A", NamesConfig(enabled=False)) is None


def test_no_name_in_the_bundled_corpus_is_rejected() -> None:
    names: list[str] = []
    for line in (asset_dir("examples") / "annotated.jsonl").read_text().splitlines():
        row = json.loads(line)
        names += row["topics"] + [n for ns in row["concepts"].values() for n in ns]
    for line in (asset_dir("examples") / "math_corpus.jsonl").read_text().splitlines():
        row = json.loads(line)
        names.append(row["title"])
    assert len(names) > 80
    assert {n: junk_reason(n, NamesConfig()) for n in names if junk_reason(n, NamesConfig())} == {}


def test_screen_drops_junk_concepts_and_junk_topics_with_their_concepts() -> None:
    ex = Extraction("d1", None, None, {"Algebra": ("Group", "1.1", "Ring"), "2018": ("Field",)})
    kept, junk = screen(ex, NamesConfig())
    assert kept.concepts == {"Algebra": ("Group", "Ring")}
    assert [(j.name, j.reason, j.topic) for j in junk] == [
        ("1.1", "list_number", "Algebra"), ("2018", "year", None)
    ]  # fmt: skip
    assert screen(kept, NamesConfig()) == (kept, [])


class Replies(LLMBackend):
    """Answers every extraction request with the same JSON."""

    model_name = "fixed"

    def __init__(self, reply: dict) -> None:  # type: ignore[type-arg]
        self.reply = json.dumps(reply)

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        return [Completion(self.reply, 5, 5, "stop") for _ in requests]


def test_ingest_rejects_junk_from_given_concepts_and_from_the_model(
    graph: GraphRepository, settings: Settings, tmp_path: Path
) -> None:
    src = tmp_path / "docs.jsonl"
    rows = [
        {"id": "g1", "text": "Given.", "concepts": {"Number Theory": ["prime", "2018", ".1"]}},
        {"id": "g2", "text": "Given.", "concepts": {"N/A": ["orphan"], "Algebra": ["group"]}},
        {"id": "g3", "text": "Given.", "concepts": {"1.1": ["x"]}},  # nothing usable left
        {"id": "m1", "text": "Needs the model."},
    ]
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    model_reply = {"level": "College", "subject": "Maths", "topics": [
        {"name": "Geometry", "concepts": ["circle", "1.", "Euclid'sEuclid'sEuclid's", "chord",
                                          "radius", "arc"]}]}  # fmt: skip
    run = RunFolder(settings.runs_dir, "ingest")
    report = run_ingest(graph, settings, [src], run, backend_factory=lambda: Replies(model_reply))
    assert report.junk_names == 6 and report.rejected == 1 and report.written == 3
    assert report.reject_reasons == {
        "names: year": 1, "names: list_number": 3, "names: placeholder": 1,
        "names: repeated": 1, "extract: no_topics": 1,
    }  # fmt: skip
    lines = (run.path / "rejects" / "names.jsonl").read_text().splitlines()
    rejects = {json.loads(x)["payload"]: json.loads(x) for x in lines}
    # "orphan" and "x" went with their junk topics ("N/A", "1.1")
    assert set(rejects) == {"2018", ".1", "N/A", "1.1", "1.", "Euclid'sEuclid'sEuclid's"}
    assert (rejects["2018"]["source"], rejects["2018"]["extra"]) == (
        "g1",
        {"topic": "Number Theory"},
    )
    assert rejects["N/A"]["reason"] == "placeholder" and rejects["N/A"]["extra"] == {"topic": None}
    keys = {r["key"] for r in graph.read("list_concepts_for_index")}
    assert keys == {"prime", "group", "circle", "chord", "radius", "arc"}
