"""Article ids in bulk (storydiff.ids) against article_id, on any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from storydiff import ids
from storydiff.model import article_id
from storydiff.signature import composition_seconds
from storydiff.text import KINDS, Paragraphs

# Pieces that normalising treats specially, among plain words: quotes and
# dashes and what they fold to, dash runs, invisible characters, white space
# of every kind, compatibility forms, combining marks after the letters they
# compose with, Hangul jamo that compose, lone surrogates, astral characters.
PIECES = [
    *"-‐‑‒–—―−`'\"‘’‚‛′″´“”„‟«»…ﬁ½㎏①Ⅻ\x00\x7f\ud800\U0001f600",
    *["--", "---", "-\u00ad-", "- -", "\u00ad", "\u200b", "\ufeff"],
    *[" ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u1680", "\u2000", "\u2028", "\u202f", "\u3000"],
    *["e\u0301", "a\u0308", "\u0301", "o\u0323\u0302", "\u1100\u1161", "\u1100\u1161\u11a8", "가\u11a8", "ㄱㅏ", "\u0b47\u0b3e", "\u0f73"],
    *["word", "News", "42", "café", "Zürich", ",", "."],
]
TEXT = st.lists(st.sampled_from(PIECES) | st.characters(blacklist_categories=()), max_size=12).map("".join)
CONTENT_MOSTLY = st.sampled_from(["body", "body", "body", "quote", *KINDS])
STORES = st.lists(st.tuples(TEXT, CONTENT_MOSTLY), max_size=6).map(
    lambda rows: Paragraphs.from_texts([text for text, _ in rows], [kind for _, kind in rows])
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(STORES, max_size=5))
def test_bulk_ids_are_article_ids(stores: list[Paragraphs]) -> None:
    assert ids.BodyIds()(stores) == [article_id(store) for store in stores]


def test_the_kernel_takes_the_usual_news_characters() -> None:
    """Bodies of quotes, dashes, accents and currency take the compiled
    path (a body it cannot map would still get the right id, slowly)."""
    text = "“Café—déjà vu,” said O’Neill – £5 or €6… ﬁnally ½ price.\u00a0Done -- twice --- thrice."
    store = Paragraphs.from_texts(["Headline", text, "Second  paragraph\twith tabs `ticks`."], ["headline", "body", "quote"])
    table, _ = ids.tables()
    assert all(table[ord(c)] != 0xFFFFFFFF for c in text)
    assert ids.BodyIds()([store]) == [article_id(store)]


def test_no_ascii_character_composes_with_the_one_before() -> None:
    """The kernel copies ASCII without asking the table."""
    assert not [code for code in composition_seconds() if code < 0x80]
