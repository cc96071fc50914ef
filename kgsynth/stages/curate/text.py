"""Question text as the curate filters see it: normalised word tokens and their n-gram hashes.

Normalisation (:func:`words`): Unicode NFKC, case folding, LaTeX markup reduced to its
content (``$``, ``\\(``, ``\\left``, ``\\,``, ``\\text{..}``, ``\\dfrac{a}{b}`` -> ``a/b``,
``\\dbinom`` -> ``\\binom`` ...),
then the words: runs of letters and digits. Punctuation and spacing therefore never tell
two questions apart: ``"Solve $x^{2} = 4$."`` and ``"solve x^2=4"`` have the same words.

Hashing is vectorised over a whole batch: each word gets a stable 32-bit hash (crc32, the
same in every process and run), and the k-grams of every question are rolled up in numpy
(:func:`gram_hashes`), so a batch of tens of thousands of questions costs one Python pass
over its words and a few array operations per gram length.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_MATH_DELIMS = re.compile(r"\\[()\[\]]|\$+")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_STYLE = re.compile(r"\\[dt](?=binom\b)")
_WRAPPERS = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mathit|operatorname)\s*\{([^{}]*)\}")
_NOISE = re.compile(r"\\(?:left|right|displaystyle|quad|qquad|[,;:! ])")
_WORD = re.compile(r"\w+")
_MIX = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = np.zeros(0, dtype=np.uint64)


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (see the module docstring)."""
    t = unicodedata.normalize("NFKC", text).casefold()
    if "\\" in t or "$" in t:
        t = _MATH_DELIMS.sub(" ", t)
        t = _WRAPPERS.sub(r" \1 ", t)
        t = _FRAC.sub(r" \1 / \2 ", t)
        t = _STYLE.sub("\\\\", t)
        t = _NOISE.sub(" ", t)
    return _WORD.findall(t)


def text_key(tokens: Sequence[str]) -> int:
    """The exact-duplicate key of a question: a 64-bit hash of its normalised words."""
    digest = hashlib.blake2b(" ".join(tokens).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def number_key(tokens: Sequence[str]) -> int:
    """The near-duplicate guard: a 64-bit hash of the question's numbers, sorted."""
    numbers = sorted(w for w in tokens if w.isdigit())
    return text_key(numbers) if numbers else 0


@dataclass(frozen=True)
class Batch:
    """The words of a batch of texts, hashed: one flat array with per-text offsets."""

    hashes: np.ndarray  # uint64, one per word, texts one after the other
    offsets: np.ndarray  # int64, len(texts) + 1; text i is hashes[offsets[i]:offsets[i+1]]

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @classmethod
    def of(cls, token_lists: Sequence[Sequence[str]]) -> Batch:
        crc = zlib.crc32
        flat = [crc(w.encode("utf-8")) for tokens in token_lists for w in tokens]
        lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
        offsets = np.zeros(len(token_lists) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(np.asarray(flat, dtype=np.uint64), offsets)

    def take(self, rows: Sequence[int]) -> Batch:
        """The sub-batch of texts ``rows``, in that order."""
        idx = np.asarray(rows, dtype=np.int64)
        lengths = self.lengths[idx]
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        starts = np.repeat(self.offsets[idx] - offsets[:-1], lengths)
        return Batch(self.hashes[starts + np.arange(offsets[-1])], offsets)


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: spreads rolled-up gram hashes over all 64 bits."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def gram_hashes(
    batch: Batch, n: int, short_min: int, spans: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every word ``n``-gram of every text, and the index of the text each is from.

    A text with ``short_min <= words < n`` contributes one gram instead: all of its words
    (so short texts still take part); a text with fewer than ``short_min`` words, none. With
    ``spans``, every ``k``-gram for ``short_min <= k < n`` is added too (the benchmark side:
    a short question then hits when it equals any span of a benchmark item).
    """
    h, offsets = batch.hashes, batch.offsets
    lengths = batch.lengths
    rows = np.repeat(np.arange(len(lengths)), lengths)
    rolled = h.copy()
    hashes: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for k in range(1, n + 1):
        if k > 1:
            rolled = rolled[:-1] * _MIX + h[k - 1 :]
        if k == n or (spans and k >= short_min):
            ok = np.arange(len(rolled)) + k <= offsets[rows[: len(rolled)] + 1]
            hashes.append(rolled[ok])
            owners.append(rows[: len(rolled)][ok])
        elif k >= short_min:
            whole = np.flatnonzero(lengths == k)
            hashes.append(rolled[offsets[whole]])
            owners.append(whole)
        if not len(rolled):
            break
    if not hashes:
        return _EMPTY, np.zeros(0, dtype=np.int64)
    return fmix64(np.concatenate(hashes)), np.concatenate(owners)
