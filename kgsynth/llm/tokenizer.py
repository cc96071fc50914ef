"""The configured model's own tokenizer, without loading the model (for ``--dry-run`` counts).

The packaged SmolLM2 is read from its converted folder when it exists, else straight from the
GGUF file (a few seconds, no conversion). Any other model name is handed to transformers as
a local folder or a hub id already in the local cache (no download: ``local_files_only``).
When no tokenizer can be loaded, :func:`load_tokenizer` says why, and the caller falls back to
a character estimate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgsynth.errors import KgsynthError
from kgsynth.llm.packaged import SMOLLM2, cache_folder, packaged_gguf, quiet_progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedTokenizer:
    """A Hugging Face tokenizer (None when none could be loaded) and what to call it, or why
    there is none."""

    tokenizer: Any
    note: str


def load_tokenizer(model: str, home: Path) -> LoadedTokenizer:
    """The tokenizer (with its chat template) of ``model`` as kgsynth would load it."""
    try:
        from transformers import AutoTokenizer
    except ImportError:
        return LoadedTokenizer(None, "transformers is not installed")
    try:
        with quiet_progress():
            if model == SMOLLM2 and not (cache_folder(home) / "config.json").is_file():
                gguf = packaged_gguf()
                tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
            else:
                source = str(cache_folder(home)) if model == SMOLLM2 else model
                tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
    except (OSError, ValueError, ImportError, KgsynthError) as e:
        log.info("no tokenizer for %s: %s", model, e)
        return LoadedTokenizer(None, f"no local tokenizer for {model}: {str(e).splitlines()[0]}")
    if getattr(tokenizer, "chat_template", None) is None:
        return LoadedTokenizer(None, f"the {model} tokenizer has no chat template")
    return LoadedTokenizer(tokenizer, f"the {model} tokenizer")
