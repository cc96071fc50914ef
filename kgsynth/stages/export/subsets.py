"""Nested training subsets for scaling runs (``kgsynth export --subsets 100K,200K,...``).

One seeded order of the exported rows is drawn, and subset k is a prefix of it, so every
subset contains the previous one. The order mixes the levels in their overall proportion
(by rows): each level's rows are shuffled, row i of a level with n rows gets the key
(i + 0.5) / n, and the rows are sorted by key, so any prefix holds each level's share of
rows to within one row.

Sizes are counts of rows or of tokens. A token target takes the shortest prefix whose
tokens reach it; the exact count is recorded. A row's tokens are those of its question plus
its answer, each encoded without special tokens or chat template, by the tokenizer named
(default: the run's question model, the generator). Only the rows up to the largest target
are tokenized, so a 100M-token subset of a billion-token run costs 100M tokens of work.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kgsynth.counts import format_count
from kgsynth.errors import ConfigError, InputError, MissingExtraError, ModelError
from kgsynth.runs import atomic_write_text
from kgsynth.stages.export import export_qa, keep_rows

if TYPE_CHECKING:
    import pyarrow as pa

UNITS = ("tokens", "rows")
BATCH = 4096
TokenCounter = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class Subset:
    """One written subset: its target, exact size, per-level rows and file."""

    target: int
    rows: int
    tokens: int
    rows_by_level: dict[str, int]
    file: str


def mixed_order(levels: Sequence[int], seed: int) -> np.ndarray:
    """A permutation of row indices whose every prefix mixes levels in overall proportion."""
    rng = np.random.default_rng(seed)
    levels_arr = np.asarray(levels)
    keys = np.empty(len(levels_arr))
    for level in sorted(set(levels_arr.tolist())):
        rows = np.flatnonzero(levels_arr == level)
        shuffled = rng.permutation(rows)
        keys[shuffled] = (np.arange(len(rows)) + 0.5) / len(rows)
    return np.lexsort((levels_arr, keys))


def tokenizer_counter(name: str, home: Path) -> TokenCounter:
    """Token counts of texts with the tokenizer of model ``name`` (``smollm2``, a folder or a
    hub id already in the local cache)."""
    from kgsynth.llm.packaged import resolve_model

    try:
        from transformers import AutoTokenizer
    except ImportError as e:
        raise MissingExtraError(
            "transformers is needed to count tokens; install it with: pip install 'kgsynth[local]'"
        ) from e
    try:
        tokenizer: Any = AutoTokenizer.from_pretrained(resolve_model(name, home))
    except (OSError, ValueError) as e:
        raise ModelError(
            f"cannot load the tokenizer of {name!r} ({str(e).splitlines()[0]}); "
            "name one with --tokenizer"
        ) from None

    def count(texts: Sequence[str]) -> list[int]:
        ids = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(x) for x in ids]

    return count


def generator_model(table: pa.Table) -> str:
    """The question model that wrote most rows of ``table`` (the default tokenizer)."""
    names = Counter(m for m in table.column("question_model").to_pylist() if m)
    if not names:
        raise InputError("the run's rows name no question model; pass --tokenizer")
    return names.most_common(1)[0][0]


def write_subsets(
    table: pa.Table,
    out_dir: Path,
    targets: Sequence[int],
    unit: str,
    fmt: str,
    seed: int,
    tokenizer: str,
    count_tokens: TokenCounter,
    include_truncated: bool = False,
    source: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Subset]:
    """Write nested subsets of ``table`` (a ``qa`` table) and ``subsets.json`` into ``out_dir``.

    ``on_progress(rows_tokenized, rows)`` is called after each batch of rows is counted.
    """
    if unit not in UNITS:
        raise ConfigError(f"subset unit must be one of {', '.join(UNITS)}; got {unit!r}")
    targets = sorted(set(targets))
    table = keep_rows(table, include_truncated)
    order = mixed_order(table.column("level").to_pylist(), seed)
    if unit == "rows":
        _check_rows(targets[-1], len(order))
        tokens = _prefix_tokens(table, order[: targets[-1]], count_tokens, None, on_progress)
    else:
        tokens = _prefix_tokens(table, order, count_tokens, targets[-1], on_progress)
    cumulative = np.cumsum(tokens)
    ends = [_prefix_end(unit, t, cumulative, len(order)) for t in targets]
    out_dir.mkdir(parents=True, exist_ok=True)
    ext = "parquet" if fmt == "parquet" else "jsonl"
    levels = np.asarray(table.column("level").to_pylist())
    subsets = []
    for target, end in zip(targets, ends, strict=True):
        name = f"subset-{format_count(target)}-{unit}.{ext}"
        export_qa(table.take(order[:end]), out_dir / name, fmt, include_truncated=True)
        by_level = Counter(levels[order[:end]].tolist())
        subsets.append(
            Subset(target, end, int(cumulative[end - 1]) if end else 0,
                   {str(k): by_level[k] for k in sorted(by_level)}, name)
        )  # fmt: skip
    manifest = {
        "source_run": source,
        "unit": unit,
        "seed": seed,
        "format": fmt,
        "tokenizer": tokenizer,
        "token_count": "question + answer tokens, no special tokens or chat template",
        "level_mix": "levels in their overall proportion of rows, in every subset",
        "nested": "each subset's rows are the first rows of the next (same order)",
        "rows_available": table.num_rows,
        "subsets": [asdict(s) for s in subsets],
    }
    atomic_write_text(out_dir / "subsets.json", json.dumps(manifest, indent=2))
    return subsets


def _prefix_tokens(
    table: pa.Table,
    order: np.ndarray,
    count_tokens: TokenCounter,
    until: int | None,
    on_progress: Callable[[int, int], None] | None,
) -> np.ndarray:
    """Tokens of the rows in ``order``, counted batch by batch until ``until`` is reached
    (all rows when ``until`` is None); rows beyond that are left uncounted (0)."""
    counts = np.zeros(len(order), dtype=np.int64)
    total = 0
    texts_table = table.select(["question", "answer"])
    for start in range(0, len(order), BATCH):
        rows = texts_table.take(order[start : start + BATCH])
        size = rows.num_rows
        texts = [q or "" for q in rows.column("question").to_pylist()]
        texts += [a or "" for a in rows.column("answer").to_pylist()]
        n = count_tokens(texts)
        batch = np.add(n[:size], n[size:])
        counts[start : start + size] = batch
        total += int(batch.sum())
        if on_progress is not None:
            on_progress(start + size, len(order))
        if until is not None and total >= until:
            break
    return counts


def _prefix_end(unit: str, target: int, cumulative: np.ndarray, available: int) -> int:
    """How many rows of the order the subset of ``target`` takes."""
    if unit == "rows":
        _check_rows(target, available)
        return target
    total = int(cumulative[-1]) if len(cumulative) else 0
    if target > total:
        raise InputError(
            f"a subset of {target:,} tokens was asked for; the run's rows hold {total:,}"
        )
    return int(np.searchsorted(cumulative, target)) + 1


def _check_rows(target: int, available: int) -> None:
    if target > available:
        raise InputError(f"a subset of {target:,} rows was asked for; the run has {available:,}")
