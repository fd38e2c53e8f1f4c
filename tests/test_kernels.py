"""Each compiled kernel against its plain-Python reference, on generated
input: the same results (for bucket layouts and pair order, which callers
never read directly, the same groups and the same pairs)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_backends import kernels_in_use

from storydiff import kernels
from storydiff.kernels import compiled, reference
from storydiff.kernels.constants import OVERSIZE
from storydiff.normalised import tables as normalising_tables
from storydiff.signature import SignatureParams, _prepared_text, permutations
from storydiff.signature import tables as shingling_tables
from storydiff.text import CONTENT_CODE_TABLE, KINDS, Paragraphs

REPO = Path(__file__).resolve().parent.parent
# Plain words among the pieces each kernel treats specially: dash runs,
# invisible and compatibility characters, white space of several kinds,
# combining marks, Hangul jamo, sigma, lone surrogates, astral characters.
PIECES = [
    *"ab cdé—“”’.,\n12ΩЖAZ_`\x00\t\u00ad\u200b\ufeffﬁＡΣςİ\u3000\xa0-\u0301가\ud800\U0001f600",
    "--",
    "---",
    "- -",
    "\u1100\u1161",
    "News",
]
TEXT = st.lists(st.sampled_from(PIECES) | st.sampled_from(PIECES) | st.characters(codec="utf-8"), max_size=16).map("".join)
SEGMENTED = st.lists(st.lists(TEXT, max_size=4), min_size=1, max_size=5)
SORTED_SETS = st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=20).map(lambda values: sorted(set(values))), min_size=1, max_size=8)


def both(kernel: str) -> tuple[Callable[..., object], Callable[..., object]]:
    return getattr(compiled, kernel), getattr(reference, kernel)


def test_every_kernel_has_a_reference_and_both_backends_name_the_same_ones() -> None:
    for name in kernels.KERNELS:
        assert callable(getattr(compiled, name)) and callable(getattr(reference, name)), name
    with kernels_in_use("python"):
        assert kernels.minhash_rows is reference.minhash_rows
    with kernels_in_use("numba"):
        assert kernels.minhash_rows is compiled.minhash_rows


def test_the_kernel_lists_agree() -> None:
    """``KERNELS`` (what use() switches), ``__all__`` and the TYPE_CHECKING
    import (what mypy sees) name the same kernels: a name missing from one is
    either never switched or never type-checked."""
    import ast

    tree = ast.parse(Path(kernels.__file__).read_text(encoding="utf-8"))
    checked = next(
        {alias.name for alias in node.body[0].names}
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING" and isinstance(node.body[0], ast.ImportFrom)
    )
    exported = set(kernels.__all__) - {
        "BACKENDS",
        "KERNELS",
        "NEEDS_PYTHON",
        "OVERSIZE",
        "WHITE_SPACE",
        "active",
        "backend_from_environment",
        "use",
    }
    assert set(kernels.KERNELS) == checked == exported
    assert len(kernels.KERNELS) == len(set(kernels.KERNELS))


def _segments(docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    encoded = [[segment.encode("utf-8", "surrogatepass") for segment in doc] for doc in docs]
    data = np.frombuffer(b"".join(b"".join(doc) for doc in encoded), np.uint8)
    sizes = [len(segment) for doc in encoded for segment in doc]
    ends = np.cumsum(sizes, dtype=np.int64)
    doc_segments = np.zeros(len(docs) + 1, np.int64)
    np.cumsum([len(doc) for doc in docs], out=doc_segments[1:])
    return data, ends - np.array(sizes, np.int64), ends, doc_segments


def _arrays_equal(left: tuple[np.ndarray, ...], right: tuple[np.ndarray, ...]) -> None:
    assert len(left) == len(right)
    for a, b in zip(left, right, strict=True):
        assert a.dtype == b.dtype and a.tolist() == b.tolist()


@settings(max_examples=200, deadline=None)
@given(SEGMENTED, st.integers(1, 5))
def test_shingle_segments(docs: list[list[str]], k: int) -> None:
    table = shingling_tables()
    fixed = (table.ascii, table.fast, table.fast_chars, table.word, k)
    fast, slow = both("shingle_segments")
    data, starts, ends, doc_segments = _segments(docs)
    _arrays_equal(fast(data, starts, ends, doc_segments, False, *fixed), slow(data, starts, ends, doc_segments, False, *fixed))
    prepared = _segments([[_prepared_text(segment) for segment in doc] for doc in docs])
    _arrays_equal(fast(*prepared, True, *fixed), slow(*prepared, True, *fixed))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.tuples(TEXT, st.sampled_from(["body", "body", "quote", *KINDS])), max_size=5), min_size=1, max_size=5),
    st.booleans(),
)
def test_content_ranges_and_normalised_texts(articles: list[list[tuple[str, str]]], lower: bool) -> None:
    stores = [Paragraphs.from_texts([text for text, _ in rows], [kind for _, kind in rows]) for rows in articles]
    buffers = [store.store() for store in stores]
    data = np.frombuffer(b"".join(buffer for buffer, _, _ in buffers), np.uint8)
    doc_starts = np.concatenate(([0], np.cumsum([len(buffer) for buffer, _, _ in buffers]))).astype(np.int64)
    end_starts = np.concatenate(([0], np.cumsum([len(kinds) for _, _, kinds in buffers]))).astype(np.int64)
    ends = np.array([end for _, paragraph_ends, _ in buffers for end in paragraph_ends], np.uint32)
    kinds = np.frombuffer(b"".join(kinds for _, _, kinds in buffers), np.uint8)
    content = np.frombuffer(CONTENT_CODE_TABLE, np.uint8)
    fast, slow = both("content_ranges")
    segments = fast(data, doc_starts, ends, end_starts, kinds, content)
    _arrays_equal(segments, slow(data, doc_starts, ends, end_starts, kinds, content))

    fast, slow = both("normalised_texts")
    outputs = [np.zeros(3 * data.size + segments[0].size + 1, np.uint8) for _ in range(2)]
    made = [kernel(data, *segments, *normalising_tables(lower), lower, out) for kernel, out in zip((fast, slow), outputs, strict=True)]
    _arrays_equal(made[0], made[1])
    written = int(made[0][0][-1])
    assert outputs[0][:written].tobytes() == outputs[1][:written].tobytes()


def _offsets(sets: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    hashes = np.array([h for values in sets for h in values], np.uint32)
    return hashes, np.concatenate(([0], np.cumsum([len(values) for values in sets]))).astype(np.int64)


@settings(max_examples=100, deadline=None)
@given(SORTED_SETS, st.sampled_from([8, 16, 128]), st.integers(0, 3))
def test_minhash_rows(sets: list[list[int]], num_perm: int, seed: int) -> None:
    a, b = permutations(SignatureParams(num_perm=num_perm, seed=seed))
    fast, slow = both("minhash_rows")
    _arrays_equal((fast(*_offsets(sets), a, b),), (slow(*_offsets(sets), a, b),))


@settings(max_examples=100, deadline=None)
@given(SORTED_SETS, st.data())
def test_shared_counts(sets: list[list[int]], data: st.DataObject) -> None:
    pairs = data.draw(st.lists(st.tuples(st.integers(0, len(sets) - 1), st.integers(0, len(sets) - 1)), max_size=10))
    left, right = np.array([a for a, _ in pairs], np.int64), np.array([b for _, b in pairs], np.int64)
    fast, slow = both("shared_counts")
    _arrays_equal((fast(*_offsets(sets), left, right),), (slow(*_offsets(sets), left, right),))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.lists(st.integers(0, 2**32 - 1), min_size=16, max_size=16)), min_size=1, max_size=6),
    st.sampled_from([1, 2, 4, 8, 16]),
)
def test_band_rows(rows: list[list[int] | None], bands: int) -> None:
    signatures = np.array([row if row is not None else [0xFFFFFFFF] * 16 for row in rows], np.uint32)
    fast, slow = both("band_rows")
    _arrays_equal(fast(signatures, bands), slow(signatures, bands))


@settings(max_examples=100, deadline=None)
@given(SORTED_SETS, st.sampled_from([1, 2, 3, 4, 7, 8]))
def test_passage_rows(sets: list[list[int]], sample: int) -> None:
    fast, slow = both("passage_rows")
    _arrays_equal(fast(*_offsets(sets), sample), slow(*_offsets(sets), sample))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 5), st.floats(0, 1)), max_size=8), min_size=1, max_size=5))
def test_sort_segments(segments: list[list[tuple[int, float]]]) -> None:
    starts = np.concatenate(([0], np.cumsum([len(rows) for rows in segments]))).astype(np.int64)
    made = []
    for kernel in both("sort_segments"):
        keys = np.array([key for rows in segments for key, _ in rows], np.uint64)
        values = np.array([value for rows in segments for _, value in rows], np.float64)
        kernel(starts, keys, values)
        made.append((keys, values))
    _arrays_equal(made[0], made[1])


ROWS = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 9)), max_size=60)


def _rows(rows: list[tuple[int, int]], by_document: bool) -> tuple[np.ndarray, np.ndarray]:
    ordered = sorted(rows, key=lambda row: (row[1], row[0])) if by_document else rows
    return np.array([key for key, _ in ordered], np.uint64), np.array([doc for _, doc in ordered], np.int64)


def _buckets(grouped: tuple[np.ndarray, ...]) -> list[object]:
    """What callers read of a grouping: for each row, the documents after it
    in its complete bucket and the bucket's size; for a row in a bucket too
    large, that bucket's documents; -1 for a row alone."""
    members, bucket_end, position, _, _ = grouped
    sizes = {end: int((bucket_end == end).sum()) for end in set(bucket_end.tolist()) if end >= 0}
    return [_bucket_of_row(members, bucket_end, place, sizes) for place in position.tolist()]


