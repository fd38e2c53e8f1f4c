from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st
from storyfiles import write_reuse

from storydiff.cluster import ClusterParams, cluster_articles
from storydiff.corpus import load
from storydiff.model import Article
from storydiff.order import order_versions
from storydiff.text import build_paragraphs

SENTENCES = [
    "The regional water board approved a plan to rebuild the Harwick dam on Monday.",
    "Engineers found cracks in the spillway during an inspection in March last year.",
    "The work will cost about 40 million pounds and take three summers to finish.",
    "Residents downstream were told there was no immediate danger to their homes.",
    "Board chair Miriam Coldwell said the decision had been delayed for far too long.",
    "Local farmers asked for guarantees that irrigation would continue during the work.",
    "A public meeting about the timetable is planned at the village hall next week.",
    "The last major repair of the dam was carried out more than thirty years ago.",
]
OTHER = [
    "A new bakery has opened on the corner of Mill Street, selling sourdough and rye.",
    "Its owner trained in Lyon and says she wants to bring slow fermentation to town.",
    "Queues formed before dawn on the first morning, and the shelves were empty by ten.",
    "The shop plans to offer baking classes for children during the school holidays.",
]


def article(path: str, headline: str, body: list[str], position: int = 0, **times: datetime) -> Article:
    return Article(path=path, paragraphs=build_paragraphs(body, headline), headline=headline, position=position, **times)


def test_seeds_are_one_story_oldest_first() -> None:
    clustering = cluster_articles(load([str(SEEDS)]).articles)
    assert len(clustering.clusters) == 1
    cluster = clustering.clusters[0]
    assert [m.article.path.rsplit("/", 1)[-1] for m in cluster.members] == ["000_32805d528c66c277.txt", "002_672c4604ee927781.txt"]
    assert cluster.order_source == "filename"
    link = cluster.members[1].linked_by
    assert link is not None and link.containment > 0.5 and link.shared_paragraphs >= 3


def test_every_article_in_exactly_one_cluster_and_ids_are_stable() -> None:
    articles = [
        article("a/v1.txt", "Dam to be rebuilt", SENTENCES[:6], 0),
        article("a/v2.txt", "Dam to be rebuilt, board says", SENTENCES, 1),
        article("b/bakery.txt", "Bakery opens", OTHER, 2),
    ]
    first = cluster_articles(articles)
    again = cluster_articles(list(reversed(articles)))
    assert sorted(len(c.members) for c in first.clusters) == [1, 2]
    assert {c.id for c in first.clusters} == {c.id for c in again.clusters}
    assert sorted(m.article.path for c in first.clusters for m in c.members) == sorted(a.path for a in articles)


def test_brief_expanded_into_feature_is_one_story() -> None:
    brief = article("brief.txt", "Dam plan", SENTENCES[:2], 0)
    feature_body = [SENTENCES[0], SENTENCES[1]] + [
        f"Paragraph {i} of new reporting about the landscape, the valley and its history, number {i}." for i in range(20)
    ]
    feature = article("feature.txt", "The long wait for the Harwick dam", feature_body, 1)
    assert len(cluster_articles([brief, feature]).clusters) == 1


def test_template_reports_with_different_names_and_figures_stay_apart() -> None:
    def quake(place: str, city: str, magnitude: str, km: str, depth: str, when: str) -> list[str]:
        return [
            f"A magnitude {magnitude} earthquake struck {km} kilometres north of {place} at {when} on Tuesday, according to the Seismic Service.",
            f"The earthquake occurred at a depth of {depth} kilometres. Its epicentre was about 40 kilometres from {city}, the nearest city.",
            "Did you feel it? The monitoring service asks people who felt shaking to report it on its website.",
            "This story was written by a computer program using data from the Seismic Service and was published without human review.",
        ]

    a = article("quake-a.txt", "Quake near Brannock", quake("Brannock", "Port Wendell", "4.2", "6", "11", "3:17 a.m."), 0)
    b = article("quake-b.txt", "Quake near Kilbracken", quake("Kilbracken", "Denholm Bay", "3.6", "14", "7", "9:42 p.m."), 1)
    assert len(cluster_articles([a, b]).clusters) == 2


