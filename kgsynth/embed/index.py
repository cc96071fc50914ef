"""The persisted FAISS index of concept-name embeddings, one per graph.

It lives in ``<home>/index/<graph id>/`` (the id from the graph's ``GraphInfo`` node, so an
index is never applied to another graph) as three files, each replaced atomically (written to
a temporary name, then renamed; ``meta.json`` last):

- ``concepts.faiss``: an exact inner-product index (``IndexIDMap2`` over ``IndexFlatIP``) of
  unit vectors, so scores are cosines; int64 ids are stable across saves and removals.
- ``ids.json``: ``{"next_id": n, "ids": [...], "keys": [...]}``, id -> concept key.
- ``meta.json``: graph id, model, dim, count and the threshold of the last search.

A loaded index whose meta names another graph or model, or whose files disagree with each
other, is refused (``load`` returns None, with a warning) and the caller rebuilds it.
Searches run on all GPUs when faiss sees any (k-nearest search widened until every neighbour
above the threshold is in), otherwise as an exact CPU ``range_search``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kgsynth.embed.search import knn_above, range_above
from kgsynth.errors import require

log = logging.getLogger(__name__)

INDEX_FILE = "concepts.faiss"
IDS_FILE = "ids.json"
META_FILE = "meta.json"
FORMAT = 1
SEARCH_CHUNK = 4096  # queries per search call (progress granularity; faiss's BLAS block size)


@dataclass(frozen=True)
class IndexMeta:
    """What ``meta.json`` records about the index beside it."""

    graph_id: str
    model: str
    dim: int
    count: int
    threshold: float | None  # threshold of the last search over it; None before any
    format: int = FORMAT


@dataclass(frozen=True)
class Neighbours:
    """Search hits as parallel arrays: query row, stored id, cosine (all >= the threshold)."""

    rows: np.ndarray  # int64, index into the query matrix
    ids: np.ndarray  # int64, ids of stored vectors
    scores: np.ndarray  # float32


def index_dir(home: Path, graph_id: str) -> Path:
    """Where the index of the graph ``graph_id`` is kept."""
    return Path(home) / "index" / graph_id


def _faiss() -> Any:
    return require("faiss", extra="local")


class ConceptIndex:
    """Concept keys and their unit vectors, searchable by cosine threshold."""

    def __init__(
        self, directory: Path | None, graph_id: str, model: str, dim: int, index: Any = None
    ) -> None:
        faiss = _faiss()
        self.directory = directory
        self.graph_id = graph_id
        self.model = model
        self.dim = dim
        self.threshold: float | None = None
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._key_of: dict[int, str] = {}
        self._id_of: dict[str, int] = {}
        self._next_id = 0

    # -- contents ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._id_of)

    def __contains__(self, key: object) -> bool:
        return key in self._id_of

    def concept_keys(self) -> list[str]:
        return list(self._id_of)

    def id_of(self, key: str) -> int:
        return self._id_of[key]

    def key_of(self, id_: int) -> str:
        return self._key_of[int(id_)]

    def add(self, keys: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Store ``vectors`` (unit rows) under new ids for ``keys``; returns those ids."""
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys but {len(vectors)} vectors")
        dupes = [k for k in keys if k in self._id_of]
        if dupes or len(set(keys)) != len(keys):
            raise ValueError(f"keys already in the index or repeated: {dupes[:5]}")
        ids = np.arange(self._next_id, self._next_id + len(keys), dtype=np.int64)
        if len(keys):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        for key, id_ in zip(keys, ids.tolist(), strict=True):
            self._key_of[id_] = key
            self._id_of[key] = id_
        self._next_id += len(keys)
        return ids

    def remove(self, keys: Iterable[str]) -> int:
        """Drop ``keys`` (those present); returns how many were removed."""
        ids = [self._id_of.pop(k) for k in keys if k in self._id_of]
        if ids:
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))
            for id_ in ids:
                del self._key_of[id_]
        return len(ids)

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of ``ids``, one row each."""
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        for row, id_ in enumerate(ids):
            out[row] = self._index.reconstruct(int(id_))
        return out

    def stored(self) -> tuple[np.ndarray, np.ndarray]:
        """All (ids, vectors) in storage order, without copying id by id."""
        faiss = _faiss()
        ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        vectors = self._index.index.reconstruct_n(0, self._index.ntotal)
        return ids, np.ascontiguousarray(vectors, dtype=np.float32)

    # -- search ------------------------------------------------------------------------
    def search(
        self,
        queries: np.ndarray,
        threshold: float,
        on_progress: Callable[[int, int], None] | None = None,
        use_gpu: bool | None = None,
    ) -> Neighbours:
        """Every stored vector with cosine >= ``threshold`` to each query row.

        A query that is itself stored finds itself; callers drop those hits.
        ``use_gpu`` None: GPUs when faiss has any.
        """
        faiss = _faiss()
        if use_gpu is None:
            use_gpu = getattr(faiss, "get_num_gpus", lambda: 0)() > 0
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        total = len(queries)
        if total == 0 or self._index.ntotal == 0:
            empty = np.zeros(0, dtype=np.int64)
            return Neighbours(empty, empty, np.zeros(0, dtype=np.float32))
        if use_gpu:
            flat = faiss.index_cpu_to_all_gpus(self._index.index)
            positions = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for start in range(0, total, SEARCH_CHUNK):
            chunk = queries[start : start + SEARCH_CHUNK]
            if use_gpu:
                rows, pos, scores = knn_above(flat, chunk, threshold)
                ids = positions[pos]
            else:
                rows, ids, scores = range_above(self._index, chunk, threshold)
            parts.append((rows + start, ids, scores))
            if on_progress is not None:
                on_progress(min(start + SEARCH_CHUNK, total), total)
        return Neighbours(
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )

    # -- persistence -------------------------------------------------------------------
    def meta(self) -> IndexMeta:
        return IndexMeta(self.graph_id, self.model, self.dim, len(self), self.threshold)

    def save(self) -> Path:
        """Write the three files atomically into ``directory``; returns the directory."""
        if self.directory is None:
            raise ValueError("this index has no directory to be saved in")
        faiss = _faiss()
        self.directory.mkdir(parents=True, exist_ok=True)
        ordered = sorted(self._key_of)
        ids_doc = {
            "next_id": self._next_id,
            "ids": ordered,
            "keys": [self._key_of[i] for i in ordered],
        }
        _replace(self.directory / INDEX_FILE, lambda p: faiss.write_index(self._index, str(p)))
        _replace(self.directory / IDS_FILE, lambda p: _write_json(p, ids_doc))
        _replace(self.directory / META_FILE, lambda p: _write_json(p, asdict(self.meta())))
        return self.directory

    @classmethod
    def load(cls, directory: Path, graph_id: str, model: str) -> ConceptIndex | None:
        """The index saved in ``directory``, or None when absent or not usable as is."""
        meta_path = directory / META_FILE
        if not meta_path.is_file():
            return None
        faiss = _faiss()
        try:
            meta = IndexMeta(**json.loads(meta_path.read_text(encoding="utf-8")))
            ids_doc = json.loads((directory / IDS_FILE).read_text(encoding="utf-8"))
            index = faiss.read_index(str(directory / INDEX_FILE))
        except (OSError, ValueError, TypeError, RuntimeError) as e:
            log.warning("the concept index in %s cannot be read (%s); rebuilding it", directory, e)
            return None
        problem = _mismatch(meta, ids_doc, index, graph_id, model)
        if problem:
            log.warning("the concept index in %s %s; rebuilding it", directory, problem)
            return None
        loaded = cls(directory, graph_id, model, meta.dim, index=index)
        loaded.threshold = meta.threshold
        loaded._next_id = int(ids_doc["next_id"])
        for id_, key in zip(ids_doc["ids"], ids_doc["keys"], strict=True):
            loaded._key_of[int(id_)] = key
            loaded._id_of[key] = int(id_)
        return loaded


def _mismatch(
    meta: IndexMeta, ids_doc: dict[str, Any], index: Any, graph_id: str, model: str
) -> str | None:
    """Why the saved files cannot serve this graph and model (None when they can)."""
    if meta.graph_id != graph_id:
        return f"belongs to graph {meta.graph_id}, not {graph_id}"
    if meta.model != model:
        return f"was built with model {meta.model!r}, not {model!r}"
    if meta.format != FORMAT:
        return f"has format {meta.format}, expected {FORMAT}"
    faiss = _faiss()
    if not isinstance(index, faiss.IndexIDMap2):
        return f"holds a {type(index).__name__}, not an IndexIDMap2"
    sizes = {meta.count, len(ids_doc.get("ids", [])), len(ids_doc.get("keys", [])), index.ntotal}
    if len(sizes) != 1 or index.d != meta.dim:
        return f"is inconsistent (sizes {sorted(sizes)}, dim {index.d} vs {meta.dim})"
    stored = np.sort(faiss.vector_to_array(index.id_map))
    if not np.array_equal(stored, np.sort(np.asarray(ids_doc["ids"], dtype=np.int64))):
        return "has ids that differ from ids.json"
    return None


def _write_json(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _replace(final: Path, write: Callable[[Path], None]) -> None:
    """Write through ``write`` to a temporary file beside ``final``, then rename it over."""
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
