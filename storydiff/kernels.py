"""Compiled inner loops (numba) for shingles, MinHash and shingle-set overlaps.

Each kernel walks bytes or sorted hashes once, with no Python object per
word or shingle; tests/test_signature.py checks them against the slow,
obviously correct references in :mod:`storydiff.signature` and datasketch.
Compiled code is cached on disk (``cache=True``), so only the first run on
a machine pays for compilation.

Integer types are spelled out everywhere: numba, like NumPy, turns mixed
signed and unsigned 64-bit arithmetic into floats.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_U64 = np.uint64
_BYTE_BASE = _U64(0x100000001B3)
_WORD_BASE = _U64(0x9E3779B97F4A7C15)
#: In the fast table: a character that turns into a word break.
BREAK = np.uint32(0)
#: In the fast table: a character that needs Python's NFKC and lower() first.
NEEDS_PREPARATION = np.uint32(0xFFFFFFFF)


@njit(cache=True, nogil=True)
def _fmix64(h: np.uint64) -> np.uint64:
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


@njit(cache=True, nogil=True)
def _fmix32(h: np.uint32) -> np.uint32:
    h ^= h >> np.uint32(16)
    h = np.uint32(h * np.uint32(0x85EBCA6B))
    h ^= h >> np.uint32(13)
    h = np.uint32(h * np.uint32(0xC2B2AE35))
    return h ^ (h >> np.uint32(16))


@njit(cache=True, nogil=True)
def _decode(data: np.ndarray, i: int) -> tuple[int, int]:
    """(code point, byte length) of the UTF-8 sequence at ``data[i]``
    (surrogates included, as Python's surrogatepass writes them)."""
    lead = int(data[i])
    if lead < 0xE0:
        return ((lead & 0x1F) << 6) | (int(data[i + 1]) & 0x3F), 2
    if lead < 0xF0:
        return ((lead & 0x0F) << 12) | ((int(data[i + 1]) & 0x3F) << 6) | (int(data[i + 2]) & 0x3F), 3
    return ((lead & 0x07) << 18) | ((int(data[i + 1]) & 0x3F) << 12) | ((int(data[i + 2]) & 0x3F) << 6) | (int(data[i + 3]) & 0x3F), 4


@njit(cache=True, nogil=True)
def content_ranges(
    data: np.ndarray, doc_starts: np.ndarray, ends: np.ndarray, end_starts: np.ndarray, kinds: np.ndarray, content: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Byte ranges of the content paragraphs of paragraph stores laid end to
    end (see :meth:`storydiff.text.Paragraphs.store`): document ``d``'s
    UTF-8 is ``data[doc_starts[d]:doc_starts[d+1]]``, its paragraphs end at
    the character offsets ``ends[end_starts[d]:end_starts[d+1]]`` with those
    ``kinds``; ``content[kind]`` says which to keep. Returns segment starts,
    ends and each document's first segment."""
    seg_starts = np.empty(kinds.size, np.int64)
    seg_ends = np.empty(kinds.size, np.int64)
    doc_segments = np.zeros(doc_starts.size, np.int64)
    segment = 0
    for doc in range(doc_starts.size - 1):
        i = doc_starts[doc]
        chars = 0
        for paragraph in range(end_starts[doc], end_starts[doc + 1]):
            first = i
            while chars < ends[paragraph]:
                lead = data[i]
                i += 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
                chars += 1
            if content[kinds[paragraph]]:
                seg_starts[segment] = first
                seg_ends[segment] = i
                segment += 1
        doc_segments[doc + 1] = segment
    return seg_starts[:segment].copy(), seg_ends[:segment].copy(), doc_segments


@njit(cache=True, nogil=True)
def _sort_unique(values: np.ndarray, lo: int, hi: int, scratch: np.ndarray, bucket_ends: np.ndarray) -> int:
    """Sort ``values[lo:hi]`` and drop repeats in place; returns the new end.

    The values are hashes, spread evenly: one counting pass into about as
    many buckets as values by their top bits leaves only values sharing a
    bucket out of order, which one insertion pass puts right (five times
    faster than quicksort on a few hundred values)."""
    n = hi - lo
    bits = 1
    while (1 << bits) < n:
        bits += 1
    shift = 32 - bits
    buckets = 1 << bits
    bucket_ends[: buckets + 1] = 0
    for i in range(lo, hi):
        bucket_ends[(values[i] >> shift) + 1] += 1
    for b in range(buckets):
        bucket_ends[b + 1] += bucket_ends[b]
    for i in range(lo, hi):
        b = values[i] >> shift
        scratch[bucket_ends[b]] = values[i]
        bucket_ends[b] += 1
    for i in range(1, n):
        x = scratch[i]
        j = i - 1
        while j >= 0 and scratch[j] > x:
            scratch[j + 1] = scratch[j]
            j -= 1
        scratch[j + 1] = x
    end = lo
    for i in range(n):
        if i == 0 or scratch[i] != scratch[i - 1]:
            values[end] = scratch[i]
            end += 1
    return end


@njit(cache=True, nogil=True)
def shingle_segments(
    data: np.ndarray,
    seg_starts: np.ndarray,
    seg_ends: np.ndarray,
    doc_segments: np.ndarray,
    prepared: bool,
    ascii_table: np.ndarray,
    fast_table: np.ndarray,
    fast_chars: np.ndarray,
    word_table: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted unique 32-bit shingle hashes of each document, whose text is its
    segments of UTF-8 ``data`` with a word break between segments, as
    (hashes, offsets, unmappable).

    Words are runs of word characters; ASCII goes through ``ascii_table``
    (lower-cased byte, 0 for a break). A document not ``prepared`` maps each
    other character through ``fast_table`` to a run of ``fast_chars`` (its
    NFKC form lower-cased, 0 for a break); a prepared one (already NFKC and
    lower-cased in Python) keeps its characters, breaking on those
    ``word_table`` marks as non-word (code points past the table are words:
    preparation blanks the others). Unless ``prepared``, a document holding a
    character the fast table cannot map yields nothing and is marked
    ``unmappable``, for Python to prepare.
    """
    n = doc_segments.size - 1
    longest = 0
    total = 0
    for doc in range(n):
        size = 0
        for segment in range(doc_segments[doc], doc_segments[doc + 1]):
            size += seg_ends[segment] - seg_starts[segment] + 1
        longest = max(longest, size)
        total += size
    # at most a word a byte: the fast table maps no character to more words
    # than its UTF-8 bytes, and a prepared text's words end at a break
    words = np.empty(longest + 2, np.uint64)
    out = np.empty(total // 2 + n + 1, np.uint32)
    offsets = np.zeros(n + 1, np.int64)
    flagged = np.zeros(n, np.bool_)
    size = 0
    lead = _U64(1)  # the weight of a shingle's last word: WORD_BASE^(k-1)
    for _ in range(k - 1):
        lead *= _WORD_BASE
    unweight = _WORD_BASE  # becomes WORD_BASE^-1 mod 2^64 (Newton's iteration)
    for _ in range(5):
        unweight *= _U64(2) - _WORD_BASE * unweight
    mapped_run = np.empty(32, np.uint32)
    scratch = np.empty(longest + 2, np.uint32)
    bucket_ends = np.empty(2 * longest + 6, np.int64)
    for doc in range(n):
        count = 0
        value = _U64(0)
        power = _U64(1)
        length = 0
        unmappable = False
        for segment in range(doc_segments[doc], doc_segments[doc + 1]):
            i, end = seg_starts[segment], seg_ends[segment]
            while i <= end:
                if i < end and data[i] < 0x80:
                    byte = ascii_table[data[i]]
                    i += 1
                    if byte:
                        value += _U64(byte) * power
                        power *= _BYTE_BASE
                        length += 1
                        continue
                    run = 1
                    mapped_run[0] = 0
                elif i == end:
                    run = 1
                    mapped_run[0] = 0
                    i += 1
                else:
                    cp, step = _decode(data, i)
                    i += step
                    if prepared:
                        run = 1
                        mapped_run[0] = cp if cp > 0xFFFF or word_table[cp] else 0
                    elif cp > 0xFFFF or fast_table[cp] == NEEDS_PREPARATION:
                        unmappable = True
                        break
                    else:
                        packed = fast_table[cp]
                        run = packed & 31
                        for t in range(run):
                            mapped_run[t] = fast_chars[(packed >> 5) + t]
                for t in range(run):
                    mapped = mapped_run[t]
                    if mapped == 0:
                        if length:
                            words[count] = _fmix64(value ^ _U64(length))
                            count += 1
                            value = _U64(0)
                            power = _U64(1)
                            length = 0
                        continue
                    # the UTF-8 bytes of the mapped character, weighed by position
                    if mapped < 0x80:
                        width = 1
                        first_byte = mapped
                    elif mapped < 0x800:
                        width = 2
                        first_byte = 0xC0 | (mapped >> 6)
                    elif mapped < 0x10000:
                        width = 3
                        first_byte = 0xE0 | (mapped >> 12)
                    else:
                        width = 4
                        first_byte = 0xF0 | (mapped >> 18)
                    value += _U64(first_byte) * power
                    power *= _BYTE_BASE
                    for shift in range(width - 2, -1, -1):
                        value += _U64(0x80 | ((mapped >> (6 * shift)) & 0x3F)) * power
                        power *= _BYTE_BASE
                    length += width
            if unmappable:
                break
        if unmappable:
            count = 0
            flagged[doc] = True
        first = size
        if size + max(count - k + 1, 1) > out.size:
            grown = np.empty(2 * out.size + count, np.uint32)
            grown[:size] = out[:size]
            out = grown
        if 0 < count < k:
            acc = _U64(0)
            weight = _U64(1)
            for j in range(count):
                acc += words[j] * weight
                weight *= _WORD_BASE
            out[size] = np.uint32(_fmix64(acc) >> _U64(32))
            size += 1
        elif count >= k:
            # shingle i = sum of words[i + j] * WORD_BASE^j, rolled forward
            acc = _U64(0)
            weight = _U64(1)
            for j in range(k):
                acc += words[j] * weight
                weight *= _WORD_BASE
            out[size] = np.uint32(_fmix64(acc) >> _U64(32))
            size += 1
            for start in range(1, count - k + 1):
                acc = (acc - words[start - 1]) * unweight + words[start + k - 1] * lead
                out[size] = np.uint32(_fmix64(acc) >> _U64(32))
                size += 1
        if size - first > 1:
            size = _sort_unique(out, first, size, scratch, bucket_ends)
        offsets[doc + 1] = size
    return out[:size].copy(), offsets, flagged


@njit(cache=True, nogil=True)
def minhash_rows(hashes: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """datasketch's affine32 MinHash of each document's shingle hashes:
    the minimum over shingles of ``a * fmix32(h) + b`` (mod 2^32) for each
    permutation; an empty document keeps 0xFFFFFFFF."""
    n = offsets.size - 1
    num_perm = a.size
    out = np.full((n, num_perm), np.uint32(0xFFFFFFFF), np.uint32)
    for doc in range(n):
        row = out[doc]
        for s in range(offsets[doc], offsets[doc + 1]):
            mixed = _fmix32(hashes[s])
            for p in range(num_perm):
                permuted = np.uint32(mixed * a[p] + b[p])
                if permuted < row[p]:
                    row[p] = permuted
    return out


@njit(cache=True, nogil=True)
def shared_counts(hashes: np.ndarray, offsets: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """For each pair, how many hashes documents ``left[i]`` and ``right[i]``
    share (each document's hashes sorted and unique): a merge walk."""
    out = np.zeros(left.size, np.int64)
    for pair in range(left.size):
        i, i_end = offsets[left[pair]], offsets[left[pair] + 1]
        j, j_end = offsets[right[pair]], offsets[right[pair] + 1]
        shared = 0
        while i < i_end and j < j_end:
            x, y = hashes[i], hashes[j]
            if x == y:
                shared += 1
                i += 1
                j += 1
            elif x < y:
                i += 1
            else:
                j += 1
        out[pair] = shared
    return out