def _bucket_of_row(members: np.ndarray, bucket_end: np.ndarray, place: int, sizes: dict[int, int]) -> object:
    mark = int(bucket_end[place])
    if mark >= 0:
        return members[place + 1 : mark].tolist(), sizes[mark]
    if mark == -1:
        return -1
    return sorted(members[bucket_end == mark].tolist())


@settings(max_examples=200, deadline=None)
@given(ROWS, st.integers(2, 6), st.booleans())
def test_group_rows_and_bucket_weights(rows: list[tuple[int, int]], max_bucket: int, by_document: bool) -> None:
    keys, docs = _rows(rows, by_document)
    grouped = [kernel(keys, docs, 10, max_bucket) for kernel in both("group_rows")]
    assert _buckets(grouped[0]) == _buckets(grouped[1])
    for part in (3, 4):  # by_doc, doc_start
        assert grouped[0][part].tolist() == grouped[1][part].tolist()
    weights = [kernel(group[0], group[1], 2, 3, 10) for kernel, group in zip(both("bucket_weights"), grouped, strict=True)]
    # Positions and bucket ends differ between the backends (bucket order); rows and members do not.
    for part in (0, 1):  # weights, few
        assert weights[0][part][grouped[0][2]].tolist() == weights[1][part][grouped[1][2]].tolist()
    assert _oversize_buckets(weights[0], grouped[0]) == _oversize_buckets(weights[1], grouped[1])


