"""``storydiff cluster --engine dask``: the same clustering on a Dask cluster.

Signatures are computed on the workers; band and passage rows are shuffled
by key so that each worker sees whole buckets; candidate pairs are verified
on the workers; each connected part of the link graph is grouped on a
worker; the client runs the same assembly as the local engine. Every step
calls the functions the local engine calls, so both give identical output.

Only this module imports dask, and only when ``--engine dask`` is chosen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .cluster import (
    Clustering,
    ClusterParams,
    Edge,
    Progress,
    Shingled,
    assemble,
    canonical_ranks,
    connected_parts,
    is_template,
    is_weak,
    link_components,
    needs_guard,
    similar_pairs,
    version_key,
)
from .index import ArticleKeys, article_keys, bucket_pairs, select_pairs
from .model import Article
from .signature import concatenate_sets, default_workers, minhash_matrix, shingle_hashes
from .verify import body_texts

#: Articles per signature task: large enough that scheduling costs nothing.
SIGN_CHUNK = 2000
#: Candidate pairs measured per template-guard task (about a quarter need the guard).
MEASURE_CHUNK = 5000


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
            client = Client(scheduler, timeout=30)
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
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
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


def _sign_chunk(bodies: list[str], first: int, params: ClusterParams) -> tuple[np.ndarray, np.ndarray, ArticleKeys]:
    hashes, offsets = shingle_hashes(bodies, params.signature.shingle_size)
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
        out.append(bucket_pairs(keys[mine], docs[mine], max_bucket, n_docs))
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


def _group_parts(
    params: ClusterParams, parts: list[list[int]], ranked: list[list[int]], edges: list[list[Edge]], sets: list[list[np.ndarray]]
) -> list[list[int]]:
    """link_components on each connected part, in the part's own numbering."""
    out: list[list[int]] = []
    for members, ranks, part_edges, part_sets in zip(parts, ranked, edges, sets, strict=True):
        position = {doc: i for i, doc in enumerate(members)}
        local = [Edge(position[e.a], position[e.b], e.similarity, e.shared) for e in part_edges]
        local_shingled = Shingled(*concatenate_sets([(s, np.array([0, s.size], np.int64)) for s in part_sets]))
        out += [[members[i] for i in group] for group in link_components(len(members), local, local_shingled, params, ranks)]
    return out


def _candidates_on_dask(client: Any, articles: Sequence[Article], params: ClusterParams, workers: int) -> tuple[Shingled, np.ndarray]:
    """Shingle sets (gathered here) and candidate pairs: signatures on the
    workers, band and passage rows shuffled by key so each sees whole buckets."""
    task_params = replace(params, workers=1)  # no process pools inside Dask workers
    n = len(articles)
    signed = [
        _submit(client, _sign_chunk, [a.body for a in articles[first : first + SIGN_CHUNK]], first, task_params)
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
    return shingled, select_pairs(band_codes, passage_codes, shared, sampled)


def _verified_on_dask(client: Any, articles: Sequence[Article], shingled: Shingled, pairs: np.ndarray, params: ClusterParams) -> list[Edge]:
    """Similarity floors here (they need only the shingle sets); the template
    guard on the workers, each task with the body texts of its pairs, sent as
    soon as they are measured so the workers start while the rest is measured."""
    task_params = replace(params, workers=1)
    similar: list[Edge] = []
    guarded: list[list[Edge]] = []
    jobs = []
    for first in range(0, len(pairs), MEASURE_CHUNK):
        measured = similar_pairs(shingled, pairs[first : first + MEASURE_CHUNK], params)
        similar += measured
        chunk = [e for e in measured if needs_guard(e)]
        if chunk:
            views = {d: _guard_view(articles[d]) for e in chunk for d in (e.a, e.b)}
            jobs.append(_submit(client, _template_pairs, views, [(e.a, e.b) for e in chunk], task_params))
            guarded.append(chunk)
    template = {
        (e.a, e.b)
        for chunk, verdicts in zip(guarded, client.gather(jobs), strict=True)
        for e, bad in zip(chunk, verdicts, strict=True)
        if bad
    }
    return [e for e in similar if (e.a, e.b) not in template]


def _grouped_on_dask(
    client: Any, articles: Sequence[Article], shingled: Shingled, edges: list[Edge], params: ClusterParams, workers: int
) -> list[list[int]]:
    """Stories: a connected part without a weak link is one story as it stands
    (every link joins); parts with weak links go through link_components on
    the workers, each with only its own shingle sets."""
    parts = connected_parts(range(len(articles)), [(e.a, e.b) for e in edges])
    part_of = {doc: i for i, part in enumerate(parts) for doc in part}
    part_edges: list[list[Edge]] = [[] for _ in parts]
    for edge in edges:
        part_edges[part_of[edge.a]].append(edge)
    settled = [part for part, links in zip(parts, part_edges, strict=True) if not any(is_weak(e, params) for e in links)]
    weak = [(part, links) for part, links in zip(parts, part_edges, strict=True) if any(is_weak(e, params) for e in links)]
    groups = max(1, min(len(weak), workers * 4))
    tasks = [
        (
            [part for part, _ in weak[g::groups]],
            [canonical_ranks([articles[doc] for doc in part]) for part, _ in weak[g::groups]],
            [links for _, links in weak[g::groups]],
            [[shingled.of(doc) for doc in part] for part, _ in weak[g::groups]],
        )
        for g in range(groups)
    ]
    grouped = client.gather([_submit(client, _group_parts, replace(params, workers=1), *task) for task in tasks if task[0]])
    return [c for result in grouped for c in result] + settled


def cluster_with_dask(
    articles: Sequence[Article], params: ClusterParams, scheduler: str | None = None, progress: Progress | None = None
) -> Clustering:
    report = progress or (lambda stage, done, total: None)
    workers = params.workers or default_workers()
    with dask_client(scheduler, workers) as client:
        report("signatures and band shuffle on dask", 0, len(articles))
        shingled, pairs = _candidates_on_dask(client, articles, params, workers)
        report("verify on dask", 0, len(pairs))
        edges = _verified_on_dask(client, articles, shingled, pairs, params)
        report("components on dask", 0, len(edges))
        components = _grouped_on_dask(client, articles, shingled, edges, params, workers)
    return Clustering(params, assemble(articles, components, edges, shingled, params, canonical_ranks(articles)))
