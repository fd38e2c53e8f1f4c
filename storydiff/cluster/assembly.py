"""Assembly: each story ordered oldest first, each later version placed by its strongest link."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from ..model import Article
from ..normalised import lowered_contents
from ..normalised import tables as normalised_tables
from ..order import _filename_key, order_versions
from ..signature import default_workers
from ..verify import (
    shared_lowered,
    shared_paragraphs,
)
from ..workers import forked_map
from .linking import _best_links, _by_pair
from .params import ClusterParams
from .records import Cluster, Edge, Member, Placement, Similarity, StoryOrder
from .shingling import Shingled


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
