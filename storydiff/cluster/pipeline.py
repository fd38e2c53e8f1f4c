"""The batch pipeline, top to bottom: shingles, signatures, candidates, verification, linking, assembly."""

from __future__ import annotations

from collections.abc import Sequence

from ..candidates import article_keys, rare_pairs_from_rows
from ..model import Article
from ..signature import default_workers
from ..workers import gc_paused
from .assembly import assemble
from .linking import canonical_ranks, settled_links
from .params import ClusterParams, Progress
from .records import Clustering
from .shingling import shingle_articles, signatures_of
from .verification import similar_pairs


def cluster_articles(articles: Sequence[Article], params: ClusterParams | None = None, progress: Progress | None = None) -> Clustering:
    """Group articles into story clusters; every article lands in exactly one."""
    with gc_paused():
        return _cluster_articles(articles, params or ClusterParams(), progress)


def _cluster_articles(articles: Sequence[Article], params: ClusterParams, progress: Progress | None) -> Clustering:
    report = progress or (lambda stage, done, total: None)
    n = len(articles)
    report("shingles", 0, n)
    shingled = shingle_articles(articles, params)
    report("signatures", 0, n)
    signatures = signatures_of(shingled, params)
    report("candidates", 0, n)
    keys = article_keys(signatures, shingled.hashes, shingled.offsets, bands=params.bands, passage_sample=params.passage_sample)
    del signatures
    candidates = rare_pairs_from_rows(
        keys,
        max_bucket=params.max_bucket,
        rare_bucket=params.rare_bucket,
        reuse_bucket=params.reuse_bucket,
        rare_share=params.rare_share,
        workers=params.workers or default_workers(),
    )
    del keys  # the key rows are a few hundred MB at 100k articles; grouping does not read them
    report("verify", 0, len(candidates))
    similar = similar_pairs(shingled, candidates, params)
    report("group", 0, len(similar))
    ranks = canonical_ranks(articles)
    settled = settled_links(articles, similar, shingled, params, ranks)
    report("assemble", 0, len(settled.components))
    return Clustering(params, assemble(articles, settled.components, settled.edges, shingled, params, ranks, settled.orders))
