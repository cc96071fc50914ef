"""JSON-schema-constrained decoding for the transformers backend, with xgrammar.

A schema is compiled once per backend into a grammar over the model's vocabulary (the same
grammars vLLM uses); each ``generate`` call gets a fresh logits processor, because xgrammar's
processor keeps per-sequence matcher state and can be used only once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from kgsynth.errors import ConfigError, MissingExtraError


def _xgrammar() -> Any:
    try:
        import xgrammar
    except ImportError as e:
        raise MissingExtraError(
            "JSON-schema output needs the 'xgrammar' package; install it with: "
            "pip install --no-deps xgrammar apache-tvm-ffi"
        ) from e
    return xgrammar


class GrammarCache:
    """Compiled grammars for one tokenizer, keyed by schema.

    ``vocab_size`` is the width of the model's output layer (it can exceed the tokenizer's
    vocabulary); ``stop_ids`` are the tokens that end a reply, which the grammar allows once
    the JSON value is complete.
    """

    def __init__(self, tokenizer: Any, vocab_size: int, stop_ids: Sequence[int]) -> None:
        self._tokenizer = tokenizer
        self._vocab_size = vocab_size
        self._stop_ids = list(stop_ids)
        self._compiler: Any = None
        self._compiled: dict[str, Any] = {}

    def compiled(self, schema: Mapping[str, Any]) -> Any:
        """The compiled grammar for ``schema`` (compiled once per distinct schema).

        Property order matters (the model writes properties in schema order), so the grammar
        is built from the schema as given; only the cache key is canonicalised.
        """
        key = json.dumps(schema, sort_keys=True)
        if key not in self._compiled:
            xgr = _xgrammar()
            if self._compiler is None:
                info = xgr.TokenizerInfo.from_huggingface(
                    self._tokenizer, vocab_size=self._vocab_size, stop_token_ids=self._stop_ids
                )
                self._compiler = xgr.GrammarCompiler(info)
            try:
                # Compact JSON: no free whitespace, so a small model cannot loop on blanks.
                grammar = self._compiler.compile_json_schema(
                    json.dumps(schema), any_whitespace=False
                )
            except (RuntimeError, ValueError, TypeError) as e:
                raise ConfigError(f"the JSON schema cannot be compiled to a grammar: {e}") from e
            self._compiled[key] = grammar
        return self._compiled[key]

    def logits_processor(self, schemas: Sequence[Mapping[str, Any]]) -> Any:
        """A new single-use processor constraining row i of the batch to schemas[i]."""
        from xgrammar.contrib.hf import LogitsProcessor

        return LogitsProcessor([self.compiled(s) for s in schemas])
