"""The template guard's fast paths against slow, obviously correct references."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from storydiff.verify import _anchor_flags, _tokens, slot_conflicts

TOKENS = [
    "The",
    "said.",
    "A1",
    "x",
    "Smith,",
    "(2019)",
    '"Yes!"',
    "ok?)",
    'end."',
    "١٢",
    "Ünter",
    "e.g.",
    "3.5",
    "U.S.",
    "x²",
    "’s",
    ".",
    "-",
]
_SENTENCE_END = re.compile(r"[.!?]\W*$")


def reference_flags(tokens: list[str]) -> list[bool]:
    flags = []
    sentence_start = True
    for token in tokens:
        if not token.isalpha() and any(ch.isdigit() for ch in token):
            flags.append(True)
        else:
            flags.append(token[:1].isupper() and not sentence_start)
        sentence_start = not token[-1:].isalnum() and bool(_SENTENCE_END.search(token))
    return flags


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS) | st.text(min_size=1, max_size=6).filter(lambda t: not any(c.isspace() for c in t)), max_size=15))
def test_anchor_flags_match_the_reference(tokens: list[str]) -> None:
    assert _anchor_flags(tokens) == reference_flags(tokens)


def test_swapped_names_and_figures_are_counted_as_swaps() -> None:
    old = ("Police in Leeds said 12 people were hurt when a bus hit a wall on Monday.",)
    new = ("Police in Bristol said 40 people were hurt when a bus hit a wall on Monday.",)
    evidence = slot_conflicts(old, new)
    assert (evidence.kept, evidence.swapped) == (1, 2)  # Monday kept; Leeds and 12 swapped (Police opens the sentence)


def test_edits_that_keep_the_names_are_not_swaps() -> None:
    old = ("Police in Leeds said 12 people were hurt when a bus hit a wall on Monday.",)
    new = ("Police in Leeds said 12 people were slightly hurt when a bus struck a wall on Monday.",)
    evidence = slot_conflicts(old, new)
    assert (evidence.kept, evidence.swapped) == (3, 0)  # Leeds, 12, Monday


FILLER = ["the", "council", "said", "that", "roads", "were", "closed", "after", "heavy", "rain", "overnight"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FILLER), min_size=8, max_size=20), st.data())
def test_one_replaced_name_is_one_swap_wherever_it_stands(filler: list[str], data: st.DataObject) -> None:
    at = data.draw(st.integers(1, len(filler)))
    name = data.draw(st.sampled_from(["Leeds", "Bristol", "Paris"]))
    old = " ".join(["the", *filler[:at], name, *filler[at:]]) + "."
    new = " ".join(["the", *filler[:at], "Zanzibar", *filler[at:]]) + "."
    evidence = slot_conflicts((old,), (new,))
    assert (evidence.kept, evidence.swapped) == (0, 1)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet="ab_1.,!\"()-'Zé—", min_size=1, max_size=6), max_size=12))
def test_bare_words_match_the_regex_reference(tokens: list[str]) -> None:
    _, words = _tokens(" ".join(tokens))
    assert list(words) == [re.sub(r"^\W+|\W+$", "", token) for token in tokens]


def reference_shared(old: list[str], new: list[str]) -> int:
    """New body paragraphs equal to an old one after folding, or 80 alike to one."""
    from rapidfuzz import fuzz

    from storydiff.text import normalise

    old_folded = [normalise(text).lower() for text in old]
    return sum(
        1 for text in (normalise(t).lower() for t in new) if text in old_folded or any(fuzz.ratio(text, o) >= 80 for o in old_folded)
    )


SENTENCES = st.lists(st.sampled_from(FILLER), min_size=3, max_size=12).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(SENTENCES, min_size=0, max_size=6), st.data())
def test_shared_paragraphs_matches_the_reference(old: list[str], data: st.DataObject) -> None:
    from storydiff.text import Paragraph
    from storydiff.verify import shared_paragraphs

    # New versions copy, edit (one word swapped), repeat or add paragraphs.
    def derived(text: str) -> str:
        words = text.split()
        at = data.draw(st.integers(0, len(words) - 1))
        return " ".join(words[:at] + [data.draw(st.sampled_from(FILLER)).upper()] + words[at + 1 :])

    pool = old + [derived(t) for t in old] if old else []
    new = data.draw(st.lists(st.sampled_from(pool) if pool else SENTENCES, max_size=6)) + data.draw(st.lists(SENTENCES, max_size=2))
    as_paragraphs = lambda texts: [Paragraph(i, "body", t) for i, t in enumerate(texts)]  # noqa: E731
    assert shared_paragraphs(as_paragraphs(old), as_paragraphs(new)) == reference_shared(old, new)
