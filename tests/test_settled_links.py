"""Judging only the deciding edges gives the clusters that judging every edge gives."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storydiff.cluster import ClusterParams, Edge, Similarity, assemble, canonical_ranks, link_components, settled_links, shingle_articles
from storydiff.cluster import verification as cluster
from storydiff.model import Article
from storydiff.text import build_paragraphs

WORDS = ["harbour", "council", "vote", "rain", "bridge", "school", "budget", "police", "road", "station", "river", "market"]


def _articles(n: int, seed: int) -> list[Article]:
    rng = random.Random(seed)
    # A few shared paragraphs so that shingle overlaps (read by weak links) vary.
    pool = [" ".join(rng.choice(WORDS) for _ in range(12)) + "." for _ in range(6)]
    return [Article(f"story/{i:02d}.txt", build_paragraphs(rng.sample(pool, 3), f"Headline {i}"), position=i) for i in range(n)]


EDGE = st.tuples(st.integers(0, 11), st.integers(0, 11), st.floats(0.05, 1.0), st.floats(0.05, 1.0), st.booleans())


@settings(max_examples=300, deadline=None)
@given(st.lists(EDGE, max_size=30), st.integers(0, 3))
def test_lazy_guard_equals_guarding_every_edge(rows: list[tuple[int, int, float, float, bool]], seed: int) -> None:
    articles = _articles(12, seed)
    params = ClusterParams(workers=1)
    shingled = shingle_articles(articles, params)
    ranks = canonical_ranks(articles)
    similar, rejected = [], set()
    seen = set()
    for a, b, containment, jaccard, is_template in rows:
        if a == b or (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        similar.append(Edge(min(a, b), max(a, b), Similarity(min(jaccard, containment), containment), 10))
        if is_template:
            rejected.add((articles[a].path, articles[b].path))
            rejected.add((articles[b].path, articles[a].path))

    def template(one: Article, other: Article, _: ClusterParams) -> bool:
        return (one.path, other.path) in rejected

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cluster, "is_template_pair", template)
        every = [e for e in similar if not (cluster.needs_guard(e) and template(articles[e.a], articles[e.b], params))]
        expected_components = link_components(len(articles), every, shingled, params, ranks)
        settled = settled_links(articles, similar, shingled, params, ranks)
    components, edges = settled.components, settled.edges
    assert sorted(components) == sorted(expected_components)
    # Similarities here are drawn at random, not from the shingles, so only
    # what settling decides is compared: each story's versions and the link
    # that places each (similarity to the first version reads edges as the
    # shingle similarity they always are).
    lazy = assemble(articles, components, edges, shingled, params, ranks)
    full = assemble(articles, expected_components, every, shingled, params, ranks)
    assert [[(m.article.path, m.linked_by) for m in c.members] for c in lazy] == [
        [(m.article.path, m.linked_by) for m in c.members] for c in full
    ]
    # What settling decided on the way is what assembly decides again.
    assert assemble(articles, components, edges, shingled, params, ranks, settled.orders) == lazy
