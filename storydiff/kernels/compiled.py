"""Compiled inner loops (numba): shingles, MinHash, shingle-set overlaps,
candidate pairs, and normalised text (article ids, folded paragraphs).

Each kernel walks bytes, hashes or key rows a few times, with no Python
object per word, shingle or pair. Every kernel here has a plain-Python twin
of the same name, arguments and results in :mod:`storydiff.kernels.reference`;
tests/test_kernels.py compares the two on generated input, and
``STORYDIFF_KERNELS=python`` runs the whole package on the twins.
Compiled code is cached on disk (``cache=True``), so only the first run on
a machine pays for compilation.

Integer types are spelled out everywhere: numba, like NumPy, turns mixed
signed and unsigned 64-bit arithmetic into floats.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import constants
from .constants import NEEDS_PYTHON, OVERSIZE, WHITE_SPACE

_U64 = np.uint64
_BYTE_BASE = _U64(constants.BYTE_BASE)
_WORD_BASE = _U64(constants.WORD_BASE)


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


#: Byte ``b`` maps to itself where it is an ASCII character that normalising
#: keeps as it is (not white space, "-", "`" or a control), else to 0; and
#: the same lower-cased.
_PLAIN = np.array([b if 32 < b < 127 and b not in (45, 96) else 0 for b in range(256)], np.uint8)
_PLAIN_LOWER = np.array([b + 32 if 65 <= b <= 90 else b for b in _PLAIN.tolist()], np.uint8)


@njit(cache=True, nogil=True)
def normalised_texts(
    data: np.ndarray,
    seg_starts: np.ndarray,
    seg_ends: np.ndarray,
    doc_segments: np.ndarray,
    table: np.ndarray,
    table_chars: np.ndarray,
    lower: bool,
    out: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each document as :func:`storydiff.text.normalise` makes it (and
    lower-cased, with ``lower`` and a table to match), as UTF-8 in ``out``
    (at least three bytes per input byte, plus one per segment): its
    segments (say the content paragraphs of :func:`content_ranges`) joined
    by line breaks, each character replaced by its entry in ``table``, runs
    of "--" halved as ``str.replace`` does, white space runs made one space
    and trimmed. Returns where each document's text ends in ``out``, and
    which documents hold a character the table leaves to Python (their
    text is left empty)."""
    out_ends = np.zeros(doc_segments.size, np.int64)
    needs_python = np.zeros(doc_segments.size - 1, np.bool_)
    plain = _PLAIN_LOWER if lower else _PLAIN
    o = 0
    for doc in range(doc_segments.size - 1):
        first = o
        space = False  # white space seen since the last character written
        dash = False  # the last character was a "-" that a next "-" pairs with
        unmappable = False
        for segment in range(doc_segments[doc], doc_segments[doc + 1]):
            if segment > doc_segments[doc]:
                space, dash = True, False
            i, end = seg_starts[segment], seg_ends[segment]
            while i < end:
                lead = int(data[i])
                if lead < 0x80:
                    if lead == 32:
                        i += 1
                        space, dash = True, False
                        continue
                    mapped = plain[lead]
                    if mapped != 0:
                        if space and o > first:
                            out[o] = 32
                            o += 1
                        space, dash = False, False
                        # Most of a text is runs of plain characters with
                        # single spaces between them: copied in this loop,
                        # 40% sooner than a pass of the outer one a byte.
                        while True:
                            out[o] = mapped
                            o += 1
                            i += 1
                            if i == end:
                                break
                            mapped = plain[data[i]]
                            if mapped == 0:
                                if data[i] != 32 or i + 1 == end or plain[data[i + 1]] == 0:
                                    break
                                out[o] = 32
                                o += 1
                                i += 1
                                mapped = plain[data[i]]
                        continue
                    i += 1
                    code = lead
                elif lead < 0xE0:
                    code = ((lead & 0x1F) << 6) | (int(data[i + 1]) & 0x3F)
                    i += 2
                elif lead < 0xF0:
                    code = ((lead & 0x0F) << 12) | ((int(data[i + 1]) & 0x3F) << 6) | (int(data[i + 2]) & 0x3F)
                    i += 3
                else:
                    unmappable = True
                    break
                entry = table[code]
                if entry == NEEDS_PYTHON:
                    unmappable = True
                    break
                start = entry >> 5
                for at in range(start, start + (entry & 31)):
                    char = table_chars[at]
                    if char & WHITE_SPACE:
                        space, dash = True, False
                        continue
                    if char == 45:
                        if dash:
                            dash = False
                            continue
                        dash = True
                    else:
                        dash = False
                    if space and o > first:
                        out[o] = 32
                        o += 1
                    space = False
                    if char < 0x80:
                        out[o] = char
                        o += 1
                    elif char < 0x800:
                        out[o] = 0xC0 | (char >> 6)
                        out[o + 1] = 0x80 | (char & 0x3F)
                        o += 2
                    else:
                        out[o] = 0xE0 | (char >> 12)
                        out[o + 1] = 0x80 | ((char >> 6) & 0x3F)
                        out[o + 2] = 0x80 | (char & 0x3F)
                        o += 3
            if unmappable:
                break
        if unmappable:
            needs_python[doc] = True
            o = first
        out_ends[doc + 1] = o
    return out_ends, needs_python


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
    out = np.empty(total + n + 1, np.uint32)  # shingles <= words
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
                    elif cp > 0xFFFF or fast_table[cp] == NEEDS_PYTHON:
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
        if count:
            # shingle i = sum of words[i + j] * WORD_BASE^j, rolled forward; a
            # text shorter than a shingle is one shingle of all its words
            acc = _U64(0)
            weight = _U64(1)
            for j in range(min(count, k)):
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