def _oversize_buckets(weights: tuple[np.ndarray, ...], grouped: tuple[np.ndarray, ...]) -> list[list[list[int]]]:
    """Each document's buckets too large, as their documents."""
    _, _, starts, ends = weights
    members, bucket_end = grouped[0], grouped[1]
    return [
        sorted(sorted(members[bucket_end == OVERSIZE - end].tolist()) for end in ends[starts[d] : starts[d + 1]].tolist())
        for d in range(starts.size - 1)
    ]


@settings(max_examples=200, deadline=None)
@given(
    ROWS,
    ROWS,
    st.lists(st.integers(0, 40), min_size=10, max_size=10),
    st.integers(2, 6),
    st.sampled_from([0.05, 0.3]),
    st.integers(0, 12),
    st.integers(1, 3),
    st.sampled_from([0.0, 0.1, 0.5]),
)
def test_candidate_pairs_and_family_pair_counts(
    band_rows: list[tuple[int, int]],
    passage_rows: list[tuple[int, int]],
    sampled: list[int],
    max_bucket: int,
    share: float,
    room: int,
    rare_bucket: int,
    rare_share: float,
) -> None:
    counts = np.array(sampled, np.int64)
    made_pairs, made_codes = [], []
    kernels = zip(both("group_rows"), both("bucket_weights"), both("candidate_pairs"), both("family_pair_counts"), strict=True)
    for group, weigh, pairs, family_counts in kernels:
        band = group(*_rows(band_rows, False), 10, max_bucket)
        passage = group(*_rows(passage_rows, True), 10, max_bucket)
        weights = weigh(passage[0], passage[1], rare_bucket, rare_bucket + 1, 10)
        found: list[tuple[int, int, int, float]] = []
        first = 0
        while first < 10:  # an output with room for 10 + ``room`` pairs makes them resume
            out, rare, rarity = np.zeros((10 + room, 2), np.int64), np.zeros(10 + room, np.int64), np.zeros(10 + room)
            size, first = pairs(band, passage, counts, share, weights, rare_share, first, 10, out, rare, rarity)
            rows = zip(out[:size].tolist(), rare[:size].tolist(), rarity[:size].tolist(), strict=True)
            found += [(a, b, r, w) for (a, b), r, w in rows]
        made_pairs.append(sorted(found))
        codes, shared = np.zeros(10 + room, np.int64), np.zeros(10 + room, np.int32)
        coded: list[tuple[int, int]] = []
        first = 0
        while first < 10:
            size, first = family_counts(passage, 10, first, 10, codes, shared)
            coded += list(zip(codes[:size].tolist(), shared[:size].tolist(), strict=True))
        made_codes.append(sorted(coded))
    assert made_pairs[0] == made_pairs[1]
    assert made_codes[0] == made_codes[1]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 9), st.sampled_from([1.0, 0.5, 0.25])), max_size=8), min_size=1, max_size=6), st.data())
