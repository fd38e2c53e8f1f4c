"""The word diff and the reuse cover (storydiff.words), against plain references."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from storydiff import words
from storydiff.words import REUSE_MIN_WORDS, reuse_cover, word_diff

WORD = st.sampled_from(["the", "fire", "port", "Port", "closed", "10", "ten", "said.", "workers", "on", "Friday."])
TEXT = st.lists(WORD, min_size=0, max_size=60).map(" ".join)


def _sides(ops: tuple[words.WordOp, ...]) -> tuple[list[str], list[str]]:
    old = [w for op in ops for w in op.old.split()]
    new = [w for op in ops for w in op.new.split()]
    return old, new


@given(TEXT, TEXT)
def test_word_diff_covers_both_texts_in_order(a: str, b: str) -> None:
    ops = word_diff(a, b)
    assert _sides(ops) == (a.split(), b.split())
    assert all(op.old == op.new for op in ops if op.op == "equal")


@given(TEXT, TEXT)
def test_word_diff_keeps_every_equal_word_difflib_keeps_unless_absorbed(a: str, b: str) -> None:
    """An equal run is absorbed only when shorter than the changes on both sides,
    so absorbed words are under a third of the words of the changes that hold them."""
    ops = word_diff(a, b)
    kept = sum(len(op.old.split()) for op in ops if op.op == "equal")
    reference = sum(block.size for block in difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).get_matching_blocks())
    changed = sum(len(op.old.split()) + len(op.new.split()) for op in ops if op.op != "equal")
    assert reference - kept >= 0
    assert 3 * (reference - kept) <= changed


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_long_texts_take_the_sentence_or_lcs_path_and_still_show_each_edit(seed: int, sentences: bool) -> None:
    import random

    rng = random.Random(seed)
    old = [
        rng.choice(["alpha", "beta", "gamma", "delta", "port", "fire"]) + ("." if sentences and rng.random() < 0.06 else "")
        for _ in range(900)
    ]
    new = list(old)
    positions = sorted(rng.sample(range(5, 895), 6), reverse=True)
    for k in positions:
        new[k] = f"edit{k}"
    assert len(old) * len(new) > words.DIRECT_DIFF_PAIRS
    ops = word_diff(" ".join(old), " ".join(new))
    assert _sides(ops) == (old, new)
    shown = {w for op in ops if op.op != "equal" for w in op.new.split()}
    assert {f"edit{k}" for k in positions} <= shown


def test_changes_inside_a_word_are_visible_quote_and_dash_style_are_not() -> None:
    ops = word_diff("The Virus hit 30.000 people at 0600, it's said", "The virus hit 30,000 people at 06:00, its said")
    changed = [(op.old, op.new) for op in ops if op.op != "equal"]
    assert changed == [("Virus", "virus"), ("30.000", "30,000"), ("0600, it's", "06:00, its")]
    assert all(op.op == "equal" for op in word_diff("port  closed", "port closed"))
    assert all(op.op == "equal" for op in word_diff("“Quoted” text — here", '"Quoted" text - here'))


def test_a_short_equal_run_between_two_changes_reads_as_one_change() -> None:
    ops = word_diff("officials have said on Monday that it", "the ministry announced on Tuesday evening that it")
    assert [(op.op, op.old, op.new) for op in ops] == [
        ("replace", "officials have said on Monday", "the ministry announced on Tuesday evening"),
        ("equal", "that it", "that it"),
    ]
    # two one-word changes around one kept word stay two changes
    assert [op.op for op in word_diff("The Virus hit 30.000 people", "The virus hit 30,000 people")] == [
        "equal",
        "replace",
        "equal",
        "replace",
        "equal",
    ]


def _reference_cover(mine: list[str], theirs: list[list[str]], n: int) -> list[bool]:
    """Obviously correct: a word is reused when some n-word window holding it stands in one of theirs."""
    blocks = {tuple(t[q : q + n]) for t in theirs for q in range(len(t) - n + 1)}
    return [any(tuple(mine[s : s + n]) in blocks for s in range(max(0, k - n + 1), k + 1) if s + n <= len(mine)) for k in range(len(mine))]


SMALL = st.lists(st.sampled_from(list("abc")), max_size=20)


@given(st.lists(SMALL, max_size=4), st.lists(SMALL, max_size=4), st.integers(1, 5))
def test_reuse_cover_matches_the_window_reference(mine: list[list[str]], theirs: list[list[str]], n: int) -> None:
    masks, sources = reuse_cover(mine, theirs, n)
    assert [m.tolist() for m in masks] == [_reference_cover(p, theirs, n) for p in mine]
    for p, by_source in zip(mine, sources, strict=True):
        for index, count in by_source.items():
            assert count == sum(_reference_cover(p, [theirs[index]], n))


def test_a_stock_phrase_is_not_reuse() -> None:
    stock = ["in", "the", "city", "of"][: REUSE_MIN_WORDS - 1]
    masks, _ = reuse_cover([["rebels", *stock, "fled"]], [["police", *stock, "said"]])
    assert not masks[0].any()
