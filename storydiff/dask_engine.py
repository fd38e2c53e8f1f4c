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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
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
    is_template_pair,
    is_weak,
    link_components,
    needs_guard,
    similar_pairs,
)
from .index import ArticleKeys, article_keys, bucket_pairs, select_pairs
from .model import Article
from .signature import concatenate_sets, default_workers, minhash_matrix, shingle_hashes

#: Articles per signature task: large enough that scheduling costs nothing.
SIGN_CHUNK = 2000
#: Candidate pairs per template-guard task.
GUARD_CHUNK = 2000


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
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _sign_chunk(bodies: list[str], first: int, params: ClusterParams) -> tuple[np.ndarray, np.ndarray, ArticleKeys]:
    hashes, offsets = shingle_hashes(bodies, params.signature.shingle_size)
    signatures = minhash_matrix(hashes, offsets, params.signature)
    keys = article_keys(signatures, hashes, offsets, bands=params.bands, passage_sample=params.passage_sample)
    shifted = ArticleKeys(keys.band_keys, keys.band_docs + first, keys.passage_keys, keys.passage_docs + first, keys.sampled)
    return hashes, offsets, shifted


def _bucket_partition(part: int, parts: int, n_docs: int, max_bucket: int, *signed: tuple[np.ndarray, np.ndarray, ArticleKeys]) -> Any:
    """Pairs of the buckets whose key falls in this partition (whole buckets,
    since every row of a key lands in the same partition)."""
    out = []
    for keys_of, docs_of in (("band_keys", "band_docs"), ("passage_keys", "passage_docs")):
        keys = np.concatenate([getattr(s[2], keys_of) for s in signed])
        docs = np.concatenate([getattr(s[2], docs_of) for s in signed])
        mine = keys % np.uint64(parts) == np.uint64(part)
        out.append(bucket_pairs(keys[mine], docs[mine], max_bucket, n_docs))
    return out


def _guard_view(article: Article) -> Article:
    """What the template guard reads of an article (its body paragraphs and
    what orders versions), so that less crosses the network."""
    return replace(article, paragraphs=tuple(p for p in article.paragraphs if p.is_content), headline="", url=None, source=None)


def _template_pairs(articles: dict[int, Article], pairs: list[tuple[int, int]], params: ClusterParams) -> list[bool]:
    return [is_template_pair(articles[a], articles[b], params) for a, b in pairs]


def _group_parts(
    params: ClusterParams, parts: list[list[int]], ranked: list[list[int]], edges: list[list[Edge]], sets: list[list[np.ndarray] | None]
) -> list[list[int]]:
    """link_components on each connected part, in the part's own numbering.
    A part without weak links never reads its shingle sets, so they are not sent."""
    out: list[list[int]] = []
    for members, ranks, part_edges, part_sets in zip(parts, ranked, edges, sets, strict=True):
        position = {doc: i for i, doc in enumerate(members)}
        local = [Edge(position[e.a], position[e.b], e.similarity, e.shared) for e in part_edges]
        shown = part_sets or [np.zeros(0, np.uint32)] * len(members)
        local_shingled = Shingled(*concatenate_sets([(s, np.array([0, s.size], np.int64)) for s in shown]))
        out += [[members[i] for i in group] for group in link_components(len(members), local, local_shingled, params, ranks)]
    return out


def cluster_with_dask(
    articles: Sequence[Article], params: ClusterParams, scheduler: str | None = None, progress: Progress | None = None
) -> Clustering:
    report = progress or (lambda stage, done, total: None)
    workers = params.workers or default_workers()
    task_params = replace(params, workers=1)  # no process pools inside Dask workers
    n = len(articles)
    with dask_client(scheduler, workers) as client:
        report("signatures on dask", 0, n)
        signed = [
            client.submit(_sign_chunk, [a.body for a in articles[first : first + SIGN_CHUNK]], first, task_params, pure=False)
            for first in range(0, n, SIGN_CHUNK)
        ]
        report("band shuffle", 0, n)
        partitions = max(1, 2 * workers)
        bucketed = [client.submit(_bucket_partition, p, partitions, n, params.max_bucket, *signed, pure=False) for p in range(partitions)]
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
        report("verify on dask", 0, len(pairs))
        # Similarity floors need only the shingle sets, held here; the
        # template guard needs the texts, so each task gets just its pairs' articles.
        similar = similar_pairs(shingled, pairs, params)
        guarded = [e for e in similar if needs_guard(e)]
        chunks = [guarded[first : first + GUARD_CHUNK] for first in range(0, len(guarded), GUARD_CHUNK)]
        jobs = [
            client.submit(
                _template_pairs,
                {d: _guard_view(articles[d]) for e in chunk for d in (e.a, e.b)},
                [(e.a, e.b) for e in chunk],
                task_params,
                pure=False,
            )
            for chunk in chunks
        ]
        template = {
            (e.a, e.b)
            for chunk, verdicts in zip(chunks, client.gather(jobs), strict=True)
            for e, bad in zip(chunk, verdicts, strict=True)
            if bad
        }
        edges = [e for e in similar if (e.a, e.b) not in template]
        report("components on dask", 0, len(edges))
        parts = connected_parts(range(n), [(e.a, e.b) for e in edges])
        singles = [p for p in parts if len(p) == 1]
        linked = [p for p in parts if len(p) > 1]
        part_of = {doc: i for i, part in enumerate(linked) for doc in part}
        part_edges: list[list[Edge]] = [[] for _ in linked]
        for edge in edges:
            part_edges[part_of[edge.a]].append(edge)
        groups = max(1, min(len(linked), workers * 4))
        ranked = [canonical_ranks([articles[doc] for doc in part]) for part in linked]
        sets = [
            [shingled.of(doc) for doc in part] if any(is_weak(e, params) for e in part_edges[i]) else None for i, part in enumerate(linked)
        ]
        tasks = [(linked[g::groups], ranked[g::groups], part_edges[g::groups], sets[g::groups]) for g in range(groups)] if linked else []
        grouped = client.gather([client.submit(_group_parts, task_params, *task, pure=False) for task in tasks])
    components = [c for result in grouped for c in result] + singles
    return Clustering(params, assemble(articles, components, edges, shingled, params, canonical_ranks(articles)))
