from __future__ import annotations

import json

from conftest import REPO, SEEDS, need_data
from hypothesis import given, settings
from hypothesis import strategies as st

from storydiff.align import align, moved_flags
from storydiff.corpus import load
from storydiff.model import Article
from storydiff.quality import evaluate_alignment
from storydiff.text import build_paragraphs

FLOORS = json.loads((REPO / "tests" / "quality-floors.json").read_text())["alignment"]["devgold"]


def _seeds():
    old, new = load([str(SEEDS)]).articles
    return old, new, align(old, new)


def _entry(alignment, old_prefix: str | None = None, new_prefix: str | None = None):
    for link in alignment.links:
        o = alignment.old.paragraphs[link.old[0]].text if link.old else ""
        n = alignment.new.paragraphs[link.new[0]].text if link.new else ""
        if (old_prefix is None or o.startswith(old_prefix)) and (new_prefix is None or n.startswith(new_prefix)):
            return link
    raise AssertionError(f"no entry for {old_prefix!r} / {new_prefix!r}")


def test_seed_acceptance() -> None:
    _, new, alignment = _seeds()
    assert _entry(alignment, "Syrian rebels prepared", "Syrian rebels had prepared").op == "edited"
    for prefix in ("The rebels relented", "There were also reports", '"We hope one can help'):
        assert _entry(alignment, prefix, prefix).op == "copied"
    assert _entry(alignment, "There were also reports", "There were also reports").significance == "cosmetic"
    for heading in ("Biggest victory", "Atrocities committed", "Paris turns dark"):
        link = _entry(alignment, None, heading)
        assert link.op == "added" and new.paragraphs[link.new[0]].kind == "heading"
    for prefix in ("According to Reuters", '"Iranian militias', "The report also stated"):
        assert _entry(alignment, prefix, None).op == "removed"
    assert [m.text for m in alignment.moved_sentences] == ["This is the biggest victory for Bashar-al Assad's regime in the country yet."]
    assert 0.25 <= alignment.summary.reuse_of_new <= 0.40
    assert 0.45 <= alignment.summary.coverage_of_old <= 0.70
    assert [s.heading for s in alignment.sections_added] == [4, 10, 14]


def test_seeds_have_no_silent_edit_and_the_paraphrase_is_a_rewrite_not_a_copyedit() -> None:
    # The moved sentence leaves the paragraph and a clause paraphrasing the
    # removed old paragraph 2 comes in: no fact changed, but no copy edit either.
    _, _, alignment = _seeds()
    assert alignment.summary.silent_substantive_edits == 0
    assert alignment.substantive_edits == ()
    edited = _entry(alignment, "Syrian rebels prepared", "Syrian rebels had prepared")
    assert edited.significance == "rewritten"
    assert any("evacuation deal collapsed" in change.new for change in edited.edits)


def test_changed_number_with_the_same_tokens_is_a_number_change() -> None:
    old = Article("a.txt", build_paragraphs(["The fund raised $3.2 million last year, its chair said."], "Fund"))
    new = Article("b.txt", build_paragraphs(["The fund raised $2.3 million last year, its chair said."], "Fund"))
    result = align(old, new)
    assert [link.changes for link in result.links if link.op == "edited"] == [("number",)]
    assert [(e.kind, e.before, e.after) for e in result.silent_edits] == [("fact", "$3.2", "$2.3")]


def test_moved_is_outside_the_longest_order_preserving_sequence() -> None:
    # a paragraph pushed down by an insertion is not moved; one that jumps over two others is
    links = [((0,), (0,), 10), ((1,), (2,), 10), ((2,), (3,), 10), ((3,), (1,), 10)]
    assert moved_flags(links) == [False, False, False, True]


def test_correction_note_makes_edits_not_silent() -> None:
    body = ["The clinic gave 16,400 doses of vaccine this winter, officials said on Monday."]
    old = Article("a.txt", build_paragraphs(body, "Vaccine drive"))
    corrected = ["Correction: An earlier version of this article gave the wrong number of doses."] + [body[0].replace("16,400", "18,400")]
    silent = Article("b.txt", build_paragraphs([body[0].replace("16,400", "18,400")], "Vaccine drive"))
    noted = Article("c.txt", build_paragraphs(corrected, "Vaccine drive"))
    assert align(old, silent).summary.silent_substantive_edits == 1
    assert align(old, noted).summary.silent_substantive_edits == 0


SENTENCE = (
    st.text(alphabet="abcdefgh ", min_size=10, max_size=60).map(lambda s: " ".join(s.split()) or "word").map(lambda s: s.capitalize() + ".")
)
ARTICLE = st.lists(SENTENCE, min_size=1, max_size=8).map(lambda body: Article("x.txt", build_paragraphs(body, "Headline here")))


def _coverage(alignment) -> tuple[list[int], list[int]]:
    olds = sorted(i for link in alignment.links for i in link.old)
    news = sorted(j for link in alignment.links for j in link.new)
    return olds, news


@settings(max_examples=60, deadline=None)
@given(ARTICLE)
def test_self_diff_is_all_copied(article: Article) -> None:
    alignment = align(article, article)
    assert {link.op for link in alignment.links} == {"copied"}
    assert not any(link.moved for link in alignment.links)
    assert alignment.equivalent


@settings(max_examples=80, deadline=None)
@given(ARTICLE, ARTICLE)
def test_every_paragraph_appears_exactly_once(a: Article, b: Article) -> None:
    olds, news = _coverage(align(a, b))
    assert olds == list(range(len(a.paragraphs)))
    assert news == list(range(len(b.paragraphs)))


@settings(max_examples=80, deadline=None)
@given(ARTICLE, ARTICLE)
def test_swapping_versions_swaps_added_removed_and_split_merged(a: Article, b: Article) -> None:
    forward, backward = align(a, b).summary, align(b, a).summary
    assert (forward.added, forward.removed) == (backward.removed, backward.added)
    assert (forward.split, forward.merged) == (backward.merged, backward.split)


def test_devgold_alignment_floors() -> None:
    """The same code path as `storydiff evaluate alignment` (paragraphs mapped by text)."""
    scores = evaluate_alignment(str(need_data("devgold"))).totals()["storydiff"].scores()
    assert scores["link_f1"] >= FLOORS["link_f1"], scores
    assert scores["op_accuracy"] >= FLOORS["op_accuracy"], scores
    assert scores["split_merge_exact"] >= FLOORS["split_merge_exact"], scores
    assert scores["moved_found"] >= FLOORS["moved_found"] and scores["moved_false"] <= FLOORS["moved_false"], scores
    assert scores["added_removed_f1"] >= FLOORS["added_removed_f1"], scores
