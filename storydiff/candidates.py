"""Candidate pairs (the in-memory candidate index): LSH bands over MinHash signatures, plus passage keys.

Two families of keys propose candidate pairs; nothing here decides a link.

* Band keys: the signature cut into ``bands`` bands of ``rows`` values, each
  band hashed to one 64-bit key (the classic MinHash LSH). Two rows per band
  put the S-curve's midpoint near Jaccard 0.12, low enough for versions that
  grew or shrank.
* Passage keys: every shingle whose hash is 0 modulo ``passage_sample`` (a
  content-defined sample, as in winnowing). Two articles sharing one copied
  paragraph share its sampled shingles whatever the rest of the text does,
  which the Jaccard-based bands cannot promise for an 80-word brief inside a
  600-word feature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from . import kernels
from .workers import threaded_map

_MIX = np.uint64(0x9E3779B97F4A7C15)


def band_keys(signatures: np.ndarray, bands: int) -> np.ndarray:
    """One uint64 key per (document, band); portable across machines."""
    n_docs, num_perm = signatures.shape
    if bands <= 0 or num_perm % bands:
        raise ValueError(f"bands must divide num_perm ({num_perm}), got {bands}")
    rows = num_perm // bands
    sig = signatures.reshape(n_docs, bands, rows)
    with np.errstate(over="ignore"):
        keys = np.zeros((n_docs, bands), dtype=np.uint64)
        for r in range(rows):
            # In place, one row of each band widened at a time: at 100k
            # articles the whole signature matrix widened was 100 MB.
            keys *= _MIX
            keys ^= sig[:, :, r].astype(np.uint64)
            keys ^= keys >> np.uint64(29)
        keys = keys * _MIX + np.arange(bands, dtype=np.uint64)  # type: ignore[assignment]
        keys ^= keys >> np.uint64(32)
    return keys


def _buckets_by_size(keys: np.ndarray, docs: np.ndarray, max_bucket: int) -> list[np.ndarray]:
    """Buckets of 2..``max_bucket`` rows, as one (buckets, size) matrix of
    documents per size, each row sorted."""
    if keys.size == 0:
        return []
    # Rows made per document come in document order: a stable sort by key
    # keeps it, at a fraction of a two-key sort's memory.
    in_doc_order = docs.size < 2 or bool(np.all(docs[1:] >= docs[:-1]))
    order = np.argsort(keys, kind="stable") if in_doc_order else np.lexsort((docs, keys))
    sorted_keys = keys[order]
    repeated = sorted_keys[1:] == sorted_keys[:-1]
    del sorted_keys
    # Only rows in buckets of two or more: most keys are unique.
    in_bucket = np.concatenate((repeated, [False])) | np.concatenate(([False], repeated))
    order = order[in_bucket]
    starts = np.flatnonzero(~np.concatenate(([False], repeated))[in_bucket])
    del repeated, in_bucket
    sizes = np.diff(np.append(starts, order.size))
    return [
        docs[order[starts[sizes == size][:, None] + np.arange(size)[None, :]]]
        for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_bucket)]).tolist()
    ]


def _pair_codes(keys: np.ndarray, docs: np.ndarray, max_bucket: int, n_docs: int) -> np.ndarray:
    """``a * n_docs + b`` (a < b) for every shared key, repeats included."""
    codes: list[np.ndarray] = [np.zeros(0, np.int64)]
    for members in _buckets_by_size(keys, docs, max_bucket):
        for column in range(members.shape[1] - 1):
            first = members[:, column].astype(np.int64)[:, None]
            rest = members[:, column + 1 :]
            codes.append((first * n_docs + rest)[rest != first])
    return np.concatenate(codes)


def _decode(codes: np.ndarray, n_docs: int) -> np.ndarray:
    return np.stack((codes // n_docs, codes % n_docs), axis=1) if codes.size else np.zeros((0, 2), np.int64)


def pairs_from_keys(keys: np.ndarray, docs: np.ndarray, max_bucket: int) -> np.ndarray:
    """All document pairs that share a key, as a (n, 2) int64 array with a < b.

    Buckets larger than ``max_bucket`` are a phrase or template too common to
    mean anything and propose nothing.
    """
    n_docs = int(docs.max()) + 1 if docs.size else 1
    return _decode(np.unique(_pair_codes(keys, docs, max_bucket, n_docs)), n_docs)


@dataclass(frozen=True)
class ArticleKeys:
    """The keys that propose candidates, as (key, document) rows.

    Both the batch run and the archive index make pairs from these rows with
    :func:`pairs_from_rows`, so a stored index proposes exactly what a batch
    run over the same articles proposes."""

    band_keys: np.ndarray
    band_docs: np.ndarray
    passage_keys: np.ndarray
    passage_docs: np.ndarray
    #: Sampled shingles per document (all of them, whatever their bucket size).
    sampled: np.ndarray


def article_keys(signatures: np.ndarray, hashes: np.ndarray, offsets: np.ndarray, *, bands: int, passage_sample: int) -> ArticleKeys:
    """Band and passage rows of every document, compiled (tests/test_candidates.py
    checks them against :func:`band_keys` and the numpy sampling)."""
    n_docs, num_perm = signatures.shape
    if bands <= 0 or num_perm % bands:
        raise ValueError(f"bands must divide num_perm ({num_perm}), got {bands}")
    band_rows = kernels.band_rows(np.ascontiguousarray(signatures, np.uint32), bands)
    if passage_sample > 0 and hashes.size:
        passage_keys, owners, sampled = kernels.passage_rows(
            np.ascontiguousarray(hashes, np.uint32), np.ascontiguousarray(offsets, np.int64), passage_sample
        )
    else:
        passage_keys, owners, sampled = np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(n_docs, np.int64)
    return ArticleKeys(*band_rows, passage_keys, owners, sampled)


def bucket_pairs(keys: np.ndarray, docs: np.ndarray, max_bucket: int, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """Pair codes (``a * n_docs + b``) of every complete bucket, each with the
    number of keys the pair shares. Rows may be split among workers by key:
    counts from disjoint key sets add up."""
    return np.unique(_pair_codes(keys, docs, max_bucket, n_docs), return_counts=True)


def bucket_pair_counts(keys: np.ndarray, docs: np.ndarray, max_bucket: int, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`bucket_pairs`, compiled (a test checks they agree): the rows are
    grouped by counting sorts and each document's partners counted in a
    dense array, so no pair occurrence is stored."""
    family = kernels.group_rows(np.ascontiguousarray(keys, np.uint64), np.ascontiguousarray(docs, np.int64), n_docs, max_bucket)
    found_codes, found_counts = [np.zeros(0, np.int64)], [np.zeros(0, np.int32)]
    first_doc = 0
    while first_doc < n_docs:
        codes = np.empty(n_docs + (1 << 20), np.int64)
        counts = np.empty(codes.size, np.int32)
        size, first_doc = kernels.family_pair_counts(family, n_docs, first_doc, n_docs, codes, counts)
        found_codes.append(codes[:size])
        found_counts.append(counts[:size])
    codes = np.concatenate(found_codes)
    order = np.argsort(codes)
    return codes[order], np.concatenate(found_counts)[order]


