"""Shingle sets and MinHash signatures of a batch of articles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import Article
from ..signature import concatenate_sets, default_workers, minhash_matrix, paragraph_shingles, warm_tables
from ..workers import threaded_map
from .params import ClusterParams
from .records import Similarity


def signatures_of(shingled: Shingled, params: ClusterParams, chunk: int = 4000) -> np.ndarray:
    """MinHash rows for every article, on every core for large inputs."""
    n = shingled.offsets.size - 1
    workers = params.workers or default_workers()

    def rows(first: int) -> np.ndarray:
        last = min(n, first + chunk)
        lo, hi = shingled.offsets[first], shingled.offsets[last]
        return minhash_matrix(shingled.hashes[lo:hi], shingled.offsets[first : last + 1] - lo, params.signature)

    if n <= chunk:
        return minhash_matrix(shingled.hashes, shingled.offsets, params.signature)
    return np.concatenate(threaded_map(rows, range(0, n, chunk), workers))


def shingle_articles(articles: Sequence[Article], params: ClusterParams, chunk: int = 2000) -> Shingled:
    """Each article's shingle hashes, on every core for large inputs."""
    workers = params.workers or default_workers()
    k = params.signature.shingle_size
    warm_tables()  # once, before the threads start
    stores = [article.paragraphs for article in articles]
    parts = threaded_map(lambda first: paragraph_shingles(stores[first : first + chunk], k), range(0, len(stores), chunk), workers)
    return Shingled(*concatenate_sets(parts))


@dataclass(frozen=True)
class Shingled:
    """Each article's shingle hashes (sorted, unique)."""

    hashes: np.ndarray
    offsets: np.ndarray

    def of(self, i: int) -> np.ndarray:
        return self.hashes[self.offsets[i] : self.offsets[i + 1]]

    def similarity(self, i: int, j: int) -> tuple[Similarity, int]:
        a, b = self.of(i), self.of(j)
        if a.size == 0 or b.size == 0:
            return Similarity(0.0, 0.0), 0
        if a.size > b.size:
            a, b = b, a
        # Both are sorted and unique: look the smaller up in the larger.
        at = np.searchsorted(b, a)
        shared = int(np.count_nonzero(b[np.minimum(at, b.size - 1)] == a))
        union = a.size + b.size - shared
        return Similarity(shared / union, shared / min(a.size, b.size)), shared