def test_a_chain_of_weak_links_does_not_merge_two_stories() -> None:
    left = SENTENCES[:4]
    right = OTHER
    bridge_doc = article("bridge.txt", "Digest", left[:2] + right[:2], 1)
    a = article("a.txt", "Dam", left + [s.replace("dam", "weir") for s in SENTENCES[4:]], 0)
    b = article("b.txt", "Bakery", right + ["The bakery will also sell coffee from local roasters, it said."], 2)
    clusters = cluster_articles([a, bridge_doc, b], ClusterParams(min_containment=0.25)).clusters
    groups = [{m.article.path for m in c.members} for c in clusters]
    assert {"a.txt", "b.txt"} not in [g & {"a.txt", "b.txt"} for g in groups]


@pytest.mark.parametrize(
    "times,expected_order,source",
    [
        (
            {
                "v2": {"modified": datetime(2025, 1, 1, 9, tzinfo=timezone.utc)},
                "v1": {"modified": datetime(2025, 1, 1, 10, tzinfo=timezone.utc)},
            },
            ["v2", "v1"],
            "modified",
        ),
        (
            {
                "v2": {"published": datetime(2025, 1, 1, 9, tzinfo=timezone.utc)},
                "v1": {"published": datetime(2025, 1, 2, tzinfo=timezone.utc)},
            },
            ["v2", "v1"],
            "published",
        ),
        ({}, ["v1", "v2"], "filename"),
    ],
)
def test_version_order_sources(times: dict, expected_order: list[str], source: str) -> None:
    articles = [article(f"x/{name}.txt", name, SENTENCES, i, **times.get(name, {})) for i, name in enumerate(["v1", "v2"])]
    ordered, decided_by = order_versions(articles, "time")
    assert [a.headline for a in ordered] == expected_order
    assert decided_by == source


def test_order_by_given_uses_command_line_order(tmp_path: Path) -> None:
    articles = [article("z.txt", "z", SENTENCES, 0), article("a.txt", "a", SENTENCES, 1)]
    ordered, source = order_versions(articles, "given")
    assert [a.path for a in ordered] == ["z.txt", "a.txt"] and source == "given"


def test_parameters_are_checked_up_front() -> None:
    with pytest.raises(ValueError, match="min_jaccard must be between 0 and 1, got 1.5"):
        ClusterParams(min_jaccard=1.5)


def _grouping_document(articles: list[Article]) -> dict[str, object]:
    from storydiff.report import clusters_document

    return clusters_document(cluster_articles(articles, ClusterParams(workers=1)))


@settings(max_examples=15, deadline=None)
@given(st.permutations(range(7)))
def test_load_order_never_changes_the_clusters(order: list[int]) -> None:
    # Two stories that share a template sentence, a rewrite and a loner: the
    # order articles arrive in must not change a single byte of the result.
    pool = [
        article("a/v1.txt", "Dam to be rebuilt", SENTENCES[:6]),
        article("a/v2.txt", "Dam to be rebuilt, board says", SENTENCES),
        article("a/v3.txt", "Dam rebuild approved", SENTENCES[2:] + [OTHER[0]]),
        article("b/bakery.txt", "Bakery opens", OTHER),
        article("b/bakery-2.txt", "Bakery queues", OTHER[:3] + [SENTENCES[6]]),
        article("c/x.txt", "Unrelated", [OTHER[3], SENTENCES[7]]),
        article("c/y.txt", "Also unrelated", [SENTENCES[0]]),
    ]
    shuffled = [
        Article(**{**{f: getattr(pool[i], f) for f in ("path", "paragraphs", "headline")}, "position": n}) for n, i in enumerate(order)
    ]
    assert _grouping_document(shuffled) == _grouping_document(pool)


def test_a_wire_story_copied_thirty_times_is_one_story() -> None:
    # Syndication: every partner runs the same copy. A shingle in 31 articles
    # is not furniture when all 31 are the same story.
    copies = [article(f"partner-{n:02d}.txt", "Dam to be rebuilt", SENTENCES, n) for n in range(30)]
    copies.append(article("bakery.txt", "Bakery opens", OTHER, 30))
    clustering = cluster_articles(copies, ClusterParams(workers=1))
    assert sorted(len(c.members) for c in clustering.clusters) == [1, 30]


