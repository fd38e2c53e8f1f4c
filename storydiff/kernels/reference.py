"""The plain-Python references of the compiled kernels: same names, same
arguments, same results, written to be read rather than to be fast.

``STORYDIFF_KERNELS=python`` runs the whole package on these
(:mod:`storydiff.kernels`), and tests/test_kernels.py compares each with its
compiled twin in :mod:`storydiff.kernels.compiled` on generated input. They
work on Python ints and strings; MinHash alone keeps whole-array numpy for its
permutations (uint32 arithmetic wraps as the compiled loop's does), since a
Python loop over shingles times permutations would take hours on a benchmark
corpus.

Where the compiled kernel returns arrays whose exact layout is an
implementation detail (the bucket positions of :func:`group_rows`, the order
of the pairs of :func:`candidate_pairs`), these return the same groups and
the same pairs in their own layout: every caller reads the groups through
the kernels of the same backend and sorts the pairs.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .constants import BYTE_BASE, EMPTY_SLOT, KEY_MIX, NEEDS_PYTHON, OVERSIZE, WHITE_SPACE, WORD_BASE

_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1


def fmix64(h: int) -> int:
    """MurmurHash3's 64-bit finaliser."""
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK64
    return h ^ (h >> 33)


def fmix32(h: int) -> int:
    """MurmurHash3's 32-bit finaliser."""
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK32
    return h ^ (h >> 16)


def word_hash(word: bytes) -> int:
    """A word's 64-bit hash: its UTF-8 bytes weighed by powers of BYTE_BASE,
    with its length mixed in."""
    value, power = 0, 1
    for byte in word:
        value = (value + byte * power) & _MASK64
        power = (power * BYTE_BASE) & _MASK64
    return fmix64(value ^ len(word))


def shingle_hash_of_words(word_hashes: list[int]) -> int:
    """A shingle's 32-bit hash from its words' hashes, weighed by powers of WORD_BASE."""
    value, power = 0, 1
    for hashed in word_hashes:
        value = (value + hashed * power) & _MASK64
        power = (power * WORD_BASE) & _MASK64
    return fmix64(value) >> 32


def _text(data: np.ndarray, start: int, end: int) -> str:
    return bytes(data[start:end]).decode("utf-8", "surrogatepass")


