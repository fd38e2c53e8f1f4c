"""The compact paragraph store behaves exactly like the tuple it replaces."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storydiff.model import Article
from storydiff.text import KINDS, Paragraph, Paragraphs, content_text

# Any text a feed can carry, lone surrogates from JSON escapes included.
TEXT = st.text(st.characters(blacklist_categories=()), max_size=40)
PARAGRAPH_LISTS = st.lists(st.tuples(st.sampled_from(KINDS), TEXT), max_size=12).map(
    lambda rows: tuple(Paragraph(i, kind, text) for i, (kind, text) in enumerate(rows))
)


@given(PARAGRAPH_LISTS)
def test_reads_back_what_it_was_given(paragraphs: tuple[Paragraph, ...]) -> None:
    packed = Paragraphs(paragraphs)
    assert tuple(packed) == paragraphs
    assert len(packed) == len(paragraphs)
    assert [packed[i] for i in range(-len(paragraphs), len(paragraphs))] == list(paragraphs) * 2
    assert packed[1:3] == paragraphs[1:3]
    assert packed == paragraphs and packed == Paragraphs(paragraphs)
    assert hash(packed) == hash(paragraphs)  # equal objects, equal hashes
    assert packed.content_texts() == tuple(p.text for p in paragraphs if p.is_content)
    assert packed.kinds() == tuple(p.kind for p in paragraphs)
    assert content_text(packed) == content_text(paragraphs)


@given(PARAGRAPH_LISTS)
def test_survives_pickling(paragraphs: tuple[Paragraph, ...]) -> None:
    packed = Paragraphs(paragraphs)
    restored = pickle.loads(pickle.dumps(packed))
    assert restored == packed and hash(restored) == hash(packed)
    assert tuple(restored) == paragraphs


@given(PARAGRAPH_LISTS, PARAGRAPH_LISTS)
def test_equal_only_when_the_paragraphs_are(one: tuple[Paragraph, ...], other: tuple[Paragraph, ...]) -> None:
    assert (Paragraphs(one) == Paragraphs(other)) == (one == other)


def test_out_of_range_index_raises_like_a_tuple() -> None:
    packed = Paragraphs([Paragraph(0, "body", "Only one.")])
    with pytest.raises(IndexError):
        packed[1]


def test_articles_hold_paragraphs_compactly_and_compare_by_content() -> None:
    rows = (Paragraph(0, "headline", "Harbour"), Paragraph(1, "body", "The harbour \u201cworks\u201d."))
    article = Article("a.txt", rows)
    assert isinstance(article.paragraphs, Paragraphs)
    assert article == Article("a.txt", Paragraphs(rows))
    assert article.body == "The harbour \u201cworks\u201d."


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([Paragraph(1, "body", "x")], "paragraph 0 has index 1; paragraphs are numbered from 0 in order"),
        ([Paragraph(0, "lede", "x")], "paragraph 0 has kind 'lede'"),
    ],
)
def test_bad_paragraphs_are_named(rows: list[Paragraph], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Paragraphs(rows)


@given(st.lists(st.text(min_size=1), max_size=6), st.none() | st.text())
def test_loaders_ids_are_the_ids_of_the_paragraphs_they_build(blocks: list[str], headline: str | None) -> None:
    """Loaders take the id from the texts they hold (corpus._paragraphs):
    the hash of the normalised body, as it was defined on the paragraphs."""
    import hashlib

    from storydiff.corpus.base import _paragraphs
    from storydiff.text import build_paragraphs, normalise

    paragraphs, article_id = _paragraphs(blocks, headline)
    assert paragraphs == build_paragraphs(blocks, headline)
    body = normalise(content_text(paragraphs)) or "\x00" + normalise("\n".join(p.text for p in paragraphs))
    assert article_id == hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    assert Article("x", paragraphs).id == article_id


@given(PARAGRAPH_LISTS, st.sampled_from(["", "0123456789abcdef"]), st.none() | st.sampled_from(["https://example.org/a", "wire"]))
def test_articles_survive_pickling_field_for_field(paragraphs: tuple[Paragraph, ...], given_id: str, optional: str | None) -> None:
    from dataclasses import fields
    from datetime import datetime, timezone

    when = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
    article = Article("feed.jsonl:7", paragraphs, "Head", when, None, optional, optional, optional, 7, given_id)
    restored = pickle.loads(pickle.dumps(article))
    # id does not take part in ==, so compare every field, id included.
    assert [getattr(restored, f.name) for f in fields(Article)] == [getattr(article, f.name) for f in fields(Article)]
