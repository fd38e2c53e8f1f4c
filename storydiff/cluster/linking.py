"""Linking: verified edges joined strongest first into stories, and the guard run where it decides."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..model import Article
from ..order import order_versions
from ..unionfind import UnionFind
from .params import ClusterParams
from .records import Edge, Judge, Settled, StoryOrder
from .shingling import Shingled
from .verification import guarded_edges, needs_guard


def canonical_ranks(articles: Sequence[Article]) -> list[int]:
    """A tie-break order that depends only on the articles themselves."""
    order = sorted(range(len(articles)), key=lambda i: (articles[i].id, articles[i].path, articles[i].position))
    ranks = [0] * len(articles)
    for rank, i in enumerate(order):
        ranks[i] = rank
    return ranks


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