def content_ranges(
    data: np.ndarray, doc_starts: np.ndarray, ends: np.ndarray, end_starts: np.ndarray, kinds: np.ndarray, content: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Byte ranges of each document's paragraphs of a content kind: decode
    the document, cut it at the paragraphs' character offsets, and count the
    bytes of each piece."""
    seg_starts: list[int] = []
    seg_ends: list[int] = []
    doc_segments = [0]
    for doc in range(doc_starts.size - 1):
        text = _text(data, int(doc_starts[doc]), int(doc_starts[doc + 1]))
        at_byte, at_char = int(doc_starts[doc]), 0
        for paragraph in range(int(end_starts[doc]), int(end_starts[doc + 1])):
            size = len(text[at_char : int(ends[paragraph])].encode("utf-8", "surrogatepass"))
            if content[kinds[paragraph]]:
                seg_starts.append(at_byte)
                seg_ends.append(at_byte + size)
            at_byte += size
            at_char = int(ends[paragraph])
        doc_segments.append(len(seg_starts))
    return np.array(seg_starts, np.int64), np.array(seg_ends, np.int64), np.array(doc_segments, np.int64)


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
    """Each document's segments joined by a line break, each character
    replaced by its table entry (white space marked as such becomes a
    space), white space runs made one space and trimmed, "--" made "-";
    written to ``out`` as UTF-8. A document holding a character the table
    leaves to Python (or one past the Basic Multilingual Plane) is left
    empty and marked. ``lower`` only says which table was passed."""
    n_docs = doc_segments.size - 1
    out_ends = np.zeros(n_docs + 1, np.int64)
    needs_python = np.zeros(n_docs, np.bool_)
    at = 0
    for doc in range(n_docs):
        segments = range(int(doc_segments[doc]), int(doc_segments[doc + 1]))
        text = "\n".join(_text(data, int(seg_starts[s]), int(seg_ends[s])) for s in segments)
        mapped: list[str] = []
        for char in text:
            entry = int(table[ord(char)]) if ord(char) <= 0xFFFF else int(NEEDS_PYTHON)
            if entry == NEEDS_PYTHON:
                needs_python[doc] = True
                break
            for code in table_chars[entry >> 5 : (entry >> 5) + (entry & 31)].tolist():
                mapped.append(" " if code & int(WHITE_SPACE) else chr(code))
        if not needs_python[doc]:
            normal = " ".join(part for part in "".join(mapped).split(" ") if part).replace("--", "-")
            encoded = normal.encode("utf-8", "surrogatepass")
            out[at : at + len(encoded)] = np.frombuffer(encoded, np.uint8)
            at += len(encoded)
        out_ends[doc + 1] = at
    return out_ends, needs_python


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
    """Sorted unique shingle hashes of each document, as (hashes, offsets,
    unmappable).

    A document's words are the runs of word characters of its segments (a
    segment's end breaks a word): ASCII through ``ascii_table`` (the
    lower-cased byte, 0 for a break); other characters through
    ``fast_table`` to their run of ``fast_chars``, or, in a ``prepared``
    text, kept unless ``word_table`` says they break words. A document with
    a character the fast table cannot map (unless ``prepared``) is marked
    and yields nothing. Its shingles are its runs of ``k`` words, or all its
    words when it has fewer."""
    hashes: list[int] = []
    offsets = [0]
    unmappable = np.zeros(doc_segments.size - 1, np.bool_)
    for doc in range(doc_segments.size - 1):
        characters: list[int] = []  # mapped code points, 0 for a break
        for segment in range(int(doc_segments[doc]), int(doc_segments[doc + 1])):
            for char in _text(data, int(seg_starts[segment]), int(seg_ends[segment])):
                code = ord(char)
                if code < 0x80:
                    characters.append(int(ascii_table[code]))
                elif prepared:
                    characters.append(code if code > 0xFFFF or word_table[code] else 0)
                elif code > 0xFFFF or fast_table[code] == NEEDS_PYTHON:
                    unmappable[doc] = True
                else:
                    packed = int(fast_table[code])
                    characters.extend(fast_chars[packed >> 5 : (packed >> 5) + (packed & 31)].tolist())
            characters.append(0)
        text = "" if unmappable[doc] else "".join(chr(code) if code else " " for code in characters)
        words = [word_hash(word.encode("utf-8", "surrogatepass")) for word in text.split(" ") if word]
        windows = [words] if 0 < len(words) < k else [words[i : i + k] for i in range(len(words) - k + 1)]
        hashes.extend(sorted({shingle_hash_of_words(window) for window in windows}))
        offsets.append(len(hashes))
    return np.array(hashes, np.uint32), np.array(offsets, np.int64), unmappable


def minhash_rows(hashes: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """datasketch's affine32 MinHash of each document's shingle hashes: for
    each permutation, the least ``a * fmix32(h) + b`` (mod 2^32) over the
    document's shingles; 0xFFFFFFFF in every slot of a document without any."""
    mixed = np.array([fmix32(h) for h in hashes.tolist()], np.uint32)
    out = np.full((offsets.size - 1, a.size), np.uint32(EMPTY_SLOT), np.uint32)
    for doc in range(offsets.size - 1):
        shingles = mixed[int(offsets[doc]) : int(offsets[doc + 1])]
        if shingles.size:
            out[doc] = (shingles[:, None] * a[None, :] + b[None, :]).min(axis=0)
    return out


def _hashes_of(hashes: np.ndarray, offsets: np.ndarray, doc: int) -> list[int]:
    result: list[int] = hashes[int(offsets[doc]) : int(offsets[doc + 1])].tolist()
    return result