def test_shared_key_weights(docs: list[list[tuple[int, float]]], data: st.DataObject) -> None:
    unique = [sorted(dict(rows).items()) for rows in docs]
    doc_start = np.concatenate(([0], np.cumsum([len(rows) for rows in unique]))).astype(np.int64)
    keys = np.array([key for rows in unique for key, _ in rows], np.uint64)
    weights = np.array([weight for rows in unique for _, weight in rows], np.float64)
    few = np.array(data.draw(st.lists(st.booleans(), min_size=keys.size, max_size=keys.size)), np.bool_)
    pairs = data.draw(st.lists(st.tuples(st.integers(0, len(docs) - 1), st.integers(0, len(docs) - 1)), max_size=10))
    left, right = np.array([a for a, _ in pairs], np.int64), np.array([b for _, b in pairs], np.int64)
    fast, slow = both("shared_key_weights")
    _arrays_equal(fast(doc_start, keys, weights, few, left, right), slow(doc_start, keys, weights, few, left, right))


def _cluster_json(corpus: Path, backend: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "STORYDIFF_KERNELS": backend, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "storydiff", "cluster", str(corpus), "--format", "json"]
    return subprocess.run(command, capture_output=True, env=env, check=False, timeout=300)


@pytest.mark.parametrize("corpus", ["seeds", "devgold"])
def test_the_reference_kernels_give_the_same_bytes(corpus: str, devgold: Path) -> None:
    path = REPO / "seeds" if corpus == "seeds" else devgold / "cases"
    fast, slow = _cluster_json(path, "numba"), _cluster_json(path, "python")
    assert fast.returncode == slow.returncode == 0
    assert fast.stdout == slow.stdout and fast.stderr == slow.stderr


def test_an_unknown_backend_is_refused_in_one_line() -> None:
    made = _cluster_json(REPO / "seeds", "cython")
    assert made.returncode == 2 and made.stdout == b""
    assert made.stderr.decode() == (
        "storydiff: error: STORYDIFF_KERNELS must be one of numba, python, got 'cython'\n"
        "Hint: unset STORYDIFF_KERNELS, or set it to numba (fast) or python (the references)\n"
    )