def _passages_chosen(sampled: np.ndarray, passage_min_share: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The passage pairs that share enough sampled shingles (see :func:`select_pairs`)."""
    n_docs = max(int(sampled.size), 1)

    def choose(codes: np.ndarray, shared: np.ndarray) -> np.ndarray:
        smaller = np.minimum(sampled[codes // n_docs], sampled[codes % n_docs])
        chosen: np.ndarray = codes[(shared >= 2) | (shared >= passage_min_share * smaller)]
        return chosen

    return choose


def select_pairs(
    band_codes: np.ndarray, passage_codes: np.ndarray, passage_shared: np.ndarray, sampled: np.ndarray, passage_min_share: float = 0.08
) -> np.ndarray:
    """Band pairs, plus passage pairs that share enough sampled shingles.

    One shared sampled shingle is what two unrelated articles with one stock
    phrase in common look like; a passage pair needs two, or one that is at
    least ``passage_min_share`` of the shorter article's sampled shingles
    (a brief has only a handful)."""
    chosen = _passages_chosen(sampled, passage_min_share)(passage_codes, passage_shared)
    return _decode(np.union1d(band_codes, chosen), max(int(sampled.size), 1))


def pairs_from_rows(keys: ArticleKeys, *, max_bucket: int, passage_min_share: float = 0.08, workers: int = 1) -> np.ndarray:
    """Every candidate pair of the rows' documents, as :func:`select_pairs`
    chooses them from :func:`bucket_pairs` (a test checks they agree). Every
    bucket must be complete: a row set that holds a key holds every document
    with that key.

    Compiled, on ``workers`` threads: rows are grouped by key with counting
    sorts, then each document's partners are counted in a dense array, so no
    pair occurrence is ever stored (tens of millions share a passage key at
    100k articles)."""
    return _grouped_pairs(keys, max_bucket, passage_min_share, workers, (max_bucket, max_bucket, 0.0)).pairs


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs, each with what its shared sampled passages say (read
    by :func:`similar_pairs <storydiff.cluster.similar_pairs>`)."""

    pairs: np.ndarray
    #: How many of them at most ``reuse_bucket`` articles hold: a reused passage.
    rare_passages: np.ndarray
    #: Their mean weight (:func:`passage_weights`; 1 when they share none):
    #: how much of what the pair shares counts as evidence.
    rarity: np.ndarray

    def __len__(self) -> int:
        return len(self.pairs)


def rare_pairs_from_rows(
    keys: ArticleKeys,
    *,
    max_bucket: int,
    rare_bucket: int,
    reuse_bucket: int,
    rare_share: float,
    passage_min_share: float = 0.08,
    workers: int = 1,
) -> Candidates:
    """:func:`pairs_from_rows` without the pairs whose shared passages are
    mostly common text (:func:`passage_evidence`, which a test checks this
    against): what both the batch run and the archive index verify. The
    pairing kernel weighs the shared passages as it counts them."""
    return _grouped_pairs(keys, max_bucket, passage_min_share, workers, (rare_bucket, reuse_bucket, rare_share))


def _grouped_pairs(keys: ArticleKeys, max_bucket: int, passage_min_share: float, workers: int, rules: tuple[int, int, float]) -> Candidates:
    """The candidate pairs whose shared passages are not mostly common text
    (``rules``: rare_bucket, reuse_bucket, rare_share; a rare_share of 0
    keeps every candidate pair), from :func:`kernels.candidate_pairs`."""
    rare_bucket, reuse_bucket, rare_share = rules
    n_docs = max(int(keys.sampled.size), 1)
    sampled = np.zeros(n_docs, np.int64)
    sampled[: keys.sampled.size] = keys.sampled
    families = [(keys.band_keys, keys.band_docs), (keys.passage_keys, keys.passage_docs)]
    band, passage = threaded_map(
        lambda rows: kernels.group_rows(
            np.ascontiguousarray(rows[0], np.uint64), np.ascontiguousarray(rows[1], np.int64), n_docs, max_bucket
        ),
        families,
        workers,
    )
    weights = kernels.bucket_weights(passage[0], passage[1], rare_bucket, reuse_bucket, n_docs)
    bounds = np.linspace(0, n_docs, max(1, 4 * workers) + 1).astype(np.int64).tolist()

    def pairs_of(first_doc: int, end_doc: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        found = []
        while first_doc < end_doc:
            room = n_docs + (1 << 16)
            out, rare, rarity = np.empty((room, 2), np.int64), np.empty(room, np.int64), np.empty(room, np.float64)
            size, first_doc = kernels.candidate_pairs(
                band, passage, sampled, passage_min_share, weights, rare_share, first_doc, end_doc, out, rare, rarity
            )
            found.append((out[:size], rare[:size], rarity[:size]))
        return found

    ranges = list(zip(bounds[:-1], bounds[1:], strict=True))
    parts = [found for part in threaded_map(lambda bound: pairs_of(*bound), ranges, workers) for found in part]
    pairs = np.concatenate([np.zeros((0, 2), np.int64), *(p for p, _, _ in parts)])
    rare = np.concatenate([np.zeros(0, np.int64), *(r for _, r, _ in parts)])
    rarity = np.concatenate([np.zeros(0, np.float64), *(r for _, _, r in parts)])
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return Candidates(pairs[order], rare[order], rarity[order])


def candidate_pairs(
    signatures: np.ndarray,
    hashes: np.ndarray,
    offsets: np.ndarray,
    *,
    bands: int,
    passage_sample: int,
    max_bucket: int,
    passage_min_share: float = 0.08,
    workers: int = 1,
) -> np.ndarray:
    """Every candidate pair of a batch, as a (n, 2) int64 array with a < b."""
    keys = article_keys(signatures, hashes, offsets, bands=bands, passage_sample=passage_sample)
    return pairs_from_rows(keys, max_bucket=max_bucket, passage_min_share=passage_min_share, workers=workers)


def _bucket_partners(doc: int, keys: np.ndarray, docs: np.ndarray, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """Documents sharing a complete bucket of 2..``max_bucket`` rows with
    ``doc``, each with the number of such buckets."""
    mine = np.isin(keys, keys[docs == doc])
    keys, docs = keys[mine], docs[mine]
    _, inverse, sizes = np.unique(keys, return_inverse=True, return_counts=True)
    kept = ((sizes >= 2) & (sizes <= max_bucket))[inverse] & (docs != doc)
    return np.unique(docs[kept], return_counts=True)


def partners_of(
    doc: int,
    keys: ArticleKeys,
    sampled_of: Callable[[Sequence[int]], Mapping[int, int]],
    *,
    max_bucket: int,
    passage_min_share: float = 0.08,
) -> np.ndarray:
    """The documents that :func:`pairs_from_rows` pairs with ``doc``, without
    forming the other pairs of its buckets: what a query needs. ``keys.sampled``
    is not read; ``sampled_of`` gives sampled-shingle counts (``doc``'s
    included) for the few partners whose one shared passage key is borderline."""
    band, _ = _bucket_partners(doc, keys.band_keys, keys.band_docs, max_bucket)
    passage, shared = _bucket_partners(doc, keys.passage_keys, keys.passage_docs, max_bucket)
    borderline = passage[shared < 2].tolist()
    counts = sampled_of([doc, *borderline]) if borderline else {}
    own = counts.get(doc, 0)
    chosen = [x for x, n in zip(passage.tolist(), shared.tolist(), strict=True) if n >= 2 or n >= passage_min_share * min(own, counts[x])]
    return np.union1d(band, np.array(chosen, np.int64))


# --- common passages --------------------------------------------------------------------
#
# Sharing a sentence that hundreds of articles carry is weak evidence. A passage
# key's weight falls with the size of its bucket (how many articles hold the
# sampled shingle), in tiers, so that a bucket changes weight only when it
# crosses a tier bound (the archive index re-checks those buckets' members).


def passage_weight_tiers(rare_bucket: int, max_bucket: int, reuse_bucket: int) -> tuple[int, ...]:
    """Bucket sizes at which a passage key's weight, or whether it counts as
    reused, changes."""
    return tuple(sorted({reuse_bucket, rare_bucket, 2 * rare_bucket, max_bucket}))


def passage_weights(sizes: np.ndarray, rare_bucket: int, max_bucket: int) -> np.ndarray:
    """1 for a key in at most ``rare_bucket`` articles, 1/2 up to twice that,
    1/4 beyond, and 1/4 in a bucket over ``max_bucket`` (one that proposes no pairs)."""
    weights: np.ndarray = np.where(sizes <= rare_bucket, 1.0, np.where(sizes <= 2 * rare_bucket, 0.5, 0.25))
    weights[sizes > max_bucket] = 0.25
    return weights


@dataclass(frozen=True)
class PassageEvidence:
    """Per pair: whether the sampled passages it shares are mostly common
    text, how many of them are held by few articles (at most
    ``reuse_bucket``: a reused passage), and their mean weight (1 for none)."""

    common: np.ndarray
    rare: np.ndarray
    rarity: np.ndarray

    def candidates(self, pairs: np.ndarray) -> Candidates:
        """The pairs that are not mostly common text, as candidates."""
        kept = ~self.common
        return Candidates(pairs[kept], self.rare[kept], self.rarity[kept])


def passage_evidence(
    pairs: np.ndarray,
    passage_keys: np.ndarray,
    passage_docs: np.ndarray,
    bucket_sizes: np.ndarray,
    sampled: np.ndarray,
    *,
    rare_bucket: int,
    max_bucket: int,
    reuse_bucket: int,
    rare_share: float,
) -> PassageEvidence:
    """For each pair (rows of ``pairs``), what its shared sampled passages
    are worth, from each passage row's bucket size. They are mostly common
    text when their weight (:func:`passage_weights`) is under half their
    number and under ``rare_share`` of the smaller document's sampled
    shingles: such a pair shares background sentences or stock text, not a
    story. One merge of both documents' keys per pair (the batch run weighs
    them as it pairs, in :func:`kernels.candidate_pairs`)."""
    if len(pairs) == 0:
        return PassageEvidence(np.zeros(0, bool), np.zeros(0, np.int64), np.zeros(0, np.float64))
    n_docs = max(int(passage_docs.max()) + 1 if passage_docs.size else 0, int(pairs.max()) + 1, int(sampled.size))
    # Only the rows of documents in a pair, by document, each document's keys sorted.
    involved = np.zeros(n_docs, bool)
    involved[pairs.ravel()] = True
    rows = np.flatnonzero(involved[passage_docs])
    if rows.size > 1 and not bool(np.all(passage_docs[rows][1:] >= passage_docs[rows][:-1])):
        rows = rows[np.argsort(passage_docs[rows], kind="stable")]
    doc_start = np.concatenate(([0], np.cumsum(np.bincount(passage_docs[rows], minlength=n_docs)))).astype(np.int64)
    keys_by_doc = np.ascontiguousarray(passage_keys[rows], np.uint64)
    kernels.sort_segments(doc_start, keys_by_doc, rows)
    sizes = bucket_sizes[rows]
    weights = np.ascontiguousarray(passage_weights(sizes, rare_bucket, max_bucket), np.float64)
    few = np.ascontiguousarray(sizes <= min(reuse_bucket, max_bucket))
    total, count, rare = kernels.shared_key_weights(
        doc_start, keys_by_doc, weights, few, np.ascontiguousarray(pairs[:, 0], np.int64), np.ascontiguousarray(pairs[:, 1], np.int64)
    )
    counts = np.zeros(n_docs, np.int64)
    counts[: sampled.size] = sampled
    smaller = np.minimum(counts[pairs[:, 0]], counts[pairs[:, 1]])
    rarity = np.where(count > 0, total / np.maximum(count, 1), 1.0)
    return PassageEvidence((total < 0.5 * count) & (total < rare_share * smaller), rare, rarity)


def reference_passage_evidence(
    pairs: np.ndarray,
    passage_keys: np.ndarray,
    passage_docs: np.ndarray,
    sampled: np.ndarray,
    *,
    rare_bucket: int,
    max_bucket: int,
    reuse_bucket: int,
    rare_share: float,
) -> PassageEvidence:
    """:func:`passage_evidence` written plainly, from whole buckets: the reference its tests compare with."""
    holders: dict[int, set[int]] = {}
    for key, doc in zip(passage_keys.tolist(), passage_docs.tolist(), strict=True):
        holders.setdefault(key, set()).add(doc)
    own: dict[int, set[int]] = {}
    for key, doc in zip(passage_keys.tolist(), passage_docs.tolist(), strict=True):
        own.setdefault(doc, set()).add(key)
    common, rare, rarity = [], [], []
    for a, b in pairs.tolist():
        shared = own.get(a, set()) & own.get(b, set())
        weight = sum(float(passage_weights(np.array([len(holders[k])]), rare_bucket, max_bucket)[0]) for k in shared)
        smaller = min(int(sampled[a]) if a < sampled.size else 0, int(sampled[b]) if b < sampled.size else 0)
        common.append(weight < 0.5 * len(shared) and weight < rare_share * smaller)
        rare.append(sum(1 for k in shared if len(holders[k]) <= min(reuse_bucket, max_bucket)))
        rarity.append(weight / len(shared) if shared else 1.0)
    return PassageEvidence(np.array(common, bool), np.array(rare, np.int64), np.array(rarity, np.float64))


def bucket_sizes_of(keys: np.ndarray) -> np.ndarray:
    """How many rows hold each row's key, for rows that hold whole buckets."""
    order = np.argsort(keys)
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    del ordered
    runs = np.diff(np.append(starts, keys.size)).astype(np.int32)
    sizes = np.empty(keys.size, np.int32)
    sizes[order] = np.repeat(runs, runs)
    return sizes
