"""The query path's candidate partners against the batch pair function."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_backends import on_both_backends

from storydiff.candidates import ArticleKeys, article_keys, band_keys, bucket_pairs, pairs_from_rows, partners_of, select_pairs

rows = st.sets(st.tuples(st.integers(0, 12), st.integers(0, 9)), max_size=60)
#: A document may hold a key twice (a band key colliding with another band's).
rows_with_repeats = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 9)), max_size=60)


def _arrays(pairs: Collection[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    ordered = sorted(pairs)
    return np.array([k for k, _ in ordered], np.uint64), np.array([d for _, d in ordered], np.int64)


@on_both_backends
@settings(max_examples=300, deadline=None)
@given(rows, rows, st.lists(st.integers(0, 30), min_size=10, max_size=10), st.integers(2, 6))
def test_partners_of_a_doc_are_its_pairs_in_the_batch(
    band_rows: set[tuple[int, int]], passage_rows: set[tuple[int, int]], sampled: list[int], max_bucket: int
) -> None:
    band_keys, band_docs = _arrays(band_rows)
    passage_keys, passage_docs = _arrays(passage_rows)
    keys = ArticleKeys(band_keys, band_docs, passage_keys, passage_docs, np.array(sampled, np.int64))
    pairs = pairs_from_rows(keys, max_bucket=max_bucket).tolist()

    def sampled_of(docs: list[int]) -> dict[int, int]:
        return {d: sampled[d] for d in docs}

    for doc in range(10):
        expected = sorted({b for a, b in pairs if a == doc} | {a for a, b in pairs if b == doc})
        assert partners_of(doc, keys, sampled_of, max_bucket=max_bucket).tolist() == expected


@on_both_backends
@settings(max_examples=300, deadline=None)
@given(
    rows_with_repeats,
    rows_with_repeats,
    st.lists(st.integers(0, 100), min_size=10, max_size=10),
    st.integers(2, 6),
    st.sampled_from([1, 2]),
)
def test_kernel_pairs_are_the_pairs_the_numpy_buckets_give(
    band_rows: list[tuple[int, int]], passage_rows: list[tuple[int, int]], sampled: list[int], max_bucket: int, workers: int
) -> None:
    band_keys, band_docs = _arrays(band_rows)
    passage_keys, passage_docs = _arrays(passage_rows)
    counts = np.array(sampled, np.int64)
    keys = ArticleKeys(band_keys, band_docs, passage_keys, passage_docs, counts)
    at_once = select_pairs(
        bucket_pairs(band_keys, band_docs, max_bucket, 10)[0], *bucket_pairs(passage_keys, passage_docs, max_bucket, 10), counts
    )
    assert pairs_from_rows(keys, max_bucket=max_bucket, workers=workers).tolist() == at_once.tolist()
    # Rows as a batch makes them (document by document).
    by_doc = ArticleKeys(*_by_doc(band_rows), *_by_doc(passage_rows), counts)
    assert pairs_from_rows(by_doc, max_bucket=max_bucket, workers=workers).tolist() == at_once.tolist()


def _by_doc(pairs: Collection[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    ordered = sorted(pairs, key=lambda row: (row[1], row[0]))
    return np.array([k for k, _ in ordered], np.uint64), np.array([d for _, d in ordered], np.int64)


@on_both_backends
def test_band_and_passage_pairs_counted_on_two_workers_are_the_same() -> None:
    rng = np.random.default_rng(5)
    docs = 400
    band_docs = np.repeat(np.arange(docs), 8)
    passage_docs = np.repeat(np.arange(docs), 20)
    keys = ArticleKeys(
        rng.integers(0, 900, band_docs.size).astype(np.uint64),
        band_docs,
        rng.integers(0, 3000, passage_docs.size).astype(np.uint64),
        passage_docs,
        np.full(docs, 20),
    )
    alone = pairs_from_rows(keys, max_bucket=20)
    assert alone.shape[0] > 100
    assert np.array_equal(pairs_from_rows(keys, max_bucket=20, workers=2), alone)


@on_both_backends
@settings(max_examples=200, deadline=None)
@given(rows_with_repeats, st.integers(2, 6), st.booleans())
def test_kernel_bucket_counts_are_the_numpy_counts(key_rows: list[tuple[int, int]], max_bucket: int, by_document: bool) -> None:
    from storydiff.candidates import bucket_pair_counts

    keys, docs = _by_doc(key_rows) if by_document else _arrays(key_rows)
    expected = bucket_pairs(keys, docs, max_bucket, 10)
    got = bucket_pair_counts(keys, docs, max_bucket, 10)
    assert got[0].tolist() == expected[0].tolist() and got[1].tolist() == expected[1].tolist()


def _numpy_article_keys(signatures: np.ndarray, hashes: np.ndarray, offsets: np.ndarray, bands: int, sample: int) -> ArticleKeys:
    """The rows as whole-array numpy makes them: the reference for the kernels."""
    n_docs = signatures.shape[0]
    valid = np.repeat(~(signatures == np.uint32(0xFFFFFFFF)).all(axis=1), bands)
    band_docs = np.repeat(np.arange(n_docs, dtype=np.int64), bands)[valid]
    sampled = np.flatnonzero(hashes % np.uint32(sample) == 0)
    owners = (np.searchsorted(offsets, sampled, side="right") - 1).astype(np.int64)
    return ArticleKeys(
        band_keys(signatures, bands).ravel()[valid],
        band_docs,
        hashes[sampled].astype(np.uint64),
        owners,
        np.bincount(owners, minlength=n_docs),
    )


@on_both_backends
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=12), min_size=1, max_size=8),
    st.sampled_from([1, 2, 4, 8]),
    st.sampled_from([1, 2, 3, 5, 8]),
    st.data(),
)
def test_kernel_key_rows_are_the_numpy_rows(docs: list[list[int]], bands: int, sample: int, data: st.DataObject) -> None:
    num_perm = 8
    # Some documents have no shingles: every slot keeps the empty value and they give no band rows.
    signatures = np.array(
        [
            [0xFFFFFFFF] * num_perm if not doc else data.draw(st.lists(st.integers(0, 2**32 - 1), min_size=num_perm, max_size=num_perm))
            for doc in docs
        ],
        np.uint32,
    ).reshape(len(docs), num_perm)
    hashes = np.array([h for doc in docs for h in sorted(set(doc))], np.uint32)
    offsets = np.zeros(len(docs) + 1, np.int64)
    np.cumsum([len(set(doc)) for doc in docs], out=offsets[1:])
    made = article_keys(signatures, hashes, offsets, bands=bands, passage_sample=sample)
    expected = _numpy_article_keys(signatures, hashes, offsets, bands, sample)
    for field in ("band_keys", "band_docs", "passage_keys", "passage_docs", "sampled"):
        assert getattr(made, field).tolist() == getattr(expected, field).tolist(), field
        assert getattr(made, field).dtype == getattr(expected, field).dtype, field


@on_both_backends
@settings(max_examples=300, deadline=None)
@given(
    rows,
    rows,
    st.lists(st.integers(0, 30), min_size=10, max_size=10),
    st.integers(2, 6),
    st.integers(1, 4),
    st.sampled_from([0.1, 0.5, 0.9]),
    st.integers(1, 4),
)
def test_rare_pairs_are_the_pairs_whose_shared_passages_are_not_mostly_common(
    band_rows: set[tuple[int, int]],
    passage_rows: set[tuple[int, int]],
    sampled: list[int],
    max_bucket: int,
    rare_bucket: int,
    rare_share: float,
    reuse_bucket: int,
) -> None:
    """The pairing kernel's weighing, and the key-by-key merge the archive's
    queries and the Dask engine use, against the plain reference."""
    from storydiff.candidates import bucket_sizes_of, passage_evidence, rare_pairs_from_rows, reference_passage_evidence

    band_keys, band_docs = _arrays(band_rows)
    passage_keys, passage_docs = _arrays(passage_rows)
    keys = ArticleKeys(band_keys, band_docs, passage_keys, passage_docs, np.array(sampled, np.int64))
    every = pairs_from_rows(keys, max_bucket=max_bucket)
    rarity = {"rare_bucket": rare_bucket, "max_bucket": max_bucket, "reuse_bucket": reuse_bucket, "rare_share": rare_share}
    evidence = reference_passage_evidence(every, passage_keys, passage_docs, keys.sampled, **rarity)
    got = rare_pairs_from_rows(keys, **rarity)
    assert got.pairs.tolist() == every[~evidence.common].tolist()
    assert got.rare_passages.tolist() == evidence.rare[~evidence.common].tolist()
    assert got.rarity.tolist() == evidence.rarity[~evidence.common].tolist()
    merged = passage_evidence(every, passage_keys, passage_docs, bucket_sizes_of(passage_keys), keys.sampled, **rarity)
    for field in ("common", "rare", "rarity"):
        assert getattr(merged, field).tolist() == getattr(evidence, field).tolist(), field


@on_both_backends
@pytest.mark.parametrize(("oversize_keys", "kept"), [(2, False), (3, True)])
def test_passages_too_common_to_pair_still_count_as_shared_evidence(oversize_keys: int, kept: bool) -> None:
    """Articles 0 and 1 share one complete bucket of weight 1/4 (three
    holders, rare_bucket 1) and ``oversize_keys`` keys held by four (over
    max_bucket 3, so the pairing kernel never walks them). Their shared weight
    is 1/4 + 1/4 per such key against a floor of 0.8 (rare_share 0.1 of 8
    sampled shingles): the pair is mostly common text with two, not with three."""
    from storydiff.candidates import rare_pairs_from_rows

    rows = {(100, 0), (100, 1), (100, 2)} | {(200 + k, d) for k in range(oversize_keys) for d in (0, 1, 3, 4)}
    passage_keys, passage_docs = _arrays(rows)
    empty = np.zeros(0, np.uint64), np.zeros(0, np.int64)
    keys = ArticleKeys(*empty, passage_keys, passage_docs, np.full(5, 8, np.int64))
    found = rare_pairs_from_rows(keys, max_bucket=3, rare_bucket=1, reuse_bucket=1, rare_share=0.1)
    assert ([0, 1] in found.pairs.tolist()) == kept
