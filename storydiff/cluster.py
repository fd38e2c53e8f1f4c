"""Story clusters: signatures, candidates, verified links, ordered versions.

The pipeline is ``articles -> shingles -> signatures -> candidate pairs (band and
passage keys) -> verified links -> cohesive components -> ordered clusters``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import numpy as np

from .candidates import article_keys, rare_pairs_from_rows
from .model import Article
from .normalised import folded_contents, lowered_contents
from .normalised import tables as normalised_tables
from .order import _filename_key, order_versions
from .signature import SignatureParams, concatenate_sets, default_workers, minhash_matrix, paragraph_shingles, warm_tables
from .unionfind import UnionFind
from .verify import SlotEvidence, body_texts, edited_folded, edited_paragraphs, kept_slots, shared_lowered, shared_paragraphs, swapped_slots
from .workers import forked_map, gc_paused, threaded_map

ORDER_BY = ("time", "name", "given")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ClusterParams:
    """Every knob of clustering, checked up front."""

    signature: SignatureParams = field(default_factory=SignatureParams)
    #: Link when this much of the union of shingles is shared...
    min_jaccard: float = 0.3
    #: ...or this much of the smaller article's shingles.
    min_containment: float = 0.25
    #: Never link on fewer shared shingles than this (one shared quote is not a story).
    min_shared: int = 8
    #: A template pair swaps most names and figures in the paragraphs they share.
    max_slot_swap: float = 0.3
    bands: int = 64
    passage_sample: int = 8
    #: A band or passage key shared by more articles than this is furniture or
    #: a flood and proposes no pairs. A fixed number rather than a share of the
    #: corpus, so that whether two articles are candidates depends on the keys
    #: they share, not on how many articles were loaded beside them (an archive
    #: index then groups exactly as a batch run does).
    max_bucket: int = 100
    #: A passage key held by at most this many articles is rare evidence; in
    #: more, it is background or stock text and weighs 1/2, beyond twice 1/4.
    #: A syndicated story run by this many outlets still links at full weight.
    rare_bucket: int = 30
    #: A link whose shared passages are mostly common needs rare ones worth
    #: this share of the smaller article's sampled shingles.
    rare_share: float = 0.1
    order_by: str = "time"
    workers: int = 0

    def __post_init__(self) -> None:
        for name in ("min_jaccard", "min_containment", "max_slot_swap", "rare_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.max_bucket < 2:
            raise ValueError(f"max_bucket must be at least 2, got {self.max_bucket}")
        if self.rare_bucket < 1:
            raise ValueError(f"rare_bucket must be at least 1, got {self.rare_bucket}")
        if self.min_shared < 1:
            raise ValueError(f"min_shared must be at least 1, got {self.min_shared}")
        if self.bands <= 0 or self.signature.num_perm % self.bands:
            raise ValueError(f"bands must divide num_perm {self.signature.num_perm}, got {self.bands}")
        if self.order_by not in ORDER_BY:
            raise ValueError(f"order_by must be one of {', '.join(ORDER_BY)}, got {self.order_by!r}")

    def as_dict(self) -> dict[str, object]:
        out = {key: value for key, value in asdict(self).items() if key not in ("signature", "workers")}
        params: dict[str, object] = dict(self.signature.as_dict())
        params.update(out)
        params["rows"] = self.signature.num_perm // self.bands
        return params


@dataclass(frozen=True)
class Similarity:
    jaccard: float
    containment: float


@dataclass(frozen=True)
class Placement:
    """Why an article belongs to its story: the verified pair that placed it
    (not :class:`storydiff.align.Link`, which links paragraphs)."""

    partner: str
    partner_path: str
    jaccard: float
    containment: float
    shared_paragraphs: int


@dataclass(frozen=True)
class Member:
    article: Article
    similarity_to_first: Similarity | None
    linked_by: Placement | None


@dataclass(frozen=True)
class Cluster:
    id: str
    label: str
    order_source: str
    members: tuple[Member, ...]

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(m.article for m in self.members)


@dataclass(frozen=True)
class Clustering:
    params: ClusterParams
    clusters: tuple[Cluster, ...]


# --- shingles in parallel --------------------------------------------------------
# The kernels release the GIL, so threads share the articles and the arrays
# without pickling them to worker processes and back.


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
    return Shingled(*concatenate_sets(parts, workers))


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


# --- linking ---------------------------------------------------------------------

_NO_TIME = datetime.min.replace(tzinfo=timezone.utc)


def version_key(article: Article) -> tuple[object, ...]:
    """Which of two articles is the older, from the articles alone (never from
    load order, so that ingest order cannot change a verdict)."""
    time = article.modified or article.published
    return (time is None, time or _NO_TIME, _filename_key(article), article.id)


def canonical_ranks(articles: Sequence[Article]) -> list[int]:
    """A tie-break order that depends only on the articles themselves."""
    order = sorted(range(len(articles)), key=lambda i: (articles[i].id, articles[i].path, articles[i].position))
    ranks = [0] * len(articles)
    for rank, i in enumerate(order):
        ranks[i] = rank
    return ranks


@dataclass(frozen=True)
class Edge:
    a: int
    b: int
    similarity: Similarity
    shared: int

    @property
    def strength(self) -> tuple[float, float]:
        return (self.similarity.containment, self.similarity.jaccard)


def similar_pairs(shingled: Shingled, pairs: np.ndarray, params: ClusterParams) -> list[Edge]:
    """Candidate pairs that pass the similarity floors (not yet the template
    guard), with the similarities :meth:`Shingled.similarity` gives."""
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
    keep = (shared >= params.min_shared) & ((jaccard >= params.min_jaccard) | (containment >= params.min_containment))
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


def _shared_shingles(shingled: Shingled, left: np.ndarray, right: np.ndarray, workers: int) -> np.ndarray:
    from . import kernels

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


#: Runs the template guard on edges that need it; returns those that pass.
Judge = Callable[[list[Edge]], list[Edge]]


@dataclass(frozen=True)
class StoryOrder:
    """One story's versions oldest first, what decided that order, and the
    edge placing each later version (``placed_by[i]`` places ``versions[i + 1]``)."""

    versions: list[Article]
    source: str
    placed_by: list[Edge | None]


@dataclass(frozen=True)
class Settled:
    """What :func:`settled_links` decided."""

    components: list[list[int]]
    edges: list[Edge]
    #: For each component of several articles (by its first member): its
    #: order. Settling needs them to find the deciding edges; :func:`assemble`
    #: reuses them instead of ordering every story again.
    orders: dict[int, StoryOrder]


def settled_links(
    articles: Sequence[Article],
    similar: list[Edge],
    shingled: Shingled,
    params: ClusterParams,
    ranks: Sequence[int],
    judge: Judge | None = None,
) -> Settled:
    """Components and edges as :func:`link_components` makes them from the
    guarded edges (:func:`guarded_edges`), with the costly template guard run
    only on the edges whose verdict decides something.

    Edges not yet judged count as passing. Those that joined two groups or
    place a version in its story are judged (all at once, on every worker),
    and grouping reruns without the rejected ones until every deciding edge
    has passed. An edge never judged then joined nothing and placed nothing,
    so dropping it would change nothing: the result is the one every edge
    judged would give, for about a quarter of the guard's work at 100k articles.
    ``judge`` runs the guard (default: :func:`guarded_edges`, on this
    machine's workers)."""
    run_guard = judge or (lambda edges: guarded_edges(articles, edges, params))
    verdicts: dict[tuple[int, int], bool] = {}
    while True:
        edges = [e for e in similar if verdicts.get((e.a, e.b), True)]
        components, joins = _link(len(articles), edges, shingled, params, ranks)
        grouped = [members for members in components if len(members) > 1]
        drafts = [order_versions([articles[i] for i in members], params.order_by) for members in grouped]
        placements = _best_links(articles, [ordered for ordered, _ in drafts], _by_pair(edges), ranks)
        placing = [e for links in placements for e in links if e is not None]
        open_edges = list({(e.a, e.b): e for e in joins + placing if needs_guard(e) and (e.a, e.b) not in verdicts}.values())
        orders = {
            members[0]: StoryOrder(ordered, source, links)
            for members, (ordered, source), links in zip(grouped, drafts, placements, strict=True)
        }
        settled = Settled(components, edges, orders)
        if not open_edges:
            return settled
        passed = {(e.a, e.b) for e in run_guard(open_edges)}
        if len(passed) == len(open_edges):
            return settled  # nothing rejected: another round would decide the same
        verdicts.update(((e.a, e.b), (e.a, e.b) in passed) for e in open_edges)


def connected_parts(nodes: Sequence[int], links: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The connected parts of the link graph, each sorted (no linking rules),
    in the order of their first node in ``nodes``."""
    sets = UnionFind(nodes)
    for a, b in links:
        sets.union(a, b)
    parts: dict[int, list[int]] = {}
    for node in nodes:
        parts.setdefault(sets.find(node), []).append(node)
    return [sorted(part) for part in parts.values()]


def is_weak(edge: Edge, params: ClusterParams) -> bool:
    """A link that may only join groups whose members all overlap a little
    (the one place where grouping reads shingle sets)."""
    strong = max(0.5, params.min_containment * 2)
    return edge.similarity.containment < strong and edge.similarity.jaccard < strong


def link_components(n: int, edges: list[Edge], shingled: Shingled, params: ClusterParams, ranks: Sequence[int]) -> list[list[int]]:
    """Connected components, strongest links first, where a weak link may only
    join two groups whose members all overlap a little: that stops a chain
    A-B-C from merging stories A and C that share nothing.

    Ties break on ``ranks`` (see :func:`canonical_ranks`), so the result for
    each connected part of the edge graph depends on that part alone: an
    archive index recomputes only the part a new article touches."""
    return _link(n, edges, shingled, params, ranks)[0]


def _link(n: int, edges: list[Edge], shingled: Shingled, params: ClusterParams, ranks: Sequence[int]) -> tuple[list[list[int]], list[Edge]]:
    """:func:`link_components`, and the edges that joined two groups."""
    components = UnionFind(range(n))
    joins: list[Edge] = []
    floor = params.min_containment * 0.4
    for edge in strongest_first(edges, ranks):
        ra, rb = components.find(edge.a), components.find(edge.b)
        if ra == rb:
            continue
        if is_weak(edge, params):
            left = sorted(components.members[ra], key=ranks.__getitem__)[:20]
            right = sorted(components.members[rb], key=ranks.__getitem__)[:20]
            if any(shingled.similarity(x, y)[0].containment < floor for x in left for y in right):
                continue
        components.union(edge.a, edge.b)
        joins.append(edge)
    return [sorted(members) for members in components.groups()], joins


def strongest_first(edges: Sequence[Edge], ranks: Sequence[int]) -> list[Edge]:
    """``edges`` by strength, strongest first; ties by the ranks of their
    ends, the lower rank first, then the higher. One stable sort of key
    columns in numpy, where a key function took 0.3 s at 100k articles."""
    if len(edges) < 2:
        return list(edges)
    rank_of = np.asarray(ranks, np.int64)
    ends_a = rank_of[np.fromiter((e.a for e in edges), np.int64, len(edges))]
    ends_b = rank_of[np.fromiter((e.b for e in edges), np.int64, len(edges))]
    containment = np.fromiter((e.similarity.containment for e in edges), np.float64, len(edges))
    jaccard = np.fromiter((e.similarity.jaccard for e in edges), np.float64, len(edges))
    # lexsort reads its last key first.
    order = np.lexsort((np.maximum(ends_a, ends_b), np.minimum(ends_a, ends_b), -jaccard, -containment))
    return [edges[i] for i in order.tolist()]


# --- order and assembly -------------------------------------------------------


def _round(value: float) -> float:
    return round(value, 4)


def _cluster_id(oldest: Article, taken: set[str]) -> str:
    candidate = "s" + oldest.id[:12]
    if candidate in taken:
        candidate = "s" + hashlib.sha256((oldest.id + oldest.path).encode()).hexdigest()[:12]
    taken.add(candidate)
    return candidate


def _shared_chunk(articles: Sequence[Article], pairs: list[tuple[int, int]]) -> list[int]:
    # Each article's paragraphs folded once for the chunk, in compiled code.
    needed = sorted({index for pair in pairs for index in pair})
    lowered = dict(zip(needed, lowered_contents([articles[index].paragraphs for index in needed]), strict=True))
    return [shared_lowered(lowered[a], lowered[b]) for a, b in pairs]


def _shared_counts(articles: Sequence[Article], pairs: list[tuple[int, int]], workers: int) -> list[int]:
    """Shared paragraphs of each (partner, member) pair: in bulk on every
    worker when many, else pair by pair (which needs no tables built)."""
    if len(pairs) < 4000:
        return [shared_paragraphs(articles[a].paragraphs, articles[b].paragraphs) for a, b in pairs]
    normalised_tables(lower=True)  # built here, not once in every worker
    chunks = [pairs[i : i + 1000] for i in range(0, len(pairs), 1000)]
    return [count for chunk in forked_map(_shared_chunk, articles, chunks, workers) for count in chunk]


def _story_orders(
    articles: Sequence[Article],
    components: list[list[int]],
    by_pair: dict[tuple[int, int], Edge],
    params: ClusterParams,
    ranks: Sequence[int],
    orders: Mapping[int, StoryOrder],
) -> list[StoryOrder]:
    """Each component's order, in the order the clusters are reported.
    ``orders`` holds some of them already (see :class:`Settled`)."""
    known = [orders.get(members[0]) if len(members) > 1 else None for members in components]
    missing = [members for members, found in zip(components, known, strict=True) if found is None]
    made = [order_versions([articles[i] for i in members], params.order_by) for members in missing]
    fresh = iter(
        StoryOrder(ordered, source, links)
        for (ordered, source), links in zip(made, _best_links(articles, [ordered for ordered, _ in made], by_pair, ranks), strict=True)
    )
    stories = [found if found is not None else next(fresh) for found in known]
    stories.sort(key=lambda story: (len(story.versions) == 1, _filename_key(story.versions[0]), story.versions[0].id))
    return stories


def _by_pair(edges: list[Edge]) -> dict[tuple[int, int], Edge]:
    """Each edge under (a, b) and (b, a)."""
    by_pair: dict[tuple[int, int], Edge] = {}
    for edge in edges:
        by_pair[(edge.a, edge.b)] = by_pair[(edge.b, edge.a)] = edge
    return by_pair


def _best_links(
    articles: Sequence[Article], stories: list[list[Article]], by_pair: dict[tuple[int, int], Edge], ranks: Sequence[int]
) -> list[list[Edge | None]]:
    """For every later version of each story (oldest first), the edge that
    places it: the strongest to an earlier version, else the strongest in
    its story."""
    index_of = {id(a): i for i, a in enumerate(articles)}
    out: list[list[Edge | None]] = []
    for ordered in stories:
        members = [index_of[id(a)] for a in ordered]
        links: list[Edge | None] = []
        for position, me in enumerate(members[1:], 1):
            options = [by_pair[(me, o)] for o in members[:position] if (me, o) in by_pair] or [
                by_pair[(me, o)] for o in members if (me, o) in by_pair
            ]
            links.append(max(options, key=lambda e: (e.strength, -min(ranks[e.a], ranks[e.b]))) if options else None)
        out.append(links)
    return out


def assemble(
    articles: Sequence[Article],
    components: list[list[int]],
    edges: list[Edge],
    shingled: Shingled,
    params: ClusterParams,
    ranks: Sequence[int],
    orders: Mapping[int, StoryOrder] | None = None,
) -> tuple[Cluster, ...]:
    """The clusters of ``components``, in report order. Each edge carries the
    similarity of its pair's shingle sets, as :func:`similar_pairs` measures it.
    ``orders``: what :func:`settled_links` already decided for these
    components and edges (:attr:`Settled.orders`)."""
    by_pair = _by_pair(edges)
    stories = _story_orders(articles, components, by_pair, params, ranks, orders or {})
    index_of = {id(a): i for i, a in enumerate(articles)}
    # First the link of every later version, then the (costly) shared-paragraph
    # counts for all of them at once, then the clusters.
    placed: list[list[tuple[int, Similarity | None, Edge | None]]] = []
    for story in stories:
        first = index_of[id(story.versions[0])]
        rows: list[tuple[int, Similarity | None, Edge | None]] = [(first, None, None)]
        for article, best in zip(story.versions[1:], story.placed_by, strict=True):
            me = index_of[id(article)]
            # An edge's similarity is the one computed here (symmetric, from the same sets).
            known = by_pair.get((first, me))
            with_first = known.similarity if known is not None else shingled.similarity(first, me)[0]
            rows.append((me, Similarity(_round(with_first.jaccard), _round(with_first.containment)), best))
        placed.append(rows)
    wanted = [(best.b if best.a == me else best.a, me) for rows in placed for me, _, best in rows if best is not None]
    shared = dict(zip(wanted, _shared_counts(articles, wanted, params.workers or default_workers()), strict=True))
    taken: set[str] = set()
    clusters: list[Cluster] = []
    for story, rows in zip(stories, placed, strict=True):
        out: list[Member] = []
        for me, to_first, best in rows:
            link = None
            if best is not None:
                partner_index = best.b if best.a == me else best.a
                partner = articles[partner_index]
                link = Placement(
                    partner=partner.id,
                    partner_path=partner.path,
                    jaccard=_round(best.similarity.jaccard),
                    containment=_round(best.similarity.containment),
                    shared_paragraphs=shared[(partner_index, me)],
                )
            out.append(Member(articles[me], to_first, link))
        clusters.append(Cluster(_cluster_id(story.versions[0], taken), story.versions[-1].headline, story.source, tuple(out)))
    return tuple(clusters)


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
    pairs = rare_pairs_from_rows(
        keys,
        max_bucket=params.max_bucket,
        rare_bucket=params.rare_bucket,
        rare_share=params.rare_share,
        workers=params.workers or default_workers(),
    )
    del keys  # the key rows are a few hundred MB at 100k articles; grouping does not read them
    report("verify", 0, len(pairs))
    similar = similar_pairs(shingled, pairs, params)
    report("group", 0, len(similar))
    ranks = canonical_ranks(articles)
    settled = settled_links(articles, similar, shingled, params, ranks)
    report("assemble", 0, len(settled.components))
    return Clustering(params, assemble(articles, settled.components, settled.edges, shingled, params, ranks, settled.orders))
