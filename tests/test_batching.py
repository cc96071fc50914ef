"""The one batching helper: order kept, last batch shorter, streams consumed lazily."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kgsynth.batching import batched


def test_batches_keep_order_and_the_last_is_shorter() -> None:
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []
    assert list(batched("ab", 5)) == [["a", "b"]]


def test_a_stream_is_read_one_batch_at_a_time() -> None:
    pulled: list[int] = []

    def stream() -> Iterator[int]:
        for i in range(10):
            pulled.append(i)
            yield i

    first = next(batched(stream(), 4))
    assert first == [0, 1, 2, 3]
    assert pulled == [0, 1, 2, 3]


def test_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(batched([1], 0))
