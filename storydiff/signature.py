"""Shingles and MinHash signatures, vectorised with numpy.

Values are datasketch-compatible: ``MinHash(num_perm, seed, scheme="affine32",
hashfunc=shingle_hash)`` fed the same shingles one by one gives the same hash
values (tests/test_signature.py checks this against datasketch itself). The
fast path never builds a Python object per shingle: words are hashed from
bytes, shingles by a polynomial over word hashes, and MinHash takes
``minimum.reduceat`` per document over cache-sized tiles of shingles and
permutations.
"""

from __future__ import annotations

import os
import re
import unicodedata
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


def _word_bytes_table() -> np.ndarray:
    """Byte -> lower-case itself for word characters, space for the rest,
    NUL (the text separator) kept.

    ASCII letters and digits are word characters; underscore, whitespace and
    ASCII punctuation are not (as ``[\\W_]``); bytes >= 0x80 belong to
    non-ASCII characters, which the caller has already reduced to word
    characters."""
    table = np.full(256, 0x20, dtype=np.uint8)
    for byte in range(256):
        if byte >= 0x80 or chr(byte).isalnum():
            table[byte] = ord(chr(byte).lower()) if byte < 0x80 else byte
    table[0] = 0
    return table


_WORD_BYTES = _word_bytes_table()
_BATCH_BYTES = 1 << 22
_SEPARATOR = "\x00"
#: Characters normalise() deletes; they join the two halves of a word.
_INVISIBLE = ("\u00ad", "\u200b", "\ufeff")


def _comparison_text(text: str) -> str:
    """``text`` reduced so that the byte tables give exactly the words of
    ``comparison_words`` (normalise, lower, non-word runs to spaces).

    Quote and dash folding and whitespace only touch non-word characters,
    which the tables turn into spaces anyway; what remains is NFKC, the
    deleted invisible characters and lower() for non-ASCII text."""
    if not text.isascii():
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        for invisible in _INVISIBLE:
            if invisible in text:
                text = text.replace(invisible, "")
        text = text.lower()
    return text.replace(_SEPARATOR, " ") if _SEPARATOR in text else text


_WORD_CHAR = re.compile(r"[^\W_]")
_BMP_WORD: list[np.ndarray] = []


def _is_word_codepoint(codepoints: np.ndarray) -> np.ndarray:
    """Code point -> is a word character (``\\w`` minus underscore): a table
    for the Basic Multilingual Plane, Python for the rare rest."""
    if not _BMP_WORD:
        _BMP_WORD.append(np.array([_WORD_CHAR.match(chr(c)) is not None for c in range(0x10000)], dtype=bool))
    result = _BMP_WORD[0][np.minimum(codepoints, 0xFFFF)]
    astral = codepoints > 0xFFFF
    if astral.any():
        values = np.unique(codepoints[astral])
        words = np.array([_WORD_CHAR.match(chr(min(int(c), 0x10FFFF))) is not None for c in values.tolist()])
        result[astral] = words[np.searchsorted(values, codepoints[astral])]
    return result


def _blank_non_word_multibyte(data: np.ndarray) -> None:
    """Overwrite the UTF-8 bytes of non-ASCII non-word characters with spaces."""
    leads = np.flatnonzero(data >= 0xC0)
    if leads.size == 0:
        return
    padded = np.concatenate((data, np.zeros(3, np.uint8))).astype(np.uint32)
    first = padded[leads]
    length = np.where(first >= 0xF0, 4, np.where(first >= 0xE0, 3, 2))
    mask = np.where(length == 2, 0x1F, np.where(length == 3, 0x0F, 0x07)).astype(np.uint32)
    codepoint = first & mask
    for k in range(1, 4):
        more = length > k
        codepoint = np.where(more, (codepoint << np.uint32(6)) | (padded[leads + k] & np.uint32(0x3F)), codepoint)
    blank = ~_is_word_codepoint(codepoint)
    for k in range(4):
        at = leads[blank & (length > k)] + k
        data[at] = 0x20


