"""Shingles and MinHash signatures, vectorised with numpy.

Values are datasketch-compatible: ``MinHash(num_perm, seed, scheme="affine32",
hashfunc=shingle_hash)`` fed the same shingles one by one gives the same hash
values (tests/test_signature.py checks this against datasketch itself). The
fast path never builds a Python object per shingle: words are hashed from
bytes, shingles by a polynomial over word hashes, and each permutation is one
numpy pass with ``minimum.reduceat`` per document.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .text import normalise

SCHEME = "affine32"
HASH_NAME = "storydiff-poly64/1"
_MASK64 = (1 << 64) - 1
_BYTE_BASE = 0x100000001B3  # the FNV-64 prime: odd, so invertible mod 2^64
_WORD_BASE = 0x9E3779B97F4A7C15  # golden-ratio constant, odd
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class SignatureParams:
    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5
    scheme: str = SCHEME
    hash: str = HASH_NAME

    def __post_init__(self) -> None:
        if not 8 <= self.num_perm <= 1024 or self.num_perm % 2:
            raise ValueError(f"num_perm must be an even number from 8 to 1024, got {self.num_perm}")
        if not 1 <= self.shingle_size <= 12:
            raise ValueError(f"shingle_size must be from 1 to 12 words, got {self.shingle_size}")
        if self.scheme != SCHEME:
            raise ValueError(f"scheme must be {SCHEME!r}, got {self.scheme!r}")

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def comparison_words(text: str) -> list[str]:
    """Lower-case word tokens used for shingles (the slow reference path)."""
    return _NON_WORD.sub(" ", normalise(text).lower()).split()


def _fmix64(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK64
    return h ^ (h >> 33)


def word_hash(word: str) -> int:
    value = 0
    for position, byte in enumerate(word.encode("utf-8")):
        value = (value + byte * pow(_BYTE_BASE, position, 1 << 64)) & _MASK64
    return _fmix64(value ^ len(word.encode("utf-8")))


def shingle_hash(shingle: Sequence[str] | bytes) -> int:
    """The 32-bit hash of one shingle (a tuple of words, or their UTF-8 joined
    by spaces): the slow, obviously correct reference for the vector path and
    the ``hashfunc`` that makes datasketch agree with it."""
    if isinstance(shingle, bytes):
        shingle = shingle.decode("utf-8").split(" ")
    value = 0
    for j, word in enumerate(shingle):
        value = (value + word_hash(word) * pow(_WORD_BASE, j, 1 << 64)) & _MASK64
    return _fmix64(value) >> 32


def reference_shingles(text: str, k: int) -> set[int]:
    words = comparison_words(text)
    if not words:
        return set()
    if len(words) < k:
        return {shingle_hash(words)}
    return {shingle_hash(words[i : i + k]) for i in range(len(words) - k + 1)}


# --- vector path ---------------------------------------------------------------


def _np_fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


_POWERS_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _byte_powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """base^i and base^-i mod 2^64 for i < n, grown on demand."""
    size = 1 << max(16, (n - 1).bit_length())
    cached = _POWERS_CACHE.get(size)
    if cached is None:
        inverse = pow(_BYTE_BASE, -1, 1 << 64)
        with np.errstate(over="ignore"):
            forward = np.full(size, _BYTE_BASE, dtype=np.uint64)
            forward[0] = 1
            np.cumprod(forward, out=forward)
            backward = np.full(size, inverse, dtype=np.uint64)
            backward[0] = 1
            np.cumprod(backward, out=backward)
        _POWERS_CACHE.clear()
        _POWERS_CACHE[size] = cached = (forward, backward)
    return cached


def shingle_hashes(texts: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many texts at once.

    Returns ``(hashes, offsets)``: uint32 hashes of all texts concatenated and
    ``offsets[i]:offsets[i+1]`` delimiting text i; hashes are unique and sorted
    per text.
    """
    joined = " \n ".join(_NON_WORD.sub(" ", normalise(t).lower()) for t in texts)
    data = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    if data.size == 0:
        return np.zeros(0, np.uint32), np.zeros(len(texts) + 1, np.int64)
    is_word = (data != 0x20) & (data != 0x0A)
    edges = np.diff(np.concatenate(([False], is_word, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    newline_positions = np.flatnonzero(data == 0x0A)
    word_doc = np.searchsorted(newline_positions, starts)
    forward, backward = _byte_powers(data.size)
    with np.errstate(over="ignore"):
        weighted = data.astype(np.uint64) * forward[: data.size]
        if starts.size:
            sums = np.add.reduceat(weighted, starts)
            # reduceat sums up to the next start; the gap between words is
            # only spaces whose contribution must be removed again
            gap = np.add.reduceat(np.where(is_word, np.uint64(0), weighted), starts)
            word_values = (sums - gap) * backward[starts]
            word_values = _np_fmix64(word_values ^ (ends - starts).astype(np.uint64))
        else:
            word_values = np.zeros(0, np.uint64)
    counts = np.bincount(word_doc, minlength=len(texts))
    return _shingles_from_words(word_values, word_doc, counts, k)


def _shingles_from_words(word_values: np.ndarray, word_doc: np.ndarray, counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    n = word_values.size
    with np.errstate(over="ignore"):
        if n >= k:
            acc = word_values[: n - k + 1].copy()
            multiplier = np.uint64(1)
            for j in range(1, k):
                multiplier = multiplier * np.uint64(_WORD_BASE)
                acc += word_values[j : n - k + 1 + j] * multiplier
            valid = word_doc[: n - k + 1] == word_doc[k - 1 :]
            hashes = acc[valid]
            docs = word_doc[: n - k + 1][valid]
        else:
            hashes = np.zeros(0, np.uint64)
            docs = np.zeros(0, np.int64)
        short = np.flatnonzero((counts > 0) & (counts < k))
        if short.size:
            # a text shorter than one shingle is one shingle of all its words
            first_word = np.concatenate(([0], np.cumsum(counts)))[short]
            extra = np.zeros(short.size, np.uint64)
            multiplier = np.uint64(1)
            for j in range(k - 1):
                take = counts[short] > j
                extra[take] += word_values[first_word[take] + j] * multiplier
                multiplier = multiplier * np.uint64(_WORD_BASE)
            hashes = np.concatenate((hashes, extra))
            docs = np.concatenate((docs, short))
        hashes32 = (_np_fmix64(hashes) >> np.uint64(32)).astype(np.uint32)
    order = np.lexsort((hashes32, docs))
    hashes32, docs = hashes32[order], docs[order]
    keep = np.ones(hashes32.size, bool)
    keep[1:] = (hashes32[1:] != hashes32[:-1]) | (docs[1:] != docs[:-1])
    hashes32, docs = hashes32[keep], docs[keep]
    offsets = np.zeros(counts.size + 1, np.int64)
    np.cumsum(np.bincount(docs, minlength=counts.size), out=offsets[1:])
    return hashes32, offsets


# --- MinHash ----------------------------------------------------------------------


def permutations(params: SignatureParams) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of datasketch's affine32 scheme for this seed."""
    gen = np.random.RandomState(params.seed)
    a = gen.randint(0, 1 << 31, params.num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, params.num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


EMPTY = np.uint32(0xFFFFFFFF)


def minhash_matrix(hashes: np.ndarray, offsets: np.ndarray, params: SignatureParams) -> np.ndarray:
    """MinHash signatures, one row per document (uint32, ``num_perm`` wide).

    A document without shingles keeps datasketch's empty value in every slot.
    """
    a, b = permutations(params)
    n_docs = offsets.size - 1
    out = np.full((n_docs, params.num_perm), EMPTY, dtype=np.uint32)
    sizes = np.diff(offsets)
    nonempty = np.flatnonzero(sizes > 0)
    if nonempty.size == 0:
        return out
    starts = offsets[:-1][nonempty]
    with np.errstate(over="ignore"):
        mixed = _fmix32(hashes)
        block = max(1, min(params.num_perm, 32_000_000 // max(1, mixed.size)))
        for first in range(0, params.num_perm, block):
            last = min(params.num_perm, first + block)
            permuted = mixed[None, :] * a[first:last, None]
            permuted += b[first:last, None]
            out[nonempty, first:last] = np.minimum.reduceat(permuted, starts, axis=1).T
    return out


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
