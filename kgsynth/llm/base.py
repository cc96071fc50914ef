"""The interface every text-generation backend implements, and the factory that picks one.

A stage builds :class:`ChatRequest` objects and hands all of them to one
:meth:`LLMBackend.generate` call; the backend batches internally (``llm.batch_size`` for
transformers, the engine's own scheduler for vLLM) and returns one :class:`Completion` per
request, in request order. Nothing here imports torch, transformers or vllm.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from kgsynth.config import LLMConfig
from kgsynth.errors import ConfigError

Message = Mapping[str, str]
"""One chat turn: ``{"role": "system" | "user" | "assistant", "content": text}``."""

FinishReason = Literal["stop", "length"]


@dataclass(frozen=True)
class ChatRequest:
    """One conversation to complete.

    ``json_schema``, when set, constrains decoding so the completion is JSON matching that
    schema (grammar-guided, see the backends). ``seed`` makes sampling repeatable; a backend
    that batches several requests derives one seed per batch from them (transformers), or
    seeds each request separately (vLLM). ``temperature`` 0 means greedy decoding.
    """

    messages: tuple[Message, ...]
    json_schema: Mapping[str, Any] | None = None
    max_new_tokens: int = 256
    temperature: float = 0.7
    top_p: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        # Accept any sequence of mappings (a list too); store a tuple of plain dicts.
        object.__setattr__(self, "messages", tuple(dict(m) for m in self.messages))
        if not self.messages:
            raise ConfigError("a chat request needs at least one message")
        for m in self.messages:
            if set(m) != {"role", "content"}:
                raise ConfigError(f"a chat message needs exactly role and content, got {set(m)}")
        if self.max_new_tokens <= 0:
            raise ConfigError(f"max_new_tokens must be > 0, got {self.max_new_tokens}")


@dataclass(frozen=True)
class Completion:
    """The model's reply to one request, without the prompt.

    ``finish_reason`` is ``"stop"`` when the model ended the reply itself (end-of-turn token)
    and ``"length"`` when ``max_new_tokens`` cut it off; a cut-off structured reply is
    usually not valid JSON. Token counts are in the model's own tokenizer; the completion
    count includes the end-of-turn token when there is one.
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: FinishReason


class LLMBackend(abc.ABC):
    """A loaded model that completes chat requests. Use as a context manager or call close()."""

    model_name: str
    """What the run records as the model: the configured name (e.g. ``smollm2``) or path."""

    @abc.abstractmethod
    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        """Complete every request; one completion per request, in the same order."""

    def close(self) -> None:  # noqa: B027 - optional hook, most fakes hold nothing
        """Free the model (and GPU memory). The backend cannot be used afterwards."""

    def __enter__(self) -> LLMBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_backend(cfg: LLMConfig, home: Path, model: str | None = None) -> LLMBackend:
    """Load the backend ``cfg.backend`` with ``model`` (default ``cfg.model``).

    ``home`` is kgsynth's data folder; model caches (the converted packaged SmolLM2) live in
    ``home/models``. Pass ``model=cfg.answer_model`` to load a separate answer model. With
    ``cfg.cache`` on (by default for ``openai`` only) the backend answers repeated requests
    from ``home/cache/responses.sqlite`` (see :mod:`kgsynth.llm.cache`).
    """
    cfg.validate()
    backend = _load(cfg, home, model or cfg.model)
    use_cache = cfg.cache if cfg.cache is not None else cfg.backend == "openai"
    if not use_cache:
        return backend
    from kgsynth.llm.cache import CachedBackend

    return CachedBackend(backend, home / "cache" / "responses.sqlite", namespace=cfg.backend)


def _load(cfg: LLMConfig, home: Path, name: str) -> LLMBackend:
    if cfg.backend == "transformers":
        from kgsynth.llm.transformers_backend import TransformersBackend

        return TransformersBackend(cfg, home, name)
    if cfg.backend == "vllm":
        from kgsynth.llm.vllm_backend import VLLMBackend

        return VLLMBackend(cfg, home, name)
    if cfg.backend == "openai":
        from kgsynth.llm.openai_backend import OpenAIBackend

        return OpenAIBackend(cfg, name)
    if cfg.backend == "ray":
        from kgsynth.llm.ray_backend import RayBackend

        return RayBackend(cfg, home, name)
    raise ConfigError(
        f"llm.backend must be 'transformers', 'vllm', 'openai' or 'ray', got {cfg.backend!r}"
    )
