"""``generate --dry-run`` counts prompt tokens with the model's own tokenizer where it loads."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kgsynth.assets import asset_dir
from kgsynth.cli.app import app
from kgsynth.config import Settings
from kgsynth.graph import GraphRepository
from kgsynth.llm import ChatRequest, LLMBackend
from kgsynth.llm.tokenizer import load_tokenizer
from kgsynth.stages.generate.estimate import approx_tokens, tokenizer_counter
from tests.conftest import graph_env

runner = CliRunner()
MESSAGES = [
    {"role": "system", "content": "You are a senior mathematics instructor."},
    {"role": "user", "content": "Key concepts: derivative; chain rule. Write 2 questions."},
]


def test_counter_matches_what_the_backend_reports(
    tiny_llama_folder: Path, tiny_backend: LLMBackend, tmp_path: Path
) -> None:
    loaded = load_tokenizer(str(tiny_llama_folder), tmp_path)
    assert loaded.tokenizer is not None and loaded.note == f"the {tiny_llama_folder} tokenizer"
    [done] = tiny_backend.generate([ChatRequest(messages=MESSAGES, max_new_tokens=2)])
    assert tokenizer_counter(loaded.tokenizer)(MESSAGES) == done.prompt_tokens


def test_packaged_model_tokenizer_without_conversion(tmp_path: Path) -> None:
    loaded = load_tokenizer("smollm2", tmp_path)  # empty home: read from the GGUF file
    assert loaded.tokenizer is not None and loaded.note == "the smollm2 tokenizer"
    count = tokenizer_counter(loaded.tokenizer)(MESSAGES)
    assert count != approx_tokens(MESSAGES) and count > 20  # chat template tokens included
    assert not (tmp_path / "models").exists()  # nothing converted


def test_unknown_model_falls_back_with_a_reason(tmp_path: Path) -> None:
    loaded = load_tokenizer(str(tmp_path / "absent-model"), tmp_path)
    assert loaded.tokenizer is None and "no local tokenizer" in loaded.note


def test_cli_dry_run_names_its_counter(settings: Settings, graph: GraphRepository) -> None:
    env = graph_env(settings)
    annotated = asset_dir("examples") / "annotated.jsonl"
    assert runner.invoke(app, ["ingest", str(annotated), "--no-dedup"], env=env).exit_code == 0
    real = runner.invoke(app, ["generate", "--level", "1", "--dry-run"], env=env)
    assert real.exit_code == 0, real.output
    assert "input tokens counted by the smollm2 tokenizer" in real.output
    fallback = runner.invoke(
        app, ["generate", "--level", "1", "--dry-run", "--model", "no/such-model"], env=env
    )
    assert fallback.exit_code == 0, fallback.output
    assert "counted by chars/4, about 4 characters per token (no local tokenizer" in fallback.output
    real_total = int(real.output.split("level1_question")[1].split()[1].replace(",", ""))
    approx = int(fallback.output.split("level1_question")[1].split()[1].replace(",", ""))
    assert real_total != approx and real_total > 0
