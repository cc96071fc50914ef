"""A non-mathematics domain with a custom prompt folder, end to end on the tiny Llama.

The stage-level test records what the real transformers backend was asked, so it can check
the rendered prompts; the command-line test checks the wiring (``--prompts``/``--domain`` →
check at start → the run's plan and rows name the custom template and the domain).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from kgsynth.cli.app import app
from kgsynth.config import ExtractConfig, PromptsConfig, Settings
from kgsynth.graph import GraphRepository
from kgsynth.llm import ChatRequest, Completion, LLMBackend
from kgsynth.prompts import export_prompts
from kgsynth.records import Document, Extraction
from kgsynth.runs import RunFolder
from kgsynth.stages.generate import run_generate
from kgsynth.stages.ingest.build import write_batch
from kgsynth.stages.ingest.extract import extract
from kgsynth.stages.sample import CONCEPT_SETS_SCHEMA
from tests.conftest import graph_env

runner = CliRunner()
DOMAIN = "marine biology"
MARKER = "CUSTOM-L3-PROMPT"
REEF = (
    "Coral reefs are built by colonies of tiny animals called polyps. Each polyp hosts "
    "zooxanthellae, algae that photosynthesise and feed it sugars. When the water warms, "
    "polyps expel the algae and the reef bleaches; a long heatwave can kill the colony."
)
KELP = (
    "Kelp forests grow in cold, nutrient-rich water. Sea urchins graze on kelp, and sea otters "
    "eat the urchins, so where otters vanish, urchins multiply and strip the forest bare."
)
CONCEPTS = {
    "reef": {"Coral Biology": ("polyp", "zooxanthellae", "coral bleaching")},
    "kelp": {"Kelp Ecology": ("sea urchin", "sea otter", "trophic cascade")},
}


class Recording(LLMBackend):
    """Passes requests to the real backend and keeps them."""

    def __init__(self, inner: LLMBackend) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.requests: list[ChatRequest] = []

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        self.requests.extend(requests)
        return self.inner.generate(requests)


def _custom_folder(tmp_path: Path) -> Path:
    """The bundled templates exported, then the Level-3 one rewritten for ecology."""
    folder = tmp_path / "prompts"
    export_prompts(folder)
    (folder / "level3_question.jinja2").write_text(
        "{# variables: concepts, domain #}\n"
        "{% block system %}" + MARKER + ": you write field-trip questions on {{ domain }}."
        "{% endblock %}\n{% block user %}Concepts:\n{% for topic, names in concepts.items() %}"
        "- {{ topic }}: {{ names | join('; ') }}\n{% endfor %}"
        'Reply with JSON: {"questions": [{"selected_concepts": [...], "question": "..."}]}'
        "{% endblock %}\n",
        encoding="utf-8",
    )
    return folder


def _sets() -> pa.Table:
    row = {
        "run_id": "sample-1", "set_hash": "set-reef", "topics": ["Coral Biology"],
        "topic_keys": ["coral biology"], "concepts": ["polyp", "coral bleaching"],
        "concept_keys": ["polyp", "coral bleaching"],
        "walk_path": ["Topic:coral biology", "Concept:polyp", "Concept:coral bleaching"],
        "dead_end": False, "reference_doc_ids": ["reef"], "reference_scores": [0.5],
        "epoch": 0, "start_topic": "coral biology", "seed": 1,
    }  # fmt: skip
    return pa.Table.from_pylist([row], schema=CONCEPT_SETS_SCHEMA)


def test_extraction_and_generation_in_another_domain(
    graph: GraphRepository, settings: Settings, tiny_backend: LLMBackend, tmp_path: Path
) -> None:
    prompts = PromptsConfig(domain=DOMAIN, dir=_custom_folder(tmp_path))
    backend = Recording(tiny_backend)
    docs = [Document(id="reef", text=REEF, title="Reefs", source="t")]
    cfg = ExtractConfig(max_topics=1, min_concepts=1, max_concepts=2, max_new_tokens=8)
    list(extract(docs, backend, cfg, settings.llm, prompts=prompts))
    [asked] = backend.requests
    assert f"experienced {DOMAIN} teacher" in asked.messages[0]["content"]
    assert "mathemat" not in json.dumps(asked.messages)

    write_batch(graph, [
        (Document(id=i, text=t, title=i, source="t"),
         Extraction(doc_id=i, level="College", subject="Ecology", concepts=CONCEPTS[i]))
        for i, t in (("reef", REEF), ("kelp", KELP))
    ])  # fmt: skip
    llm = dataclasses.replace(settings.llm, max_new_tokens=24)
    settings = dataclasses.replace(settings, prompts=prompts, llm=llm).validate()
    backend.requests.clear()
    run = RunFolder(settings.runs_dir, "generate")
    run_generate(graph, settings, run, _sets(), {1, 3}, backend, backend)
    systems = [r.messages[0]["content"] for r in backend.requests]
    assert any(s == f"{MARKER}: you write field-trip questions on {DOMAIN}." for s in systems)
    assert any(s.startswith(f"You are a senior {DOMAIN} instructor") for s in systems)  # L1
    assert all("mathemat" not in s for s in systems)
    plan = json.loads((run.path / "generate_plan.json").read_text())
    custom = (prompts.dir / "level3_question.jinja2").read_bytes()  # type: ignore[operator]
    assert plan["domain"] == DOMAIN
    assert plan["prompts"]["level3_question"] == hashlib.sha256(custom).hexdigest()


def test_cli_domain_and_prompt_folder(
    settings: Settings, graph: GraphRepository, tiny_llama_folder: Path, tmp_path: Path
) -> None:
    folder = _custom_folder(tmp_path)
    corpus = tmp_path / "docs.jsonl"
    rows = [
        {"id": i, "text": t, "concepts": CONCEPTS[i]} for i, t in (("reef", REEF), ("kelp", KELP))
    ]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    env = {**graph_env(settings), "KGSYNTH_LLM_THREADS": "1", "KGSYNTH_LLM_MAX_NEW_TOKENS": "16"}
    flags = ["--prompts", str(folder), "--domain", DOMAIN]
    assert runner.invoke(app, [*flags, "ingest", str(corpus), "--no-dedup"], env=env).exit_code == 0
    gen = runner.invoke(
        app, [*flags, "generate", "--level", "1", "--model", str(tiny_llama_folder)], env=env
    )
    assert gen.exit_code == 0, gen.output
    run = next(p for p in settings.runs_dir.iterdir() if p.name.startswith("generate-"))
    plan = json.loads((run / "generate_plan.json").read_text())
    bundled = hashlib.sha256((folder / "level1_question.jinja2").read_bytes()).hexdigest()
    assert plan["domain"] == DOMAIN and plan["prompts"]["level1_question"] == bundled
    for row in pq.read_table(run / "questions").to_pylist():
        assert row["question_prompt_sha256"] == bundled

    # a broken custom template stops the run before any model loads, in one line
    broken = "{# variables: domain #}\n{% block system %}{{ domain }}{% endblock %}"
    (folder / "answer.jinja2").write_text(broken + "{% block user %}x{% endblock %}")
    bad = runner.invoke(app, [*flags, "generate", "--level", "1"], env=env)
    assert bad.exit_code == 2
    assert bad.output.strip().splitlines() == [
        f"error: {folder / 'answer.jinja2'}: the answer prompt must use question; "
        "kgsynth passes domain, question"
    ]
