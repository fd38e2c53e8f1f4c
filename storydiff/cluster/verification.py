"""Verification: the similarity floors on the exact shingle sets, and the template guard."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

import numpy as np

from .. import kernels
from ..candidates import Candidates
from ..model import Article
from ..normalised import folded_contents
from ..normalised import tables as normalised_tables
from ..order import _filename_key
from ..signature import default_workers
from ..verify import (
    SlotEvidence,
    body_texts,
    edited_folded,
    edited_paragraphs,
    kept_slots,
    swapped_slots,
)
from ..workers import forked_map, threaded_map
from .params import ClusterParams
from .records import Edge, Similarity
from .shingling import Shingled

_NO_TIME = datetime.min.replace(tzinfo=timezone.utc)


def version_key(article: Article) -> tuple[object, ...]:
    """Which of two articles is the older, from the articles alone (never from
    load order, so that ingest order cannot change a verdict)."""
    time = article.modified or article.published
    return (time is None, time or _NO_TIME, _filename_key(article), article.id)


def similar_pairs(shingled: Shingled, candidates: Candidates, params: ClusterParams) -> list[Edge]:
    """Candidate pairs that pass the similarity floors (:func:`passes_floors`;
    not yet the template guard), with the similarities
    :meth:`Shingled.similarity` gives."""
    pairs = candidates.pairs
    if len(pairs) == 0:
        return []
    left = np.ascontiguousarray(pairs[:, 0], np.int64)
    right = np.ascontiguousarray(pairs[:, 1], np.int64)
    shared = _shared_shingles(shingled, left, right, params.workers or default_workers())
    sizes = np.diff(shingled.offsets)
    smaller = np.minimum(sizes[left], sizes[right])
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(smaller > 0, shared / (sizes[left] + sizes[right] - shared), 0.0)
        containment = np.where(smaller > 0, shared / smaller, 0.0)
    keep = passes_floors(jaccard, containment, candidates.rare_passages, candidates.rarity, params) & (shared >= params.min_shared)
    return [
        Edge(a, b, Similarity(j, c), n)
        for a, b, j, c, n in zip(
            left[keep].tolist(),
            right[keep].tolist(),
            jaccard[keep].tolist(),
            containment[keep].tolist(),
            shared[keep].tolist(),
            strict=True,
        )
    ]


def passes_floors(
    jaccard: np.ndarray, containment: np.ndarray, rare_passages: np.ndarray, rarity: np.ndarray, params: ClusterParams
) -> np.ndarray:
    """Whether pairs share enough to link: enough of the union of their
    shingles; or enough of the smaller article, with what they share counted
    at its weight (``rarity``, the mean weight of their shared passages: a
    tenth of a story made of background sentences that dozens of articles
    carry is not a tenth shared); or a reused passage (at least
    ``min_rare_passages`` passages that few articles hold) that is a fair
    part of the smaller article."""
    weighed = containment * rarity
    reused = (rare_passages >= params.min_rare_passages) & (weighed >= params.min_reuse_containment)
    passes: np.ndarray = (jaccard >= params.min_jaccard) | (weighed >= params.min_containment) | reused
    return passes


def _shared_shingles(shingled: Shingled, left: np.ndarray, right: np.ndarray, workers: int) -> np.ndarray:
    def count(part: slice) -> np.ndarray:
        return kernels.shared_counts(shingled.hashes, shingled.offsets, left[part], right[part])

    if left.size < 4000:
        return count(slice(None))
    bounds = np.linspace(0, left.size, workers * 4 + 1).astype(int).tolist()
    return np.concatenate(threaded_map(count, [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)], workers))


def needs_guard(edge: Edge) -> bool:
    """Near-copies pass; below that, a template pair must be ruled out."""
    return edge.similarity.containment < 0.9


def is_template(older_body: tuple[str, ...], newer_body: tuple[str, ...], params: ClusterParams) -> bool:
    """Two reports filled into one template: most names and figures swapped
    (bodies as :func:`~storydiff.verify.body_texts`, the older first)."""
    return _swaps_most_slots(edited_paragraphs(older_body, newer_body), params)


def _swaps_most_slots(edits: list[tuple[str, str]], params: ClusterParams) -> bool:
    swapped = sum(swapped_slots(old, new) for old, new in edits)
    if swapped < 3:
        return False  # decided without counting the kept anchors, which costs as much again
    return SlotEvidence(sum(kept_slots(old, new) for old, new in edits), swapped).swapped_share > params.max_slot_swap


def is_template_pair(one: Article, other: Article, params: ClusterParams) -> bool:
    older, newer = sorted((one, other), key=version_key)
    return is_template(body_texts(older.paragraphs), body_texts(newer.paragraphs), params)


def _unguarded(articles: Sequence[Article], similar: Iterable[Edge], params: ClusterParams) -> list[Edge]:
    return [e for e in similar if not (needs_guard(e) and is_template_pair(articles[e.a], articles[e.b], params))]


def _guard_chunk(state: tuple[Sequence[Article], ClusterParams], similar: list[Edge]) -> list[Edge]:
    """:func:`_unguarded` for one worker's share of many edges, with each
    article's paragraphs folded once, in bulk, in compiled code."""
    articles, params = state
    checked = [edge for edge in similar if needs_guard(edge)]
    needed = sorted({index for edge in checked for index in (edge.a, edge.b)})
    folded = dict(zip(needed, folded_contents([articles[index].paragraphs for index in needed]), strict=True))
    templates = set()
    for edge in checked:
        older, newer = sorted((edge.a, edge.b), key=lambda index: version_key(articles[index]))
        if _swaps_most_slots(edited_folded(folded[older], folded[newer]), params):
            templates.add(edge)
    return [edge for edge in similar if edge not in templates]


def guarded_edges(articles: Sequence[Article], similar: list[Edge], params: ClusterParams) -> list[Edge]:
    """The similar pairs (from :func:`similar_pairs`) that are not template
    pairs, checked on every worker when there are many."""
    workers = params.workers or default_workers()
    if len(similar) < 2000:
        return _unguarded(articles, similar, params)  # needs no tables built
    normalised_tables()  # built here, not once in every worker
    # In article order, so that a job folds fewer articles that another folds too.
    ordered = sorted(similar, key=lambda e: (e.a, e.b))
    parts = workers * 4 if workers > 1 else 1
    jobs = [ordered[len(ordered) * i // parts : len(ordered) * (i + 1) // parts] for i in range(parts)]
    kept = {(e.a, e.b) for chunk in forked_map(_guard_chunk, (articles, params), jobs, workers) for e in chunk}
    return [e for e in similar if (e.a, e.b) in kept]