def shared_counts(hashes: np.ndarray, offsets: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """How many hashes each pair of documents has in common."""
    counts = [
        len(set(_hashes_of(hashes, offsets, a)) & set(_hashes_of(hashes, offsets, b)))
        for a, b in zip(left.tolist(), right.tolist(), strict=True)
    ]
    return np.array(counts, np.int64)


def band_rows(signatures: np.ndarray, bands: int) -> tuple[np.ndarray, np.ndarray]:
    """One (key, document) row per band of each document that has shingles:
    the band's slots folded into one 64-bit key, the band number mixed in."""
    rows = signatures.shape[1] // bands
    keys: list[int] = []
    docs: list[int] = []
    for doc, signature in enumerate(signatures.tolist()):
        if all(slot == EMPTY_SLOT for slot in signature):
            continue
        for band in range(bands):
            key = 0
            for slot in signature[band * rows : (band + 1) * rows]:
                key = ((key * KEY_MIX) & _MASK64) ^ slot
                key ^= key >> 29
            key = (key * KEY_MIX + band) & _MASK64
            keys.append(key ^ (key >> 32))
            docs.append(doc)
    return np.array(keys, np.uint64), np.array(docs, np.int64)


def passage_rows(hashes: np.ndarray, offsets: np.ndarray, sample: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each document's shingle hashes that are 0 modulo ``sample``, as (key,
    document) rows in document order, and how many each document has."""
    keys: list[int] = []
    docs: list[int] = []
    counts = []
    for doc in range(offsets.size - 1):
        sampled = [h for h in _hashes_of(hashes, offsets, doc) if h % sample == 0]
        keys.extend(sampled)
        docs.extend([doc] * len(sampled))
        counts.append(len(sampled))
    return np.array(keys, np.uint64), np.array(docs, np.int64), np.array(counts, np.int64)


def sort_segments(starts: np.ndarray, keys: np.ndarray, values: np.ndarray) -> None:
    """Sort each segment ``keys[starts[d]:starts[d + 1]]`` in place, stably,
    moving ``values`` along."""
    for d in range(starts.size - 1):
        lo, hi = int(starts[d]), int(starts[d + 1])
        rows = sorted(zip(keys[lo:hi].tolist(), values[lo:hi].tolist(), strict=True), key=lambda row: row[0])
        keys[lo:hi] = [key for key, _ in rows]
        values[lo:hi] = [value for _, value in rows]


def group_rows(
    keys: np.ndarray, docs: np.ndarray, n_docs: int, max_bucket: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows (key, document) grouped into buckets of equal keys, as the
    compiled kernel returns them: ``members`` (each position's document; a
    bucket's rows are contiguous and in document order), ``bucket_end`` (for
    each position, where its bucket ends when it holds 2..``max_bucket``
    rows; ``OVERSIZE - end`` when it holds more; -1 for a row alone),
    ``position`` (each row's position), ``by_doc``
    (the rows in document order, empty when they come that way) and
    ``doc_start`` (where each document's rows start in that order). Here the
    buckets lie in key order."""
    key_list, doc_list = keys.tolist(), docs.tolist()
    in_doc_order = all(a <= b for a, b in zip(doc_list, doc_list[1:], strict=False))
    rows_by_doc = sorted(range(len(key_list)), key=lambda r: doc_list[r])
    doc_start = np.zeros(n_docs + 1, np.int64)
    np.cumsum(np.bincount(np.asarray(doc_list, np.int64), minlength=n_docs)[:n_docs], out=doc_start[1:])
    by_doc = np.array([] if in_doc_order else rows_by_doc, np.int32)
    ordered = sorted(rows_by_doc, key=lambda r: key_list[r])  # stable: a bucket keeps document order
    members = np.array([doc_list[r] for r in ordered], np.int32)
    position = np.zeros(len(ordered), np.int32)
    bucket_end = np.zeros(len(ordered), np.int32)
    start = 0
    while start < len(ordered):
        end = start + 1
        while end < len(ordered) and key_list[ordered[end]] == key_list[ordered[start]]:
            end += 1
        bucket_end[start:end] = end if 2 <= end - start <= max_bucket else (OVERSIZE - end if end - start > max_bucket else -1)
        start = end
    for at, row in enumerate(ordered):
        position[row] = at
    return members, bucket_end, position, by_doc, doc_start


_Family = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _later_partners(doc: int, family: _Family) -> Counter[int]:
    """For each later document, how many complete buckets of the family it
    shares with ``doc``."""
    members, bucket_end, position, by_doc, doc_start = family
    shared: Counter[int] = Counter()
    for at in range(int(doc_start[doc]), int(doc_start[doc + 1])):
        row = at if by_doc.size == 0 else int(by_doc[at])
        place = int(position[row])
        end = int(bucket_end[place])
        # a bucket's members are in document order, so the later ones follow
        shared.update(other for other in members[place + 1 : max(end, place + 1)].tolist() if other != doc)
    return shared


def _later_weights(doc: int, family: _Family, by_position: np.ndarray, few: np.ndarray) -> tuple[dict[int, float], Counter[int]]:
    """For each later document, the summed weight of the complete buckets it
    shares with ``doc``, and how many of them hold few rows."""
    members, bucket_end, position, by_doc, doc_start = family
    weight: dict[int, float] = {}
    rare: Counter[int] = Counter()
    for at in range(int(doc_start[doc]), int(doc_start[doc + 1])):
        place = int(position[at if by_doc.size == 0 else int(by_doc[at])])
        for other in members[place + 1 : max(int(bucket_end[place]), place + 1)].tolist():
            if other != doc:
                weight[other] = weight.get(other, 0.0) + float(by_position[place])
                rare[other] += int(few[place])
    return weight, rare


def candidate_pairs(
    band: _Family,
    passage: _Family,
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
    """Pairs (a, b), a < b, a from ``first_doc`` up to ``end_doc``, that
    share a band bucket, or two passage buckets, or passage buckets that make
    ``passage_min_share`` of the smaller document's sampled count, and whose
    shared passages are not mostly common text (their summed weight, the
    buckets too large to walk at 1/4 each, under half their number and under
    ``rare_share`` of the smaller sampled count). Writes them to ``out`` with
    their shared buckets of few rows in ``rare`` and the mean weight of all
    they share in ``rarity`` (1 for none), and returns how many and
    the document to go on from (an earlier one than ``end_doc`` when ``out``
    might not hold the next document's pairs)."""
    by_position, few, oversize_start, oversize_buckets = weights

    def oversize(d: int) -> set[int]:
        return set(oversize_buckets[int(oversize_start[d]) : int(oversize_start[d + 1])].tolist())

    n_docs = sampled.size
    size = 0
    for doc in range(first_doc, end_doc):
        if size + n_docs > out.shape[0]:
            return size, doc
        bands, passages = _later_partners(doc, band), _later_partners(doc, passage)
        weighed, rare_of = _later_weights(doc, passage, by_position, few)
        for other in sorted(set(bands) | set(passages)):
            shared = passages[other]
            smaller = min(int(sampled[doc]), int(sampled[other]))
            if not (bands[other] or shared >= 2 or shared >= passage_min_share * smaller):
                continue
            common_keys = len(oversize(doc) & oversize(other))
            weight = weighed.get(other, 0.0) + 0.25 * common_keys
            if weight < 0.5 * (shared + common_keys) and weight < rare_share * smaller:
                continue
            out[size] = (doc, other)
            rare[size] = rare_of[other]
            rarity[size] = weight / (shared + common_keys) if shared + common_keys else 1.0
            size += 1
    return size, end_doc


def family_pair_counts(
    family: _Family, n_docs: int, first_doc: int, end_doc: int, codes: np.ndarray, counts: np.ndarray
) -> tuple[int, int]:
    """Every pair (a, b), a < b, a from ``first_doc`` up to ``end_doc``,
    sharing complete buckets of the family, as the code ``a * n_docs + b``
    with how many it shares; returns how many, and where to go on from."""
    size = 0
    for doc in range(first_doc, end_doc):
        if size + n_docs > codes.size:
            return size, doc
        for other, shared in sorted(_later_partners(doc, family).items()):
            codes[size] = doc * n_docs + other
            counts[size] = shared
            size += 1
    return size, end_doc


def shared_key_weights(
    doc_start: np.ndarray, keys: np.ndarray, weights: np.ndarray, few: np.ndarray, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pair, the summed weight (the left document's), the number of
    the keys both documents hold and how many of those are ``few``; a
    document's keys are sorted and unique, so the sum adds in key order."""
    totals: list[float] = []
    counts: list[int] = []
    fews: list[int] = []
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        theirs = set(keys[int(doc_start[b]) : int(doc_start[b + 1])].tolist())
        lo, hi = int(doc_start[a]), int(doc_start[a + 1])
        common = [row for row, key in enumerate(keys[lo:hi].tolist(), lo) if key in theirs]
        total = 0.0
        for row in common:
            total += float(weights[row])
        totals.append(total)
        counts.append(len(common))
        fews.append(sum(1 for row in common if few[row]))
    return np.array(totals, np.float64), np.array(counts, np.int64), np.array(fews, np.int64)


def bucket_weights(
    members: np.ndarray, bucket_end: np.ndarray, rare_bucket: int, reuse_bucket: int, n_docs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each position's weight as passage evidence: 1 in a complete bucket of
    up to ``rare_bucket`` rows, 1/2 up to twice that, 1/4 beyond and outside
    complete buckets; whether it is a complete bucket of at most
    ``reuse_bucket`` rows; and each document's buckets too large (by their
    ends), as ``oversize_start`` and ``oversize_buckets``."""
    ends = bucket_end.tolist()
    size_of_bucket_ending = Counter(ends)
    weights, few = [], []
    for end in ends:
        size = size_of_bucket_ending[end] if end >= 0 else 0
        weights.append(0.25 if end < 0 or size > 2 * rare_bucket else 0.5 if size > rare_bucket else 1.0)
        few.append(end >= 0 and size <= reuse_bucket)
    oversize: list[list[int]] = [[] for _ in range(n_docs)]
    for doc, end in zip(members.tolist(), ends, strict=True):
        if end <= OVERSIZE:
            oversize[doc].append(OVERSIZE - end)
    oversize_start = np.zeros(n_docs + 1, np.int64)
    np.cumsum([len(buckets) for buckets in oversize], out=oversize_start[1:])
    flat = np.array([bucket for buckets in oversize for bucket in buckets], np.int32)
    return np.array(weights, np.float64), np.array(few, np.bool_), oversize_start, flat
