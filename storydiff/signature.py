"""Shingles and MinHash signatures.

Values are datasketch-compatible: ``MinHash(num_perm, seed, scheme="affine32",
hashfunc=shingle_hash)`` fed the same shingles one by one gives the same hash
values (tests/test_signature.py checks this against datasketch itself). The
fast path never builds a Python object per shingle: compiled kernels
(:mod:`storydiff.kernels`) hash words from UTF-8 bytes, shingles by a
polynomial over word hashes, and take each permutation's minimum. Python's
own NFKC and lower() run only on texts holding a character whose mapping
depends on its neighbours.
"""

from __future__ import annotations

import os
import re
import unicodedata
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import kernels
from .kernels.reference import shingle_hash_of_words
from .kernels.reference import word_hash as utf8_word_hash
from .text import CONTENT_CODE_TABLE, Paragraph, Paragraphs, content_text, normalise

SCHEME = "affine32"
HASH_NAME = "storydiff-poly64/1"
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


def word_hash(word: str) -> int:
    return utf8_word_hash(word.encode("utf-8"))


def shingle_hash(shingle: Sequence[str] | bytes) -> int:
    """The 32-bit hash of one shingle (a tuple of words, or their UTF-8 joined
    by spaces): the slow, obviously correct reference for the vector path and
    the ``hashfunc`` that makes datasketch agree with it."""
    if isinstance(shingle, bytes):
        shingle = shingle.decode("utf-8").split(" ")
    return shingle_hash_of_words([word_hash(word) for word in shingle])


def reference_shingles(text: str, k: int) -> set[int]:
    words = comparison_words(text)
    if not words:
        return set()
    if len(words) < k:
        return {shingle_hash(words)}
    return {shingle_hash(words[i : i + k]) for i in range(len(words) - k + 1)}


# --- fast path -----------------------------------------------------------------

#: Characters normalise() deletes; they join the two halves of a word.
_INVISIBLE = ("\u00ad", "\u200b", "\ufeff")
_WORD_CHAR = re.compile(r"[^\W_]")
_ASTRAL_NON_WORD = re.compile(r"(?![^\W_])[\U00010000-\U0010FFFF]")
_BATCH_BYTES = 1 << 22
_ENDS_DTYPE = np.dtype(f"=u{array('I').itemsize}")


def _prepared_text(text: str) -> str:
    """``text`` reduced so that breaking on non-word characters gives exactly
    the words of ``comparison_words``: NFKC, the deleted invisible
    characters, lower(); quote and dash folding and whitespace only touch
    non-word characters, which break words anyway. Non-word characters past
    the Basic Multilingual Plane become spaces, so the kernel's table of word
    characters can stop there."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    for invisible in _INVISIBLE:
        if invisible in text:
            text = text.replace(invisible, "")
    return _ASTRAL_NON_WORD.sub(" ", text.lower())


@dataclass(frozen=True)
class _Tables:
    ascii: np.ndarray
    fast: np.ndarray
    fast_chars: np.ndarray
    word: np.ndarray


_TABLES: list[_Tables] = []


def composition_seconds() -> set[int]:
    """Characters that canonical composition can fuse with the one before."""
    seconds = set()
    for cp in range(0x10000):
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    return seconds


def _fast_mapping(cp: int, seconds: set[int]) -> list[int] | None:
    """What a character becomes in ``_prepared_text``, as word characters
    (0 for a break), wherever it stands; None when its neighbours matter.

    NFKC of a text is NFKC of each character joined, except where
    composition fuses a character with the one before it (a composition
    second) and where canonical reordering moves combining marks, which are
    all non-word characters and so break words wherever they stand (a test
    checks this). Hangul jamo compose algorithmically, without decomposition
    entries; lower() of final sigma depends on its neighbours."""
    char = chr(cp)
    if 0xD800 <= cp < 0xE000 or char in _INVISIBLE:
        return None
    mapped = []
    for part in unicodedata.normalize("NFKC", char):
        lower = part.lower()
        if ord(part) in seconds or 0x1100 <= ord(part) < 0x1200 or part == "\u03a3" or len(lower) != 1:
            return None
        mapped.append(ord(lower) if _WORD_CHAR.match(lower) else 0)
    # the kernel sizes its buffers for at most one word a byte
    words = sum(1 for at, c in enumerate(mapped) if c and (at == 0 or not mapped[at - 1]))
    return mapped if 0 < len(mapped) < 32 and words <= len(char.encode("utf-8")) else None


def tables() -> _Tables:
    """Character tables of the shingle kernel, built once per process from
    this Python's Unicode data (so they agree with ``comparison_words``).

    ``fast[cp]`` packs where the character's mapping starts in ``fast_chars``
    (shifted left by 5) and its length, or holds NEEDS_PYTHON."""
    if not _TABLES:
        ascii_table = np.zeros(256, np.uint8)
        for byte in range(0x80):
            if chr(byte).isalnum():
                ascii_table[byte] = ord(chr(byte).lower())
        word = np.array([_WORD_CHAR.match(chr(cp)) is not None for cp in range(0x10000)], dtype=np.uint8)
        fast = np.full(0x10000, 0xFFFFFFFF, np.uint32)
        chars: list[int] = []
        seconds = composition_seconds()
        for cp in range(0x80, 0x10000):
            mapped = _fast_mapping(cp, seconds)
            if mapped is not None:
                fast[cp] = (len(chars) << 5) | len(mapped)
                chars.extend(mapped)
        _TABLES.append(_Tables(ascii_table, fast, np.array(chars, np.uint32), word))
    return _TABLES[0]


def shingle_hashes(texts: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many texts at once.

    Returns ``(hashes, offsets)``: uint32 hashes of all texts concatenated and
    ``offsets[i]:offsets[i+1]`` delimiting text i; hashes are unique and sorted
    per text.
    """
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for first, last in _batches([len(text) for text in texts]):
        encoded = [text.encode("utf-8", "surrogatepass") for text in texts[first:last]]
        starts = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum([len(e) for e in encoded], out=starts[1:])
        data = np.frombuffer(b"".join(encoded), np.uint8)
        parts.append(_shingle_segments(data, starts[:-1], starts[1:], np.arange(len(encoded) + 1), texts[first:last], k))
    return concatenate_sets(parts)