_KEY_MIX = _U64(constants.KEY_MIX)
_EMPTY_SLOT = np.uint32(constants.EMPTY_SLOT)


@njit(cache=True, nogil=True)
def band_rows(signatures: np.ndarray, bands: int) -> tuple[np.ndarray, np.ndarray]:
    """The (key, document) rows of :func:`storydiff.candidates.band_keys`, made
    straight into their arrays: documents without shingles (every slot
    empty) give no rows."""
    n_docs, num_perm = signatures.shape
    rows = num_perm // bands
    valid = np.zeros(n_docs, np.bool_)
    for d in range(n_docs):
        for p in range(num_perm):
            if signatures[d, p] != _EMPTY_SLOT:
                valid[d] = True
                break
    keys = np.empty(int(valid.sum()) * bands, np.uint64)
    docs = np.empty(keys.size, np.int64)
    at = 0
    for d in range(n_docs):
        if not valid[d]:
            continue
        for band in range(bands):
            key = _U64(0)
            for r in range(rows):
                key *= _KEY_MIX
                key ^= _U64(signatures[d, band * rows + r])
                key ^= key >> _U64(29)
            key = key * _KEY_MIX + _U64(band)
            keys[at] = key ^ (key >> _U64(32))
            docs[at] = d
            at += 1
    return keys, docs


@njit(cache=True, nogil=True)
def _sampled(h: np.uint32, mask: np.uint32, step: np.uint32) -> bool:
    """``h % step == 0``; a mask decides the same when ``step`` is a power of
    two (then ``mask`` is ``step - 1``, else 0), and a division per hash cost
    as much as the rest of the loop."""
    return bool((h & mask) == 0) if mask else bool(h % step == 0)


