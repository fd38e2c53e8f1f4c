"""Normalised text in bulk (storydiff.normalised) against the Python
definitions, on any text: article ids and lower-cased body paragraphs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_backends import on_both_backends

from storydiff import normalised
from storydiff.cluster.assembly import _shared_chunk
from storydiff.model import Article, article_id
from storydiff.signature import composition_seconds
from storydiff.text import KINDS, Paragraphs, content_texts, normalise
from storydiff.verify import shared_paragraphs

# Pieces that normalising treats specially, among plain words: quotes and
# dashes and what they fold to, dash runs, invisible characters, white space
# of every kind, compatibility forms, combining marks after the letters they
# compose with, Hangul jamo that compose, lone surrogates, astral characters.
PIECES = [
    *"-‐‑‒–—―−`'\"‘’‚‛′″´“”„‟«»…ﬁ½㎏①Ⅻ\x00\x7f\ud800\U0001f600",
    *["--", "---", "-\u00ad-", "- -", "\u00ad", "\u200b", "\ufeff"],
    *[" ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u1680", "\u2000", "\u2028", "\u202f", "\u3000"],
    *["e\u0301", "a\u0308", "\u0301", "o\u0323\u0302", "\u1100\u1161", "\u1100\u1161\u11a8", "가\u11a8", "ㄱㅏ", "\u0b47\u0b3e", "\u0f73"],
    *["word", "News", "42", "café", "Zürich", ",", ".", "ΟΔΟΣ", "ΣΟΦΙΑ", "İstanbul", "ǅ", "ẞ", "Ω", "K"],
]
TEXT = st.lists(st.sampled_from(PIECES) | st.characters(blacklist_categories=()), max_size=12).map("".join)
CONTENT_MOSTLY = st.sampled_from(["body", "body", "body", "quote", *KINDS])
STORES = st.lists(st.tuples(TEXT, CONTENT_MOSTLY), max_size=6).map(
    lambda rows: Paragraphs.from_texts([text for text, _ in rows], [kind for _, kind in rows])
)


@on_both_backends
@pytest.mark.slow
@settings(max_examples=1000, deadline=None)
@given(st.lists(STORES, max_size=5))
def test_bulk_ids_are_article_ids(stores: list[Paragraphs]) -> None:
    assert normalised.BodyIds()(stores) == [article_id(store) for store in stores]


def test_the_kernel_takes_the_usual_news_characters() -> None:
    """Bodies of quotes, dashes, accents and currency take the compiled
    path (a body it cannot map would still get the right id, slowly)."""
    text = "“Café—déjà vu,” said O’Neill – £5 or €6… ﬁnally ½ price.\u00a0Done -- twice --- thrice."
    store = Paragraphs.from_texts(["Headline", text, "Second  paragraph\twith tabs `ticks`."], ["headline", "body", "quote"])
    table, _ = normalised.tables()
    assert all(table[ord(c)] != 0xFFFFFFFF for c in text)
    assert normalised.BodyIds()([store]) == [article_id(store)]


def test_no_ascii_character_composes_with_the_one_before() -> None:
    """The kernel copies ASCII without asking the table."""
    assert not [code for code in composition_seconds() if code < 0x80]


@on_both_backends
@pytest.mark.slow
@settings(max_examples=1000, deadline=None)
@given(st.lists(STORES, max_size=5))
def test_bulk_lowered_paragraphs_are_normalise_lower(stores: list[Paragraphs]) -> None:
    assert normalised.lowered_contents(stores) == [[normalise(text).lower() for text in content_texts(store)] for store in stores]


@on_both_backends
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(["The Port reopened.", "the port reopened!", "Ships “queued” – 40 of them.", "Ships queued: 41 of them."])
            | TEXT,
            max_size=5,
        ),
        min_size=2,
        max_size=5,
    ),
    st.data(),
)
def test_bulk_shared_counts_are_the_pair_by_pair_counts(bodies: list[list[str]], data: st.DataObject) -> None:
    articles = [Article(f"{i}.txt", Paragraphs.from_texts(body, ["body"] * len(body))) for i, body in enumerate(bodies)]
    pairs = data.draw(st.lists(st.tuples(st.integers(0, len(articles) - 1), st.integers(0, len(articles) - 1)), max_size=8))
    assert _shared_chunk(articles, pairs) == [shared_paragraphs(articles[a].paragraphs, articles[b].paragraphs) for a, b in pairs]


TEMPLATE = [
    "A magnitude {n}.{m} earthquake struck near {place} on {day}, the {agency} said.",
    "The quake hit at a depth of {n}0 km, {m} km from {place}.",
    "There were no immediate reports of damage, {agency} officials said.",
    "Residents of {place} felt strong shaking for {n} seconds.",
]
FILLS = st.fixed_dictionaries(
    {
        "n": st.integers(1, 9),
        "m": st.integers(0, 9),
        "place": st.sampled_from(["Lima", "Quito", "Osaka", "Izmir", "Napa"]),
        "day": st.sampled_from(["Monday", "Friday"]),
        "agency": st.sampled_from(["USGS", "EMSC", "GFZ"]),
    }
)


@on_both_backends
@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(FILLS, st.lists(st.integers(0, 3), min_size=1, max_size=6)), min_size=2, max_size=5), st.data())
def test_bulk_template_guard_gives_the_pair_by_pair_verdicts(reports: list, data: st.DataObject) -> None:
    from storydiff.cluster import ClusterParams, Edge, Similarity
    from storydiff.cluster.verification import _guard_chunk, _unguarded

    articles = [
        Article(f"{i}.txt", Paragraphs.from_texts([TEMPLATE[k].format(**fill) for k in order], ["body"] * len(order)))
        for i, (fill, order) in enumerate(reports)
    ]
    pairs = data.draw(st.lists(st.tuples(st.integers(0, len(articles) - 1), st.integers(0, len(articles) - 1)), min_size=1, max_size=8))
    edges = [Edge(a, b, Similarity(0.5, data.draw(st.sampled_from([0.5, 0.95]))), 10) for a, b in pairs if a != b]
    params = ClusterParams()
    assert _guard_chunk((articles, params), edges) == _unguarded(articles, edges, params)