def paragraph_shingles(articles: Sequence[Sequence[Paragraph]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """``shingle_hashes`` of each article's :func:`~storydiff.text.content_text`,
    read straight from the UTF-8 buffers of their :class:`Paragraphs`."""

    stores = [p if isinstance(p, Paragraphs) else Paragraphs(p) for p in articles]
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for first, last in _batches([len(store.store()[0]) for store in stores]):
        data, segments = content_segments(stores[first:last])
        texts = _LazyTexts(stores[first:last])
        parts.append(_shingle_segments(data, *segments, texts, k))
    return concatenate_sets(parts)


def content_segments(stores: Sequence[Paragraphs]) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The stores' UTF-8 laid end to end, and the byte ranges of their body
    paragraphs with each store's first range (see
    :func:`storydiff.kernels.content_ranges`)."""
    buffers = [store.store() for store in stores]
    data = np.frombuffer(b"".join(data for data, _, _ in buffers), np.uint8)
    doc_starts = np.zeros(len(buffers) + 1, np.int64)
    np.cumsum([len(data) for data, _, _ in buffers], out=doc_starts[1:])
    end_starts = np.zeros(len(buffers) + 1, np.int64)
    np.cumsum([len(kinds) for _, _, kinds in buffers], out=end_starts[1:])
    ends = np.frombuffer(b"".join(ends.tobytes() for _, ends, _ in buffers), _ENDS_DTYPE)
    kinds = np.frombuffer(b"".join(kinds for _, _, kinds in buffers), np.uint8)
    content = np.frombuffer(CONTENT_CODE_TABLE, np.uint8)
    return data, kernels.content_ranges(data, doc_starts, ends, end_starts, kinds, content)


class _LazyTexts(Sequence[str]):
    """Content texts made only for the few documents Python must prepare."""

    def __init__(self, stores: Sequence[Paragraphs]) -> None:
        self._stores = stores

    def __len__(self) -> int:
        return len(self._stores)

    def __getitem__(self, index: Any) -> Any:
        return content_text(self._stores[index])


def _batches(sizes: Sequence[int]) -> Iterator[tuple[int, int]]:
    """Consecutive ranges of about ``_BATCH_BYTES``, which bound the kernel's
    buffers; at least one, even for no texts."""
    first = 0
    while first < len(sizes) or first == 0:
        last, total = first, 0
        while last < len(sizes) and (last == first or total + sizes[last] < _BATCH_BYTES):
            total += sizes[last]
            last += 1
        yield first, last
        if last == len(sizes):
            return
        first = last


def _shingle_segments(
    data: np.ndarray, seg_starts: np.ndarray, seg_ends: np.ndarray, doc_segments: np.ndarray, texts: Sequence[str], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's fast pass; then the documents it could not map, prepared
    in Python from ``texts`` and spliced in."""
    table = tables()
    fixed = (table.ascii, table.fast, table.fast_chars, table.word, k)
    hashes, offsets, unmappable = kernels.shingle_segments(data, seg_starts, seg_ends, doc_segments, False, *fixed)
    if not unmappable.any():
        return hashes, offsets
    docs = np.flatnonzero(unmappable)
    prepared = [_prepared_text(texts[i]).encode("utf-8", "surrogatepass") for i in docs.tolist()]
    starts = np.zeros(len(prepared) + 1, np.int64)
    np.cumsum([len(p) for p in prepared], out=starts[1:])
    redone, redone_offsets, _ = kernels.shingle_segments(
        np.frombuffer(b"".join(prepared), np.uint8), starts[:-1], starts[1:], np.arange(len(prepared) + 1), True, *fixed
    )
    # Unmappable documents yielded nothing in the fast pass, so the fast
    # hashes fill every other document's place in order, and the redone ones
    # fill theirs.
    sizes = np.diff(offsets)
    sizes[docs] = np.diff(redone_offsets)
    merged_offsets = np.zeros(sizes.size + 1, np.int64)
    np.cumsum(sizes, out=merged_offsets[1:])
    from_redone = np.repeat(unmappable, sizes)
    merged = np.empty(merged_offsets[-1], np.uint32)
    merged[~from_redone] = hashes
    merged[from_redone] = redone
    return merged, merged_offsets


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


# --- MinHash ----------------------------------------------------------------------


def permutations(params: SignatureParams) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of datasketch's affine32 scheme for this seed."""
    gen = np.random.RandomState(params.seed)
    a = gen.randint(0, 1 << 31, params.num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, params.num_perm, dtype=np.uint32)
    return a, b


def minhash_matrix(hashes: np.ndarray, offsets: np.ndarray, params: SignatureParams) -> np.ndarray:
    """MinHash signatures, one row per document (uint32, ``num_perm`` wide).

    A document without shingles keeps datasketch's empty value in every slot.
    """
    a, b = permutations(params)
    return kernels.minhash_rows(np.ascontiguousarray(hashes, np.uint32), np.ascontiguousarray(offsets, np.int64), a, b)


def warm_tables() -> None:
    """Build the lookup tables and load the kernels now, so forked workers
    inherit them."""
    shingle_hashes(["warm"], 1)


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
