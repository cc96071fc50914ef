"""The default backend: Hugging Face transformers on CPU (or one CUDA GPU).

Requests are grouped by decoding settings (constrained or not, max_new_tokens, temperature,
top_p), sorted by prompt length inside a group so batches carry little padding, and run
``llm.batch_size`` at a time with left padding and the model's chat template. Each batch
seeds torch from its requests' seeds, so the same requests and seeds give the same text.
Rows of one batch may use different JSON schemas: xgrammar gets one grammar per row.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kgsynth.batching import batched
from kgsynth.config import LLMConfig
from kgsynth.errors import ConfigError, MissingExtraError, ModelError
from kgsynth.llm.base import ChatRequest, Completion, LLMBackend
from kgsynth.llm.grammar import GrammarCache
from kgsynth.llm.packaged import quiet_progress, resolve_model

log = logging.getLogger(__name__)

_DTYPES = {"float32": "float32", "float16": "float16", "bfloat16": "bfloat16"}


class TransformersBackend(LLMBackend):
    """A causal LM loaded with ``AutoModelForCausalLM``; ``model`` is ``smollm2`` (the
    packaged model, converted once under ``home/models``), a local folder or a hub id
    (hub downloads follow ``HF_HUB_OFFLINE``)."""

    def __init__(self, cfg: LLMConfig, home: Path, model: str) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as e:
            raise MissingExtraError(
                "the transformers backend needs torch and transformers; install torch first, "
                "then: pip install 'kgsynth[local]'"
            ) from e
        self.model_name = model
        self._torch: Any = torch
        self._batch_size = cfg.batch_size
        self._device = _pick_device(cfg.device, torch)
        if self._device == "cpu":
            torch.set_num_threads(cfg.transformers.threads or _available_cores())
        path = resolve_model(model, home)
        try:
            with quiet_progress():
                tokenizer: Any = AutoTokenizer.from_pretrained(path)
                network: Any = AutoModelForCausalLM.from_pretrained(
                    path, dtype=_pick_dtype(cfg.dtype, self._device, torch)
                )
        except (OSError, ValueError) as e:
            raise ModelError(f"cannot load model {model!r} from {path}: {e}") from e
        self._model: Any = network.to(self._device).eval()
        if tokenizer.chat_template is None:
            raise ModelError(f"model {model!r} has no chat template; use an instruct model")
        tokenizer.padding_side = "left"
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self._tokenizer = tokenizer
        self._stop_ids = _stop_ids(self._model.generation_config.eos_token_id, tokenizer)
        self._grammars = GrammarCache(tokenizer, self._model.config.vocab_size, self._stop_ids)
        log.info("loaded %s on %s", model, self._device)

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        if not requests:
            return []
        prompts = [self._render(r) for r in requests]
        lengths = [
            len(ids) for ids in self._tokenizer(prompts, add_special_tokens=False)["input_ids"]
        ]
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, r in enumerate(requests):
            key = (r.json_schema is not None, r.max_new_tokens, r.temperature, r.top_p)
            groups.setdefault(key, []).append(i)
        results: list[Completion | None] = [None] * len(requests)
        for members in groups.values():
            members.sort(key=lambda i: lengths[i])
            for chunk in batched(members, self._batch_size):
                done = self._generate_batch(
                    [requests[i] for i in chunk], [prompts[i] for i in chunk]
                )
                for i, completion in zip(chunk, done, strict=True):
                    results[i] = completion
        return [c for c in results if c is not None]

    def close(self) -> None:
        """Drop the model; on CUDA also return the cached memory to the driver."""
        if getattr(self, "_model", None) is None:
            return
        self._model = None
        self._grammars = None  # type: ignore[assignment]
        if self._device == "cuda":
            self._torch.cuda.empty_cache()

    def _render(self, request: ChatRequest) -> str:
        return str(
            self._tokenizer.apply_chat_template(
                [dict(m) for m in request.messages], tokenize=False, add_generation_prompt=True
            )
        )

    def _generate_batch(self, requests: list[ChatRequest], prompts: list[str]) -> list[Completion]:
        """One ``model.generate`` call; all requests share the decoding settings."""
        if self._model is None:
            raise ModelError("the backend was closed")
        torch = self._torch
        first = requests[0]
        enc = self._tokenizer(
            prompts, return_tensors="pt", padding=True, add_special_tokens=False
        ).to(self._device)
        kwargs: dict[str, Any] = {
            "max_new_tokens": first.max_new_tokens,
            "pad_token_id": self._tokenizer.pad_token_id,
            "eos_token_id": self._stop_ids,
        }
        if first.temperature > 0:
            kwargs.update(do_sample=True, temperature=first.temperature, top_p=first.top_p)
        else:
            kwargs.update(do_sample=False, temperature=1.0, top_p=1.0)
        if first.json_schema is not None:
            schemas = [r.json_schema or {} for r in requests]
            kwargs["logits_processor"] = [self._grammars.logits_processor(schemas)]
        torch.manual_seed(_batch_seed(r.seed for r in requests))
        with torch.inference_mode():
            out = self._model.generate(**enc, **kwargs)
        new = out[:, enc["input_ids"].shape[1] :].tolist()
        prompt_tokens = enc["attention_mask"].sum(dim=1).tolist()
        return [self._completion(ids, int(n)) for ids, n in zip(new, prompt_tokens, strict=True)]

    def _completion(self, ids: list[int], prompt_tokens: int) -> Completion:
        """Cut a generated row at its first stop token; without one, max_new_tokens ended it."""
        stop = next((k for k, t in enumerate(ids) if t in self._stop_ids), None)
        if stop is None:
            text = str(self._tokenizer.decode(ids, skip_special_tokens=True))
            return Completion(text.strip(), prompt_tokens, len(ids), "length")
        text = str(self._tokenizer.decode(ids[:stop], skip_special_tokens=True))
        return Completion(text.strip(), prompt_tokens, stop + 1, "stop")


def _pick_device(device: str, torch: Any) -> str:
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("llm.device is 'cuda' but torch sees no CUDA GPU")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _pick_dtype(dtype: str, device: str, torch: Any) -> Any:
    """``auto``: float32 on CPU (fastest there), bfloat16 (or float16) on a GPU."""
    if dtype == "auto":
        if device == "cpu":
            return torch.float32
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if dtype not in _DTYPES:
        raise ConfigError(f"llm.dtype must be auto, {', '.join(_DTYPES)}; got {dtype!r}")
    return getattr(torch, _DTYPES[dtype])


def _available_cores() -> int:
    """Cores this process may run on (CPU affinity / container limits), at most 16."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 16))


def _stop_ids(eos: int | list[int] | None, tokenizer: Any) -> list[int]:
    """Every token that ends a reply: the generation config's eos ids plus the tokenizer's."""
    ids = [eos] if isinstance(eos, int) else list(eos or [])
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    if not ids:
        raise ModelError("the model defines no end-of-sequence token; cannot stop replies")
    return sorted(set(ids))


def _batch_seed(seeds: Iterable[int]) -> int:
    """One torch seed from a batch's request seeds (stable across runs and platforms)."""
    text = ",".join(str(s) for s in seeds)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1
