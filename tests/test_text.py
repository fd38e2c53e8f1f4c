from __future__ import annotations

import json
import re
import unicodedata

import pytest
from conftest import FIXTURES
from hypothesis import example, given, settings
from hypothesis import strategies as st

from storydiff.text import _FOLD, Paragraph, build_paragraphs, classify, normalise, segment, words


def _kind_cases() -> list[tuple[str, str, bool]]:
    rows = []
    for line in (FIXTURES / "kinds.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            text, kind, position = line.split("\t")
            rows.append((text, kind, position == "first"))
    return rows


@pytest.mark.parametrize(("text", "kind", "first"), _kind_cases())
def test_paragraph_kinds(text: str, kind: str, first: bool) -> None:
    assert classify(text, first=first) == kind


def test_normalise_folds_quotes_dashes_and_spaces() -> None:
    assert normalise("\u201cHi\u201d \u2014 it\u2019s\u00a02025\u20132027 ") == '"Hi" - it\'s 2025-2027'


def test_copied_words_ignore_typography() -> None:
    assert words("12\u00a0000 Dr\u00a0Smith\u2019s") == words("12,000 Dr. Smith's")


def test_segment_splits_kicker_from_its_paragraph() -> None:
    assert segment("Aleppo\nThere are some tens of thousands of civilians still stranded.\n\nNext.") == [
        "Aleppo",
        "There are some tens of thousands of civilians still stranded.",
        "Next.",
    ]


def test_segment_without_blank_lines_is_one_paragraph_per_line() -> None:
    assert segment("Headline\nFirst line.\nSecond line.\n") == ["Headline", "First line.", "Second line."]


def test_segment_joins_hard_wrapped_lines() -> None:
    text = "A paragraph that was wrapped by an editor\nat about seventy characters wide.\n\nNext one."
    assert segment(text) == ["A paragraph that was wrapped by an editor at about seventy characters wide.", "Next one."]


def test_heading_between_body_paragraphs_and_caption_above_credit() -> None:
    paragraphs = build_paragraphs(
        [
            "Storm closes harbour",
            "The harbour closed on Monday after the storm broke two moorings.",
            "What happens next",
            "Engineers will inspect the sea wall this week, the council said.",
            "Boats rest on the slipway.",
            "(Photo: Ann Lee/Harbour News)",
        ]
    )
    assert [p.kind for p in paragraphs] == ["headline", "body", "heading", "body", "caption", "credit"]


def _slow_normalise(text: str) -> str:
    """The definition: NFKC, the fold table, '--' to '-', whitespace runs to one space."""
    import unicodedata

    from storydiff.text import _FOLD

    folded = unicodedata.normalize("NFKC", text).translate(_FOLD).replace("--", "-")
    return re.sub(r"\s+", " ", folded).strip()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab -`\n\t\u00a0\u2019\u201c\u2014\u00ad\ufb01\u2011\u3000.")) | st.characters(), max_size=60))
def test_fast_normalise_matches_its_definition(text: str) -> None:
    assert normalise(text) == _slow_normalise(text)


def test_only_the_plain_space_is_a_printable_separator() -> None:
    # normalise() skips re-spacing a printable text with no double, leading or trailing space.
    breaking = [chr(c) for c in range(0x110000) if ("x" + chr(c) + "y").split() != ["x" + chr(c) + "y"]]
    assert [c for c in breaking if c.isprintable()] == [" "]


def reference_normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).translate(_FOLD).replace("--", "-").split())


SPACING = st.sampled_from([" ", " ", "\t", "\n", "\u00a0", "\u2028", "\u200b", "\u00ad"])
TYPOGRAPHY = st.sampled_from(["a", "b", "\u2019", "\u2014", "-", "`", "\ufb01", "e\u0301"])


@settings(max_examples=300)
@given(st.lists(SPACING | TYPOGRAPHY).map("".join) | st.text())
def test_normalise_matches_the_plain_reference(text: str) -> None:
    assert normalise(text) == reference_normalise(text)


OPENINGS = st.sampled_from(
    ["", "(", "[ ", "Photo: ", "CREDIT - ", "Correction", "update:", "Reporting by ", "editor's note ", "An earlier version "]
)


@given(OPENINGS, st.lists(SPACING | TYPOGRAPHY | st.sampled_from(["x", "Y", ".", ")"])).map("".join))
def test_the_opening_prefilter_matches_where_one_of_its_patterns_does(opening: str, rest: str) -> None:
    from storydiff.text import _CORRECTION, _CREDIT_ONLY, _SPECIAL_OPENING, _UPDATE, _WIRE_CREDIT

    text = opening + rest
    assert (_SPECIAL_OPENING.match(text) is not None) == any(p.match(text) for p in (_CREDIT_ONLY, _CORRECTION, _UPDATE, _WIRE_CREDIT))


def reference_segment(text: str) -> list[str]:
    """segment() without its one-line shortcut."""
    from storydiff.text import _BLANK_LINE, _is_short_title

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _BLANK_LINE.search(text):
        return [ln.strip() for ln in text.split("\n") if ln.strip()]
    blocks: list[str] = []
    for block in _BLANK_LINE.split(text):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if len(lines) >= 2 and _is_short_title(lines[0]) and len(lines[1]) > 2 * len(lines[0]):
            blocks.append(lines[0])
            lines = lines[1:]
        if lines:
            blocks.append(" ".join(lines))
    return blocks


LINES = st.sampled_from(["Aleppo", "A long line of body text that runs on and on, and ends.", " ", "\t", "x", "Short title"])


@given(st.lists(LINES | st.sampled_from(["\n", "\n\n", "\r\n", "\n \n", "\u00a0"]) | st.text(max_size=5)).map("".join))
def test_segment_matches_the_reference(text: str) -> None:
    assert segment(text) == reference_segment(text)


def reference_paragraphs(blocks: list[str], headline: str | None) -> tuple[Paragraph, ...]:
    """build_paragraphs as first written: a Paragraph per block, then neighbours."""
    texts = list(blocks)
    known = headline is not None and headline.strip() != ""
    if known and (not texts or normalise(texts[0]) != normalise(headline or "")):
        texts.insert(0, (headline or "").strip())
    rows = [Paragraph(i, "headline" if i == 0 and known else classify(t, first=i == 0, has_headline=known), t) for i, t in enumerate(texts)]
    out = []
    for i, p in enumerate(rows):
        following = rows[i + 1] if i + 1 < len(rows) else None
        if p.kind == "body" and following is not None and following.kind == "credit" and len(p.text.split()) <= 40:
            p = Paragraph(p.index, "caption", p.text)
        if p.kind == "heading":
            if not any(q.kind in ("body", "quote") for q in rows[i + 1 :]):
                p = Paragraph(p.index, "boilerplate" if i == len(rows) - 1 else "body", p.text)
            elif i <= 1 and p.text.isupper():
                p = Paragraph(p.index, "kicker", p.text)
        out.append(p)
    return tuple(out)


BLOCKS = st.sampled_from(
    [
        "New Sections Ahead",
        "ALEPPO",
        "THE COUNCIL VOTES ON THE NEW BRIDGE PLAN TODAY",
        "Photo: Reuters",
        "A short line",
        "The council said the bridge would reopen next week after repairs to the deck were finished.",
        '"We are delighted," said the mayor, who opened the bridge with a pair of scissors.',
        "By Jane Smith",
        "Read more: other stories",
    ]
)


@given(st.lists(BLOCKS, max_size=8), st.none() | st.sampled_from(["", "Bridge reopens", "New Sections Ahead"]))
def test_paragraph_kinds_with_neighbours_match_the_reference(blocks: list[str], headline: str | None) -> None:
    assert tuple(build_paragraphs(blocks, headline)) == reference_paragraphs(blocks, headline)


LINES = st.lists(
    st.sampled_from(["\n", "a", "e", "\u0301", "\u0327", "\u2026", "\ufb01", "\u1100", "\u1161", "\u11a8", "\uac00", "\u00bd", " "])
    | st.characters(),
    max_size=40,
).map("".join)


@settings(max_examples=500)
@given(LINES)
@example("e\n\u0301")
@example("\u1100\n\u1161")
@example("\u2026 first line\nsecond line")
def test_nfkc_by_line_is_nfkc(text: str) -> None:
    from storydiff.text import _nfkc_by_line

    assert _nfkc_by_line(text) == unicodedata.normalize("NFKC", text)


def test_no_character_normalises_to_a_line_break() -> None:
    # The premise of normalising line by line: besides "\n" itself, nothing
    # decomposes to a line break (and nothing composes with one).
    assert [c for c in range(0x110000) if c != 10 and "\n" in unicodedata.normalize("NFKC", chr(c))] == []


def test_lower_makes_ascii_letters_only_from_ascii_letters_and_two_others() -> None:
    # _may_hold_words lowers UTF-8 bytes instead of text, and sends these two to the slow path.
    makers = [chr(c) for c in range(0x80, 0x110000) if any("a" <= ch <= "z" for ch in chr(c).lower())]
    assert makers == ["\u0130", "\u212a"]


def reference_classify(text: str, first: bool, has_headline: bool) -> str:
    """classify as first written: every pattern tried in turn, words counted up front."""
    from storydiff import text as t

    stripped = text.strip()
    if not stripped:
        return "boilerplate"
    n_words = len(stripped.split())
    if t._CREDIT_ONLY.match(stripped) or t._CREDIT_TAIL.search(stripped):
        return "credit"
    if t._CAPTION_TAIL.search(stripped):
        return "caption"
    if first and not has_headline and t._is_short_title(stripped, max_words=20):
        return "headline"
    if t._CORRECTION.match(stripped):
        return "correction"
    if t._UPDATE.match(stripped):
        return "update"
    if t._WIRE_CREDIT.match(stripped) or (n_words <= 12 and t._BYLINE.match(stripped)):
        return "byline"
    lowered = stripped.lower()
    if n_words <= 40 and (t._BOILERPLATE.match(stripped) or t._BOILERPLATE_ANYWHERE.search(lowered)):
        return "boilerplate"
    if n_words <= 80 and t._FURNITURE.search(lowered):
        return "boilerplate"
    if n_words <= 25 and t._PLAYLIST.match(stripped):
        return "boilerplate"
    if n_words <= 6 and t._DATELINE.match(stripped):
        return "kicker" if stripped.isupper() and n_words <= 3 and "," not in stripped else "dateline"
    if stripped.startswith(tuple("\"\u201c\u201e\u00ab'\u2018")) and n_words >= 5:
        return "quote"
    if 0 < n_words <= 12 and len(stripped) <= 90 and not stripped.rstrip().endswith(t._FINAL_PUNCT) and stripped[0].isupper():
        return "heading"
    return "body"


PIECES = st.sampled_from(
    [
        "By Ann Lee",
        "BY ",
        "Photo: Reuters",
        "Read more",
        "\u00a9 2024",
        "Correction:",
        "Updated 10:00,",
        "newsletter",
        "NEWSLETTER",
        "Newsletter",
        "chec\u212a back for updates",
        "all r\u0130ghts reserved",
        "1:45 ",
        "10:30 a.m. ",
        "Copyright 2019",
        "istock",
        "your notification",
        "Follow us on Facebook",
        "grab the free news app.",
        "download our app",
        "Crime Stoppers tip",
        "All rights reserved.",
        "Check back for updates",
        "LONDON",
        "(Reuters) -",
        " - ",
        "[Image: file] AP",
        "(Photo: Ann Lee)",
        '"',
        "\u201c",
        "word",
        "words and more words",
        ".",
        ")",
        ",",
        "\n",
        "  ",
        "\u00a0",
        "\u03a3",
    ]
)
ARTICLE_TEXTS = st.lists(st.lists(PIECES | SPACING | st.text(max_size=3), max_size=12).map(" ".join), max_size=6)


@settings(max_examples=400, deadline=None)
@given(ARTICLE_TEXTS, st.none() | st.sampled_from(["", "A headline"]), st.integers(0, 50))
def test_kinds_match_the_reference(blocks: list[str], headline: str | None, filler: int) -> None:
    from storydiff.text import kinded_paragraphs

    # Long filler moves paragraphs across the word counts kinds depend on.
    blocks = [block + " filler" * filler if i % 2 else block for i, block in enumerate(blocks)]
    paragraphs, texts, kinds = kinded_paragraphs(blocks, headline)
    assert paragraphs.texts() == texts and list(paragraphs.kinds()) == kinds
    known = headline is not None and headline.strip() != ""
    expected = reference_paragraphs(blocks, headline)
    assert [p.kind for p in expected] == kinds
    for index, text in enumerate(texts):
        assert classify(text, first=index == 0, has_headline=known) == reference_classify(text, index == 0, known)


FURNITURE_CASES = [json.loads(line) for line in (FIXTURES / "furniture.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("case", FURNITURE_CASES, ids=[c["why"] + ": " + c["text"][:30] for c in FURNITURE_CASES])
def test_site_furniture_is_boilerplate_and_news_about_the_same_things_is_not(case: dict[str, str]) -> None:
    # Inside an article, as the loaders classify it, and the article-level prefilter agrees.
    blocks = ["A headline", "The council met on Monday to discuss the budget for the coming year and beyond.", case["text"]]
    paragraphs = build_paragraphs(blocks)
    assert paragraphs[2].kind == case["kind"]
    assert classify(case["text"]) == case["kind"]


def test_every_furniture_match_holds_a_prefilter_word() -> None:
    from storydiff.text import _FURNITURE, _may_hold_words

    for case in FURNITURE_CASES:
        if _FURNITURE.search(case["text"].lower()):
            assert _may_hold_words(case["text"].encode())[1]  # some of the words: the paragraph is searched


@given(st.lists(st.text(max_size=20), max_size=12), st.data())
def test_indexing_paragraphs_gives_what_iterating_gives(blocks: list[str], data: st.DataObject) -> None:
    import pickle

    paragraphs = build_paragraphs([b for b in blocks if b.strip()] or ["x"])
    expected = list(paragraphs)
    for store in (paragraphs, pickle.loads(pickle.dumps(paragraphs))):
        order = data.draw(st.permutations(range(len(expected))))
        assert [store[i] for i in order] == [expected[i] for i in order]
        assert store[-1] == expected[-1]
