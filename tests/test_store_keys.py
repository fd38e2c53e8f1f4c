"""Each backend's key layout against a set of (key, doc) rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storydiff.store.sql import GENERATION_BITS
from storydiff.store.sqlite import MAX_DOC, SQLiteStore

# Few distinct keys, so buckets hold several docs; docs across three generations.
keys = st.sampled_from([0, 1, 2**36 - 1, 2**36, 2**40 + 5, 2**63 + 7, 2**64 - 1])
docs = st.sampled_from([1, 2, (1 << GENERATION_BITS) - 1, 1 << GENERATION_BITS, (2 << GENERATION_BITS) + 3, MAX_DOC - 1])
rows = st.sets(st.tuples(keys, docs), max_size=25)


def _arrays(pairs: set[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    ordered = sorted(pairs)
    return np.array([k for k, _ in ordered], np.uint64), np.array([d for _, d in ordered], np.int64)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=rows, removed=rows, wanted=st.sets(keys, max_size=4))
def test_sqlite_buckets_are_the_rows_of_their_keys(
    tmp_path: Path, stored: set[tuple[int, int]], removed: set[tuple[int, int]], wanted: set[int]
) -> None:
    path = tmp_path / "keys.db"
    path.unlink(missing_ok=True)
    store = SQLiteStore(str(path), create=True)
    try:
        with store.writing():
            store.create_schema()
            store.insert_keys("bands", *_arrays(stored))
            store.insert_keys("bands", *_arrays(stored))  # the same rows again change nothing
            store.delete_keys("bands", *_arrays(removed & stored))

        # The index compares keys as stored_keys gives them (the archive signs with these).
        def canonical(pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
            return {(int(store.stored_keys(np.array([k], np.uint64))[0]), d) for k, d in pairs}

        asked = {k for k, _ in canonical({(k, 0) for k in wanted})}
        expected = sorted((k, d) for k, d in canonical(stored) - canonical(removed & stored) if k in asked)
        with store.reading():
            found_keys, found_docs = store.bucket_rows("bands", np.array(sorted(wanted), np.uint64))
        assert sorted(zip(found_keys.tolist(), found_docs.tolist(), strict=True)) == expected
    finally:
        store.close()
