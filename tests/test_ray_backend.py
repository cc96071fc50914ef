"""The Ray backend on a local Ray cluster on CPU: two actors, each holding the transformers
backend on the tiny random Llama (tests/llm_fixtures.py).

One cluster and one backend serve most of the module (starting Ray and importing torch in
each actor cost ~15 s on two cores). The inner backend runs with ``batch_size = 1``, so every
request is seeded on its own and the Ray results must equal the plain backend's exactly,
whichever actor ran which slice; with larger transformers batches only greedy replies would
be batch-independent (the transformers backend seeds per batch).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kgsynth.config import llm_config, load_settings
from kgsynth.errors import ConfigError, MissingExtraError, ModelError
from kgsynth.llm import ChatRequest, LLMBackend, load_backend
from tests.llm_fixtures import COLOURS, schema_errors

PICK = COLOURS
# 12 requests over 2 replicas with ray_batch_size 3: four slices, so each actor runs several.
RAY_CFG = llm_config(
    backend="ray",
    ray_inner_backend="transformers",
    ray_replicas=2,
    ray_gpus_per_replica=0,
    ray_batch_size=3,
    batch_size=1,
    threads=1,
    device="cpu",
)
ray_needed = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="ray is not installed (kgsynth[ray])"
)


def _ask(text: str, **kw: Any) -> ChatRequest:
    return ChatRequest(messages=({"role": "user", "content": text},), **kw)


def _requests() -> list[ChatRequest]:
    """Greedy, sampled and JSON-constrained requests interleaved, prompts of varied length."""
    out: list[ChatRequest] = []
    for i in range(4):
        out.append(_ask("word " * (i + 1), max_new_tokens=6, temperature=0.0))
        out.append(_ask(f"story {i}", max_new_tokens=10, temperature=1.0, seed=i))
        out.append(_ask(f"pick {i}", json_schema=PICK, max_new_tokens=80, seed=10 + i))
    return out


@pytest.fixture(scope="module")
def ray_backend(tiny_llama_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A RayBackend on a local cluster this fixture starts with 3 logical CPUs (the two
    replicas hold one each; one is left for the failed-load test), the same on any machine."""
    import ray

    ray.init(num_cpus=3, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    try:
        backend = load_backend(RAY_CFG, tmp_path_factory.mktemp("home"), str(tiny_llama_folder))
        yield backend
        backend.close()
        assert ray.is_initialized()  # it joined this cluster, so it must not end it
    finally:
        ray.shutdown()


def test_ray_settings_validate() -> None:
    RAY_CFG.validate()
    llm_config(backend="ray", tensor_parallel_size=2, ray_gpus_per_replica=2).validate()
    llm_config(backend="ray", ray_gpus_per_replica=0.5).validate()
    bad: list[tuple[dict[str, Any], str]] = [
        ({"ray_inner_backend": "ray"}, "ray_inner_backend"),
        ({"ray_replicas": 0}, "ray_replicas"),
        ({"ray_batch_size": 0}, "ray_batch_size"),
        ({"ray_gpus_per_replica": 1.5}, "ray_gpus_per_replica"),
        ({"ray_gpus_per_replica": -1}, "ray_gpus_per_replica"),
        ({"tensor_parallel_size": 2, "ray_gpus_per_replica": 1}, "tensor_parallel_size"),
    ]
    for changes, message in bad:
        with pytest.raises(ConfigError, match=message):
            llm_config(backend="ray", **changes).validate()


def test_ray_settings_from_environment(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "KGSYNTH_CONFIG": str(tmp_path / "none.toml"),
            "KGSYNTH_LLM_BACKEND": "ray",
            "KGSYNTH_LLM_RAY_REPLICAS": "4",
            "KGSYNTH_LLM_RAY_GPUS_PER_REPLICA": "0.5",
        }
    )
    assert (settings.llm.backend, settings.llm.ray.replicas) == ("ray", 4)
    assert settings.llm.ray.gpus_per_replica == 0.5
    assert settings.llm.ray.inner_backend == "vllm"


def test_importing_ray_backend_does_not_import_ray() -> None:
    code = (
        "import sys, kgsynth.llm.ray_backend; "
        "heavy = {'ray', 'torch', 'transformers', 'vllm'} & set(sys.modules); "
        "print(sorted(heavy)); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(importlib.util.find_spec("ray") is not None, reason="ray is installed")
def test_ray_backend_without_ray_names_the_extra(tmp_path: Path) -> None:
    with pytest.raises(MissingExtraError, match=r"kgsynth\[ray\]"):
        load_backend(RAY_CFG, tmp_path, "unused")


@ray_needed
@pytest.mark.timeout(240)
def test_a_replica_that_cannot_load_raises_and_leaves_ray_as_it_was(tmp_path: Path) -> None:
    """The replica's own kgsynth error reaches the caller. Run first (file order), with no
    cluster up, the backend starts one and, failing, must shut it down again; run after the
    module fixture started one, it must leave that running. Without vllm installed the
    replica fails fast on the missing extra (no torch import in the actor)."""
    import ray

    was_running = ray.is_initialized()
    model = str(tmp_path / "no-such-model")
    if importlib.util.find_spec("vllm") is None:
        cfg = dataclasses.replace(
            RAY_CFG, ray=dataclasses.replace(RAY_CFG.ray, replicas=1, inner_backend="vllm")
        )
        error, message = MissingExtraError, r"kgsynth\[vllm\]"
    else:
        cfg = dataclasses.replace(RAY_CFG, ray=dataclasses.replace(RAY_CFG.ray, replicas=1))
        error, message = ModelError, "cannot load model"
    with pytest.raises(error, match=message):
        load_backend(cfg, tmp_path, model)
    assert ray.is_initialized() == was_running


@ray_needed
@pytest.mark.timeout(240)
def test_ray_results_match_the_plain_backend_in_order(
    ray_backend: LLMBackend, tiny_llama_folder: Path, tmp_path: Path
) -> None:
    requests = _requests()
    completions = ray_backend.generate(requests)
    assert len(completions) == len(requests)
    for request, completion in zip(requests, completions, strict=True):
        assert completion.prompt_tokens > 0
        assert 0 < completion.completion_tokens <= request.max_new_tokens
        if request.json_schema is not None:
            assert completion.finish_reason == "stop", completion
            assert schema_errors(json.loads(completion.text), PICK) == []
    plain_cfg = dataclasses.replace(RAY_CFG, backend="transformers")
    with load_backend(plain_cfg, tmp_path, str(tiny_llama_folder)) as plain:
        expected = plain.generate(requests)
    # Same completions in the same order: order restored across slices and actors.
    assert completions == expected
    # Prompts differ in length by kind and position, so a reordering would show here too.
    assert [c.prompt_tokens for c in completions] == [c.prompt_tokens for c in expected]


@ray_needed
@pytest.mark.timeout(240)
def test_ray_repeat_calls_and_small_calls(ray_backend: LLMBackend) -> None:
    requests = _requests()
    first = ray_backend.generate(requests)
    assert ray_backend.generate(requests) == first  # actors kept their models: no reload
    assert ray_backend.generate([]) == []
    assert ray_backend.generate(requests[:1]) == first[:1]  # fewer requests than replicas