def shingle_hashes(texts: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many texts at once.

    Returns ``(hashes, offsets)``: uint32 hashes of all texts concatenated and
    ``offsets[i]:offsets[i+1]`` delimiting text i; hashes are unique and sorted
    per text.
    """
    prepared = [_comparison_text(t) for t in texts]
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    first = 0
    # Batches of a few MB keep the per-byte uint64 arrays in cache-sized memory.
    while first < len(prepared) or not parts:
        last, size = first, 0
        while last < len(prepared) and (last == first or size + len(prepared[last]) < _BATCH_BYTES):
            size += len(prepared[last]) + 1
            last += 1
        parts.append(_hash_batch(prepared[first:last], k))
        first = last
    return concatenate_sets(parts)


def concatenate_sets(parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Join ``(hashes, offsets)`` results of consecutive batches of texts."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0, np.uint32), np.zeros(1, np.int64)
    sizes = np.concatenate([np.diff(offsets) for _, offsets in parts])
    offsets = np.zeros(sizes.size + 1, np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return np.concatenate([hashes for hashes, _ in parts]), offsets


def _hash_batch(prepared: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    data = _WORD_BYTES[np.frombuffer(_SEPARATOR.join(prepared).encode("utf-8"), dtype=np.uint8)]
    _blank_non_word_multibyte(data)
    if data.size == 0:
        return np.zeros(0, np.uint32), np.zeros(len(prepared) + 1, np.int64)
    is_word = (data != 0x20) & (data != 0x00)
    edges = np.diff(np.concatenate(([False], is_word, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    word_doc = np.searchsorted(np.flatnonzero(data == 0x00), starts)
    with np.errstate(over="ignore"):
        if starts.size:
            # word value = sum of byte * base^(offset in word): weigh every byte
            # by base^position (gap bytes zeroed), sum per word, then shift
            # each sum back by base^-start.
            forward, backward = _byte_powers(data.size)
            weighted = np.where(is_word, data, np.uint8(0)).astype(np.uint64)
            weighted *= forward[: data.size]
            word_values = np.add.reduceat(weighted, starts) * backward[starts]
            word_values = _np_fmix64(word_values ^ (ends - starts).astype(np.uint64))
        else:
            word_values = np.zeros(0, np.uint64)
    counts = np.bincount(word_doc, minlength=len(prepared))
    return _shingles_from_words(word_values, word_doc, counts, k)


_POWERS: list[tuple[np.ndarray, np.ndarray]] = []


def _byte_powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """base^i and base^-i mod 2^64 for i < n (batches keep n to a few MB)."""
    if not _POWERS or _POWERS[0][0].size < n:
        size = 1 << max(22, (n - 1).bit_length())
        inverse = pow(_BYTE_BASE, -1, 1 << 64)
        with np.errstate(over="ignore"):
            forward = np.full(size, _BYTE_BASE, dtype=np.uint64)
            forward[0] = 1
            np.cumprod(forward, out=forward)
            backward = np.full(size, inverse, dtype=np.uint64)
            backward[0] = 1
            np.cumprod(backward, out=backward)
        _POWERS[:] = [(forward, backward)]
    return _POWERS[0]


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
    # One sort of (doc, hash) packed into 64 bits, then drop repeats.
    packed = np.sort((docs.astype(np.uint64) << np.uint64(32)) | hashes32.astype(np.uint64))
    keep = np.ones(packed.size, bool)
    keep[1:] = packed[1:] != packed[:-1]
    packed = packed[keep]
    hashes32 = (packed & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    docs = (packed >> np.uint64(32)).astype(np.int64)
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
    if n_docs == 0 or offsets[-1] == offsets[0]:
        return out
    sizes = np.diff(offsets)
    with np.errstate(over="ignore"):
        mixed = _fmix32(hashes)
        # Work in tiles of ~16k shingles x 32 permutations (2 MB) so each
        # tile stays in cache: six times faster than whole-matrix passes.
        cuts = np.unique(np.searchsorted(offsets, np.arange(offsets[0], offsets[-1], _TILE_SHINGLES), side="right") - 1)
        bounds = np.concatenate((cuts[cuts < n_docs], [n_docs]))
        for first_doc, end_doc in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            docs = np.arange(first_doc, end_doc)
            nonempty = docs[sizes[first_doc:end_doc] > 0]
            if nonempty.size == 0:
                continue
            low, high = offsets[first_doc], offsets[end_doc]
            segment = mixed[low:high]
            starts = offsets[nonempty] - low
            for first in range(0, params.num_perm, _TILE_PERMUTATIONS):
                last = min(params.num_perm, first + _TILE_PERMUTATIONS)
                permuted = segment[None, :] * a[first:last, None]
                permuted += b[first:last, None]
                out[nonempty, first:last] = np.minimum.reduceat(permuted, starts, axis=1).T
    return out


_TILE_SHINGLES = 1 << 14
_TILE_PERMUTATIONS = 32


def warm_tables() -> None:
    """Build the lookup tables now, so forked workers inherit them."""
    _byte_powers(_BATCH_BYTES)
    _is_word_codepoint(np.zeros(1, np.uint32))


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
