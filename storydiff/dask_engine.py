"""``storydiff cluster --engine dask``: the same clustering on a Dask cluster.

Signatures are computed on the workers; band and passage rows are shuffled
by key so that each worker sees whole buckets; the template guard runs on
the workers for the edges the client's grouping asks about
(:func:`~storydiff.cluster.settled_links`); the client runs the same
grouping and assembly as the local engine. Every step calls the functions
the local engine calls, so both give identical output.

Only this module imports dask, and only when ``--engine dask`` is chosen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .candidates import (
    ArticleKeys,
    Candidates,
    article_keys,
    bucket_pair_counts,
    bucket_sizes_of,
    passage_evidence,
    select_pairs,
)
from .cluster import (
    Clustering,
    ClusterParams,
    Edge,
    Judge,
    Progress,
    Shingled,
    assemble,
    canonical_ranks,
    is_template,
    settled_links,
    similar_pairs,
    version_key,
)
from .model import Article
from .signature import concatenate_sets, default_workers, minhash_matrix, paragraph_shingles
from .text import Paragraphs
from .verify import body_texts
from .workers import gc_paused

#: Articles per signature task: large enough that scheduling costs nothing.
SIGN_CHUNK = 2000
#: Edges judged per template-guard task.
GUARD_CHUNK = 1000


class EngineUnavailable(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client of the given scheduler, or of a LocalCluster on this machine."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise EngineUnavailable("--engine dask needs dask.distributed", "pip install 'storydiff[dask]'") from exc
    if scheduler:
        try:
            client = Client(scheduler, timeout=30)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise EngineUnavailable(f"cannot reach the Dask scheduler at {scheduler}: {exc}", "start one with: dask scheduler") from exc
        with client:
            yield client
        return
    import dask

    # Dask's workers start with MALLOC_TRIM_THRESHOLD_ set, which also turns
    # off glibc's adaptive mmap threshold: every large numpy temporary is then
    # mapped and faulted in afresh, and signing ran 1.5-2x slower than in a
    # plain process. Start the local workers without it (numbers:
    # docs/performance.md); workers started by hand should do the same.
    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items() if k != "MALLOC_TRIM_THRESHOLD_"}
    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ": environ}),
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


@dataclass(frozen=True)
class _Shipped:
    """Task data sent as it is. Dask walks every list, tuple and dict given
    to a task looking for futures, which took longer than the tasks here."""

    value: Any


def _run(function: Callable[..., Any], *args: Any) -> Any:
    return function(*(arg.value if isinstance(arg, _Shipped) else arg for arg in args))


def _submit(client: Any, function: Callable[..., Any], *args: Any) -> Any:
    shipped = [_Shipped(arg) if isinstance(arg, (list, tuple, dict)) else arg for arg in args]
    return client.submit(_run, function, *shipped, pure=False)


def _sign_chunk(stores: list[Paragraphs], first: int, params: ClusterParams) -> tuple[np.ndarray, np.ndarray, ArticleKeys]:
    hashes, offsets = paragraph_shingles(stores, params.signature.shingle_size)
    signatures = minhash_matrix(hashes, offsets, params.signature)
    keys = article_keys(signatures, hashes, offsets, bands=params.bands, passage_sample=params.passage_sample)
    shifted = ArticleKeys(keys.band_keys, keys.band_docs + first, keys.passage_keys, keys.passage_docs + first, keys.sampled)
    return hashes, offsets, shifted


def _keys_of(signed: tuple[np.ndarray, np.ndarray, ArticleKeys]) -> ArticleKeys:
    return signed[2]


def _bucket_partition(part: int, parts: int, n_docs: int, max_bucket: int, *keyed: ArticleKeys) -> Any:
    """Pairs of the buckets whose key falls in this partition (whole buckets,
    since every row of a key lands in the same partition)."""
    out = []
    for keys_of, docs_of in (("band_keys", "band_docs"), ("passage_keys", "passage_docs")):
        keys = np.concatenate([getattr(k, keys_of) for k in keyed])
        docs = np.concatenate([getattr(k, docs_of) for k in keyed])
        mine = keys % np.uint64(parts) == np.uint64(part)
        out.append(bucket_pair_counts(keys[mine], docs[mine], max_bucket, n_docs))
    return out


def _guard_view(article: Article) -> tuple[tuple[object, ...], tuple[str, ...]]:
    """What the template guard reads of an article: which is older, and the
    body texts (plain strings pickle several times faster than articles)."""
    return version_key(article), body_texts(article.paragraphs)


def _template_pairs(
    views: dict[int, tuple[tuple[object, ...], tuple[str, ...]]], pairs: list[tuple[int, int]], params: ClusterParams
) -> list[bool]:
    verdicts = []
    for a, b in pairs:
        (_, older), (_, newer) = sorted((views[a], views[b]), key=lambda view: view[0])
        verdicts.append(is_template(older, newer, params))
    return verdicts


def _candidates_on_dask(client: Any, articles: Sequence[Article], params: ClusterParams, workers: int) -> tuple[Shingled, Candidates]:
    """Shingle sets (gathered here) and candidate pairs: signatures on the
    workers, band and passage rows shuffled by key so each sees whole buckets."""
    task_params = replace(params, workers=1)  # no process pools inside Dask workers
    n = len(articles)
    signed = [
        # paragraph stores pickle as bytes, several times faster than body strings
        _submit(client, _sign_chunk, [a.paragraphs for a in articles[first : first + SIGN_CHUNK]], first, task_params)
        for first in range(0, n, SIGN_CHUNK)
    ]
    partitions = max(1, 2 * workers)
    # Only the keys travel to the shuffle; shingle sets stay where they were made.
    keyed = [_submit(client, _keys_of, chunk) for chunk in signed]
    bucketed = [_submit(client, _bucket_partition, p, partitions, n, params.max_bucket, *keyed) for p in range(partitions)]
    chunks = client.gather(signed)
    shingled = Shingled(*concatenate_sets([(hashes, offsets) for hashes, offsets, _ in chunks]))
    sampled = np.concatenate([keys.sampled for _, _, keys in chunks]) if chunks else np.zeros(0, np.int64)
    band_parts, passage_parts = zip(*client.gather(bucketed), strict=True) if bucketed else ((), ())
    band_codes = np.unique(np.concatenate([codes for codes, _ in band_parts] + [np.zeros(0, np.int64)]))
    codes = np.concatenate([c for c, _ in passage_parts] + [np.zeros(0, np.int64)])
    counts = np.concatenate([k for _, k in passage_parts] + [np.zeros(0, np.int64)])
    passage_codes, where = np.unique(codes, return_inverse=True)
    shared = np.bincount(where, weights=counts, minlength=passage_codes.size).astype(np.int64)
    pairs = select_pairs(band_codes, passage_codes, shared, sampled)
    # Pairs resting mostly on common passages go, as in the local engine
    # (candidates.rare_pairs_from_rows); the passage rows come back for that.
    passage_keys = np.concatenate([keys.passage_keys for _, _, keys in chunks] + [np.zeros(0, np.uint64)])
    passage_docs = np.concatenate([keys.passage_docs for _, _, keys in chunks] + [np.zeros(0, np.int64)])
    evidence = passage_evidence(
        pairs,
        passage_keys,
        passage_docs,
        bucket_sizes_of(passage_keys),
        sampled,
        rare_bucket=params.rare_bucket,
        max_bucket=params.max_bucket,
        reuse_bucket=params.reuse_bucket,
        rare_share=params.rare_share,
    )
    return shingled, evidence.candidates(pairs)


def _judge_on_dask(client: Any, articles: Sequence[Article], params: ClusterParams) -> Judge:
    """The template guard on the workers, each task with the body texts of
    its pairs; the client decides which edges need judging
    (:func:`~storydiff.cluster.settled_links`)."""
    task_params = replace(params, workers=1)

    def judge(edges: list[Edge]) -> list[Edge]:
        chunks = [edges[first : first + GUARD_CHUNK] for first in range(0, len(edges), GUARD_CHUNK)]
        jobs = [
            _submit(
                client,
                _template_pairs,
                {d: _guard_view(articles[d]) for e in chunk for d in (e.a, e.b)},
                [(e.a, e.b) for e in chunk],
                task_params,
            )
            for chunk in chunks
        ]
        verdicts = client.gather(jobs)
        return [e for chunk, bad in zip(chunks, verdicts, strict=True) for e, template in zip(chunk, bad, strict=True) if not template]

    return judge


def cluster_with_dask(
    articles: Sequence[Article], params: ClusterParams, scheduler: str | None = None, progress: Progress | None = None
) -> Clustering:
    report = progress or (lambda stage, done, total: None)
    workers = params.workers or default_workers()
    with dask_client(scheduler, workers) as client:
        report("signatures and band shuffle on dask", 0, len(articles))
        shingled, candidates = _candidates_on_dask(client, articles, params, workers)
        # The client's own stages make objects in bulk, as the local engine's do.
        with gc_paused():
            report("verify", 0, len(candidates))
            similar = similar_pairs(shingled, candidates, params)
            report("group, template guard on dask", 0, len(similar))
            ranks = canonical_ranks(articles)
            settled = settled_links(articles, similar, shingled, params, ranks, judge=_judge_on_dask(client, articles, params))
    with gc_paused():
        return Clustering(params, assemble(articles, settled.components, settled.edges, shingled, params, ranks, settled.orders))