def test_rewrites_sharing_a_rare_passage_are_one_story_until_the_passage_is_common(tmp_path: Path) -> None:
    params = ClusterParams(reuse_bucket=3, workers=1)
    rewrites, carriers = write_reuse(tmp_path, carriers=2)
    [story] = cluster_articles(load([str(p) for p in rewrites]).articles, params).clusters
    placed = story.members[1].linked_by
    assert placed is not None and placed.containment < params.min_containment  # under the floor: linked on the passage
    # Three articles reusing one passage few others carry are one story...
    few = cluster_articles(load([str(p) for p in [*rewrites, carriers[0]]]).articles, params)
    assert [len(c.members) for c in few.clusters] == [3]
    # ...four (over reuse_bucket) share text others carry too: not a reused passage.
    many = cluster_articles(load([str(p) for p in rewrites + carriers]).articles, params)
    assert [len(c.members) for c in many.clusters] == [1] * 4


def test_text_many_articles_carry_counts_at_its_weight(tmp_path: Path) -> None:
    # A 250-word passage is over a third of each article: shared by two, it links them...
    params = ClusterParams(rare_bucket=2, reuse_bucket=2, workers=1)
    rewrites, carriers = write_reuse(tmp_path, carriers=5, words=250)
    [story] = cluster_articles(load([str(p) for p in rewrites]).articles, params).clusters
    placed = story.members[1].linked_by
    assert placed is not None and placed.containment >= params.min_containment
    # ...carried by seven (over twice rare_bucket), each of its passages weighs 1/4, and no two link.
    many = cluster_articles(load([str(p) for p in rewrites + carriers]).articles, params)
    assert [len(c.members) for c in many.clusters] == [1] * 7


def test_similarity_to_the_first_version_is_that_of_their_shingles() -> None:
    from storydiff.cluster import Similarity, shingle_articles

    articles = [
        article("a/v1.txt", "Dam to be rebuilt", SENTENCES[:5], 0),
        article("a/v2.txt", "Dam to be rebuilt, board says", SENTENCES[:7], 1),
        article("a/v3.txt", "Dam rebuild approved", SENTENCES[1:], 2),
    ]
    params = ClusterParams()
    shingled = shingle_articles(articles, params)
    (story,) = cluster_articles(articles, params).clusters
    first = articles.index(story.members[0].article)
    for member in story.members[1:]:
        computed, _ = shingled.similarity(first, articles.index(member.article))
        assert member.similarity_to_first == Similarity(round(computed.jaccard, 4), round(computed.containment, 4))


SCORES = st.sampled_from([0.0, -0.0, 0.25, 0.5, 0.5000001, 1.0])


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), SCORES, SCORES), max_size=30), st.permutations(range(6)))
def test_strongest_first_sorts_as_the_key_function_did(rows: list[tuple[int, int, float, float]], ranks: list[int]) -> None:
    from storydiff.cluster import Edge, Similarity, strongest_first

    edges = [Edge(a, b, Similarity(jaccard, containment), 0) for a, b, containment, jaccard in rows]

    def edge_order(e: Edge) -> tuple[float, float, int, int]:
        low, high = sorted((ranks[e.a], ranks[e.b]))
        return (-e.strength[0], -e.strength[1], low, high)

    assert [id(e) for e in strongest_first(edges, ranks)] == [id(e) for e in sorted(edges, key=edge_order)]


HOURS = st.none() | st.integers(0, 2).map(lambda hour: datetime(2025, 1, 1, hour, tzinfo=timezone.utc))


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(["a/2.txt", "a/10.txt", "b/1.txt", "1.txt"]), HOURS, HOURS), min_size=2, max_size=6))
def test_time_order_is_the_one_full_sort_keys_give(rows: list[tuple[str, datetime | None, datetime | None]]) -> None:
    from storydiff.order import _filename_key

    articles = [
        Article(path, build_paragraphs(SENTENCES, "H"), "H", published, modified, position=i)
        for i, (path, modified, published) in enumerate(rows)
    ]
    ordered, decided_by = order_versions(articles, "time")
    # The rules as first written: every key made in full.
    if all(a.modified for a in articles):
        expected = sorted(articles, key=lambda a: (a.modified, a.published or a.modified, _filename_key(a)))
    elif all(a.published for a in articles):
        expected = sorted(articles, key=lambda a: (a.published, _filename_key(a)))
    elif all(a.modified or a.published for a in articles):
        expected = sorted(articles, key=lambda a: (a.modified or a.published, _filename_key(a)))
    else:
        expected = sorted(articles, key=_filename_key)
    assert [a.position for a in ordered] == [a.position for a in expected]
