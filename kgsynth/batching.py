"""The one helper that cuts an iterable into batches (LLM requests, ingest chunks, graph writes)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items, in order; the last one may be shorter.

    Lazy: an iterator is consumed one batch at a time, so a stream never sits in memory whole.
    """
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch
