"""Paragraph links and reuse numbers on rewrites: excerpts, condensed and gathered paragraphs."""

from __future__ import annotations

from conftest import FIXTURES

from storydiff.align import align
from storydiff.corpus import load

REUSE = FIXTURES / "reuse"


def _align(name: str):  # type: ignore[no-untyped-def]
    old, new = load([str(REUSE / "source.txt"), str(REUSE / f"{name}.txt")]).articles
    return align(old, new)


def _links(result) -> set[tuple[str, tuple[int, ...], tuple[int, ...]]]:  # type: ignore[no-untyped-def]
    return {(link.op, link.old, link.new) for link in result.links if link.old and link.new}


def test_an_excerpt_links_to_the_paragraph_it_was_cut_from() -> None:
    result = _align("excerpt")
    assert _links(result) == {("edited", (2,), (1,))}
    assert result.summary.reuse_of_new > 0.3


def test_a_condensed_paraphrase_links_to_its_source_paragraph() -> None:
    result = _align("condensed")
    assert _links(result) == {("edited", (3,), (1,))}
    assert result.summary.reuse_of_new > 0.2


def test_a_paragraph_gathered_from_three_non_consecutive_ones_is_a_merge() -> None:
    result = _align("gathered")
    assert _links(result) == {("merged", (1, 5, 7), (1,))}
    assert result.summary.reuse_of_new > 0.9


def test_an_unrelated_article_on_the_same_topic_reuses_nearly_nothing() -> None:
    result = _align("unrelated")
    assert _links(result) == set()
    assert result.summary.reuse_of_new < 0.05
    assert all(not link.shares_with for link in result.links)


def test_reuse_counts_words_of_unlinked_paragraphs_and_names_where_they_came_from(tmp_path) -> None:
    """A rewrite whose paragraphs do not link still shows the words it reused."""
    rewrite = tmp_path / "rewrite.txt"
    rewrite.write_text(
        "Harbour closed\n\n"
        "Traders along the seafront spent Wednesday counting the cost of a night nobody in the town will forget soon, "
        "after the evacuation of more than 300 dock workers from the quays, and many of them said the "
        "disruption would last for weeks. Some vessels were diverted to the deep-water terminal at Port Ellis, "
        "while others simply waited offshore for news, their crews watching the smoke from the decks.\n",
        encoding="utf-8",
    )
    old, new = load([str(REUSE / "source.txt"), str(rewrite)]).articles
    result = align(old, new)
    assert _links(result) == set()
    added = [link for link in result.links if link.op == "added" and link.new == (1,)]
    assert added[0].shares_with == (1, 6)
    assert 0.1 < result.summary.reuse_of_new < 0.3
    assert 0.05 < result.summary.coverage_of_old < 0.2