@njit(cache=True, nogil=True)
def passage_rows(hashes: np.ndarray, offsets: np.ndarray, sample: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every shingle hash that is 0 modulo ``sample``, as (key, document)
    rows in document order, and how many each document has: without the
    whole-corpus temporaries of the numpy version (400 MB at 100k articles)."""
    n_docs = offsets.size - 1
    step = np.uint32(sample)
    mask = np.uint32(sample - 1) if sample & (sample - 1) == 0 else np.uint32(0)
    counts = np.zeros(n_docs, np.int64)
    for d in range(n_docs):
        for i in range(offsets[d], offsets[d + 1]):
            if _sampled(hashes[i], mask, step):
                counts[d] += 1
    keys = np.empty(int(counts.sum()), np.uint64)
    docs = np.empty(keys.size, np.int64)
    at = 0
    for d in range(n_docs):
        for i in range(offsets[d], offsets[d + 1]):
            if _sampled(hashes[i], mask, step):
                keys[at] = hashes[i]
                docs[at] = d
                at += 1
    return keys, docs, counts


@njit(cache=True, nogil=True)
def sort_segments(starts: np.ndarray, keys: np.ndarray, values: np.ndarray) -> None:
    """Sort ``keys[starts[d]:starts[d + 1]]`` in place for every ``d``, moving
    ``values`` along (segments are a few dozen rows: insertion sort)."""
    for d in range(starts.size - 1):
        lo, hi = starts[d], starts[d + 1]
        for i in range(lo + 1, hi):
            key, value = keys[i], values[i]
            j = i - 1
            while j >= lo and keys[j] > key:
                keys[j + 1] = keys[j]
                values[j + 1] = values[j]
                j -= 1
            keys[j + 1] = key
            values[j + 1] = value


@njit(cache=True, nogil=True)
def group_rows(
    keys: np.ndarray, docs: np.ndarray, n_docs: int, max_bucket: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows (key, document) grouped into buckets of equal keys.

    Returns ``members`` (each position's document: a bucket's rows are
    contiguous, in document order), ``bucket_end`` (for each position, where
    its bucket ends when it holds 2..``max_bucket`` rows; ``OVERSIZE - end``
    when it holds more; -1 for a row alone),
    ``position`` (each row's position), and the rows in document order as
    ``by_doc`` (empty when they come that way) with ``doc_start`` (document
    ``d``'s rows are ``by_doc[doc_start[d]:doc_start[d+1]]``). Counting
    sorts throughout: by
    document (unless the rows come that way), then by the top bits of the
    mixed key into partitions of a few rows, then an insertion sort by key
    inside each."""
    n = keys.size
    doc_start = np.zeros(n_docs + 1, np.int64)
    in_doc_order = True
    for r in range(n):
        doc_start[docs[r] + 1] += 1
        if r and docs[r] < docs[r - 1]:
            in_doc_order = False
    for d in range(n_docs):
        doc_start[d + 1] += doc_start[d]
    by_doc = np.empty(0 if in_doc_order else n, np.int32)
    if not in_doc_order:
        fill = doc_start[:-1].copy()
        for r in range(n):
            by_doc[fill[docs[r]]] = r
            fill[docs[r]] += 1
    bits = 1
    while (1 << bits) < n // 8 + 1 and bits < 24:
        bits += 1
    shift = _U64(64 - bits)
    part_start = np.zeros((1 << bits) + 1, np.int64)
    for r in range(n):
        part_start[((keys[r] * _KEY_MIX) >> shift) + 1] += 1
    for p in range(1 << bits):
        part_start[p + 1] += part_start[p]
    order = np.empty(n, np.int32)
    sorted_keys = np.empty(n, np.uint64)
    fill = part_start[:-1].copy()
    for at in range(n):  # rows in document order, so each partition is too
        r = at if in_doc_order else by_doc[at]
        p = (keys[r] * _KEY_MIX) >> shift
        order[fill[p]] = r
        sorted_keys[fill[p]] = keys[r]
        fill[p] += 1
    members = np.empty(n, np.int32)
    bucket_end = np.empty(n, np.int32)
    position = np.empty(n, np.int32)
    sort_segments(part_start, sorted_keys, order)  # stable: equal keys keep document order
    for p in range(1 << bits):
        lo, hi = part_start[p], part_start[p + 1]
        at = lo
        while at < hi:
            end = at + 1
            while end < hi and sorted_keys[end] == sorted_keys[at]:
                end += 1
            mark = end if 2 <= end - at <= max_bucket else (OVERSIZE - end if end - at > max_bucket else -1)
            for q in range(at, end):
                members[q] = docs[order[q]]
                bucket_end[q] = mark
                position[order[q]] = q
            at = end
    return members, bucket_end, position, by_doc, doc_start


@njit(cache=True, nogil=True)
def _count_partners(
    doc: int,
    members: np.ndarray,
    bucket_end: np.ndarray,
    position: np.ndarray,
    by_doc: np.ndarray,
    doc_start: np.ndarray,
    counts: np.ndarray,
    other_counts: np.ndarray,
    touched: np.ndarray,
    n_touched: int,
) -> int:
    """Add one to ``counts[b]`` for each complete bucket that ``doc`` shares
    with a later document b; list b in ``touched`` once (``other_counts`` is
    the other family's counter)."""
    for at in range(doc_start[doc], doc_start[doc + 1]):
        p = position[at if by_doc.size == 0 else by_doc[at]]
        end = bucket_end[p]
        if end < 0:
            continue
        for q in range(p + 1, end):
            other = members[q]
            if other != doc:
                if counts[other] == 0 and other_counts[other] == 0:
                    touched[n_touched] = other
                    n_touched += 1
                counts[other] += 1
    return n_touched


@njit(cache=True, nogil=True)
def _weigh_partners(
    doc: int,
    members: np.ndarray,
    bucket_end: np.ndarray,
    position: np.ndarray,
    by_doc: np.ndarray,
    doc_start: np.ndarray,
    weights: np.ndarray,
    few: np.ndarray,
    counts: np.ndarray,
    other_counts: np.ndarray,
    weighed: np.ndarray,
    rare: np.ndarray,
    touched: np.ndarray,
    n_touched: int,
) -> int:
    """:func:`_count_partners`, also adding each shared bucket's weight
    (``weights``, by position) to ``weighed[b]``, and one to ``rare[b]`` for
    each of them that holds ``few`` rows. A loop of its own rather than
    flags on that one: it is the candidate stage's innermost loop, and the
    band family and :func:`family_pair_counts` need no weights."""
    for at in range(doc_start[doc], doc_start[doc + 1]):
        p = position[at if by_doc.size == 0 else by_doc[at]]
        end = bucket_end[p]
        if end < 0:
            continue
        weight = weights[p]
        for q in range(p + 1, end):
            other = members[q]
            if other != doc:
                if counts[other] == 0 and other_counts[other] == 0:
                    touched[n_touched] = other
                    n_touched += 1
                counts[other] += 1
                weighed[other] += weight
                if few[p]:
                    rare[other] += 1
    return n_touched


@njit(cache=True, nogil=True)
def candidate_pairs(
    band: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    passage: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    sampled: np.ndarray,
    passage_min_share: float,
    weights: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    rare_share: float,
    first_doc: int,
    end_doc: int,
    out: np.ndarray,
    rare: np.ndarray,
    rarity: np.ndarray,
) -> tuple[int, int]:
    """Pairs (a, b), a < b, from a = ``first_doc`` on, that share a band
    bucket, or passage buckets enough of them (two, or ``passage_min_share``
    of the smaller document's ``sampled`` count); buckets from
    :func:`group_rows`. One dense counter per family, reset through the list
    of documents it touched. Writes the pairs to ``out`` (unsorted) and
    returns how many, and the document to go on from: ``end_doc``, or an
    earlier one when ``out`` might not hold the next document's pairs.

    Leaves out the pairs whose shared passages are mostly common text (the
    rule of ``candidates.passage_evidence``; ``weights``:
    :func:`bucket_weights`): buckets too large to walk count too, found by
    stamping the first document's and looking up the second's. ``rare[i]``:
    the pair's shared buckets of few rows; ``rarity[i]``: their mean weight
    (1 when they share none). ``rare_share`` 0 keeps every pair."""
    n_docs = sampled.size
    by_position, few, oversize_start, oversize_buckets = weights
    band_counts = np.zeros(n_docs, np.int32)
    passage_counts = np.zeros(n_docs, np.int32)
    weighed = np.zeros(n_docs, np.float64)
    rare_counts = np.zeros(n_docs, np.int32)
    touched = np.empty(n_docs, np.int32)
    held_by = np.full(passage[1].size + 1, -1, np.int32)  # by oversize bucket: the document stamping it
    size = 0
    for doc in range(first_doc, end_doc):
        if size + n_docs > out.shape[0]:
            return size, doc
        n_touched = _count_partners(doc, *band, band_counts, passage_counts, touched, 0)
        n_touched = _weigh_partners(doc, *passage, by_position, few, passage_counts, band_counts, weighed, rare_counts, touched, n_touched)
        for i in range(oversize_start[doc], oversize_start[doc + 1]):
            held_by[oversize_buckets[i]] = doc
        for t in range(n_touched):
            other = touched[t]
            shared = passage_counts[other]
            smaller = min(sampled[doc], sampled[other])
            if band_counts[other] > 0 or shared >= 2 or shared >= passage_min_share * smaller:
                common_keys = 0
                for i in range(oversize_start[other], oversize_start[other + 1]):
                    if held_by[oversize_buckets[i]] == doc:
                        common_keys += 1
                # Weights are quarters, so the sum is exact in any order.
                weight = weighed[other] + 0.25 * common_keys
                if not (weight < 0.5 * (shared + common_keys) and weight < rare_share * smaller):
                    out[size, 0] = doc
                    out[size, 1] = other
                    rare[size] = rare_counts[other]
                    rarity[size] = weight / (shared + common_keys) if shared + common_keys else 1.0
                    size += 1
            band_counts[other] = 0
            passage_counts[other] = 0
            weighed[other] = 0.0
            rare_counts[other] = 0
    return size, end_doc


@njit(cache=True, nogil=True)
def family_pair_counts(
    family: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    n_docs: int,
    first_doc: int,
    end_doc: int,
    codes: np.ndarray,
    counts: np.ndarray,
) -> tuple[int, int]:
    """Every pair (a, b), a < b, a from ``first_doc`` on, sharing complete
    buckets of one family (:func:`group_rows`), as the code ``a * n_docs +
    b`` with how many buckets it shares; unsorted. Returns how many, and the
    document to go on from, as :func:`candidate_pairs` does."""
    shared = np.zeros(n_docs, np.int32)
    none = np.zeros(n_docs, np.int32)
    touched = np.empty(n_docs, np.int32)
    size = 0
    for doc in range(first_doc, end_doc):
        if size + n_docs > codes.size:
            return size, doc
        n_touched = _count_partners(doc, *family, shared, none, touched, 0)
        for t in range(n_touched):
            other = touched[t]
            codes[size] = doc * n_docs + other
            counts[size] = shared[other]
            size += 1
            shared[other] = 0
    return size, end_doc


@njit(cache=True, nogil=True)
def shared_key_weights(
    doc_start: np.ndarray, keys: np.ndarray, weights: np.ndarray, few: np.ndarray, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pair (``left[i]``, ``right[i]``): the summed weight and the
    number of the keys both documents hold, and how many of those are
    ``few`` (held by few documents). Document ``d``'s keys are
    ``keys[doc_start[d]:doc_start[d + 1]]``, sorted and unique, each with its
    weight and flag; one merge of the two sorted runs per pair."""
    n = left.size
    total = np.zeros(n, np.float64)
    count = np.zeros(n, np.int64)
    rare = np.zeros(n, np.int64)
    for i in range(n):
        p, p_end = doc_start[left[i]], doc_start[left[i] + 1]
        q, q_end = doc_start[right[i]], doc_start[right[i] + 1]
        w = 0.0
        c = 0
        r = 0
        while p < p_end and q < q_end:
            if keys[p] < keys[q]:
                p += 1
            elif keys[q] < keys[p]:
                q += 1
            else:
                w += weights[p]
                c += 1
                if few[p]:
                    r += 1
                p += 1
                q += 1
        total[i] = w
        count[i] = c
        rare[i] = r
    return total, count, rare


@njit(cache=True, nogil=True)
def bucket_weights(
    members: np.ndarray, bucket_end: np.ndarray, rare_bucket: int, reuse_bucket: int, n_docs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each position's weight as passage evidence, from :func:`group_rows`'s
    buckets: 1 in a bucket of up to ``rare_bucket`` rows, 1/2 up to twice
    that, 1/4 beyond and in buckets too large to propose pairs (a row alone
    in its bucket gets 1/4 too; it is never shared); whether its bucket
    holds at most ``reuse_bucket`` rows (few); and each document's buckets
    too large, by their ends: document ``d``'s are
    ``oversize_buckets[oversize_start[d]:oversize_start[d + 1]]``."""
    n = bucket_end.size
    by_position = np.empty(n, np.float64)
    few = np.zeros(n, np.bool_)
    oversize_start = np.zeros(n_docs + 1, np.int64)
    at = 0
    while at < n:
        end = bucket_end[at]
        if end < 0:
            by_position[at] = 0.25
            if end <= OVERSIZE:
                oversize_start[members[at] + 1] += 1
            at += 1
            continue
        size = end - at
        weight = 1.0 if size <= rare_bucket else (0.5 if size <= 2 * rare_bucket else 0.25)
        for q in range(at, end):
            by_position[q] = weight
            few[q] = size <= reuse_bucket
        at = end
    for d in range(n_docs):
        oversize_start[d + 1] += oversize_start[d]
    oversize_buckets = np.empty(oversize_start[n_docs], np.int32)
    fill = oversize_start[:-1].copy()
    for q in range(n):
        if bucket_end[q] <= OVERSIZE:
            oversize_buckets[fill[members[q]]] = OVERSIZE - bucket_end[q]
            fill[members[q]] += 1
    return by_position, few, oversize_start, oversize_buckets
