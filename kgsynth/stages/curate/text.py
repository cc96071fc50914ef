"""Question text as the curate filters see it: normalised word tokens and their n-gram hashes.

Normalisation (:func:`words`): Unicode NFKC, case folding, LaTeX markup reduced to its
content (``$``, ``\\(``, ``\\left``, ``\\,``, ``\\text{..}``, ``\\dfrac{a}{b}`` -> ``a/b``,
``\\dbinom`` -> ``\\binom`` ...),
then the words: runs of letters and digits. Punctuation and spacing therefore never tell
two questions apart: ``"Solve $x^{2} = 4$."`` and ``"solve x^2=4"`` have the same words.

Hashing is vectorised over a whole batch (:class:`Batch`): the words of all its texts are
joined into one UTF-8 buffer and every word, text and k-gram hash is a prefix-sum
polynomial hash computed in numpy (the same in every process and run), so a batch of tens of
thousands of questions costs one regex pass per text and a few array operations.
"""

from __future__ import annotations

import re
import unicodedata
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
    t = text.lower() if text.isascii() else unicodedata.normalize("NFKC", text).casefold()
    if "\\" in t or "$" in t:
        t = _MATH_DELIMS.sub(" ", t)
        t = _WRAPPERS.sub(r" \1 ", t)
        t = _FRAC.sub(r" \1 / \2 ", t)
        t = _STYLE.sub("\\\\", t)
        t = _NOISE.sub(" ", t)
    return _WORD.findall(t)


_P = 0x100000001B3  # odd, so invertible modulo 2**64
_P_INV = pow(_P, -1, 1 << 64)
_powers: list[np.ndarray] = [np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)]


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**i and P**-i modulo 2**64 for i < n (grown and cached)."""
    if len(_powers[0]) < n:
        size = max(n, 2 * len(_powers[0]))
        for k, base in enumerate((_P, _P_INV)):
            table = np.full(size, base, dtype=np.uint64)
            table[0] = 1
            _powers[k] = np.cumprod(table, dtype=np.uint64)
    return _powers[0][:n], _powers[1][:n]


def _span_hashes(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Polynomial hash (base P, mod 2**64) of each span ``values[start:end]``, vectorised:
    prefix sums of ``v_i * P**-i``, then ``(S[end] - S[start]) * P**(end-1)``."""
    pw, ipw = _power_tables(len(values) + 1)
    prefix = np.zeros(len(values) + 1, dtype=np.uint64)
    np.cumsum(values * ipw[: len(values)], out=prefix[1:])
    last = np.maximum(ends - 1, 0)
    return (prefix[ends] - prefix[starts]) * pw[last]


@dataclass(frozen=True)
class Batch:
    """The words of a batch of texts, hashed: one flat array with per-text offsets."""

    hashes: np.ndarray  # uint64, one per word, texts one after the other
    offsets: np.ndarray  # int64, len(texts) + 1; text i is hashes[offsets[i]:offsets[i+1]]
    digits: np.ndarray  # bool, one per word: the word is a number

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @classmethod
    def of(cls, token_lists: Sequence[Sequence[str]]) -> Batch:
        """Hash every word of every text in numpy over one UTF-8 buffer (no per-word
        Python work): word hashes are span hashes of its bytes, mixed."""
        n = len(token_lists)
        lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=n)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        text = " ".join([" ".join(tokens) for tokens in token_lists if tokens])
        buf = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        if not len(buf):
            return cls(_EMPTY, offsets, np.zeros(0, dtype=bool))
        space = np.flatnonzero(buf == 32)
        starts = np.concatenate([[0], space + 1])
        ends = np.concatenate([space, [len(buf)]])
        hashes = fmix64(_span_hashes(buf.astype(np.uint64) + np.uint64(1), starts, ends))
        nondigit = np.concatenate([[0], np.cumsum((buf < 48) | (buf > 57))])
        digits = nondigit[ends] - nondigit[starts] == 0
        return cls(hashes, offsets, digits)

    def text_keys(self) -> np.ndarray:
        """Per text, the exact-duplicate key: a 64-bit hash of its word sequence and length."""
        keys = _span_hashes(self.hashes, self.offsets[:-1], self.offsets[1:])
        return fmix64(keys ^ self.lengths.astype(np.uint64))

    def number_keys(self) -> np.ndarray:
        """Per text, the near-duplicate guard: an order-free hash of the numbers it holds
        (0 when it holds none)."""
        values = np.where(self.digits, fmix64(self.hashes ^ _MIX), np.uint64(0))
        prefix = np.zeros(len(values) + 1, dtype=np.uint64)
        np.cumsum(values, out=prefix[1:])
        return prefix[self.offsets[1:]] - prefix[self.offsets[:-1]]

    def take(self, rows: Sequence[int]) -> Batch:
        """The sub-batch of texts ``rows``, in that order."""
        idx = np.asarray(rows, dtype=np.int64)
        lengths = self.lengths[idx]
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        picked = np.repeat(self.offsets[idx] - offsets[:-1], lengths) + np.arange(offsets[-1])
        return Batch(self.hashes[picked], offsets, self.digits[picked])


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
