"""The query path's candidate partners against the batch pair function."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from storydiff.index import ArticleKeys, pairs_from_rows, partners_of

rows = st.sets(st.tuples(st.integers(0, 12), st.integers(0, 9)), max_size=60)


def _arrays(pairs: set[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    ordered = sorted(pairs)
    return np.array([k for k, _ in ordered], np.uint64), np.array([d for _, d in ordered], np.int64)


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
