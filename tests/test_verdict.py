"""The change model and the silent-edit verdict (storydiff.verdict)."""

from __future__ import annotations

import json

import pytest
from conftest import need_data
from hypothesis import given
from hypothesis import strategies as st

from storydiff.align import align
from storydiff.corpus import load
from storydiff.model import Article
from storydiff.text import build_paragraphs
from storydiff.verdict import VersionWords, classify, is_note, numbers_in
from storydiff.words import WordOp

NOTHING = VersionWords(frozenset(), frozenset(), frozenset())


def _kind(old: str, new: str, **context: bool) -> tuple[str, tuple[str, ...]]:
    change = classify(WordOp("replace", old, new), NOTHING, NOTHING, **context)
    return change.kind, change.what


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("Virus", "virus", "copyedit"),
        ("11th", "eleventh", "copyedit"),
        ("10", "Ten", "copyedit"),
        ("3", "three", "copyedit"),
        ("30.000", "30,000", "copyedit"),
        ("0600", "06:00", "copyedit"),
        ("11am", "11 a.m.", "copyedit"),
        ("5 am", "5am", "copyedit"),
        ("$3.2m", "$3.2 million", "copyedit"),
        ("Mar.", "March", "copyedit"),
        ("officialy", "officially", "copyedit"),
        ("FCC", "Federal Communications Commission", "copyedit"),
        ("found", "discovered", "copyedit"),
        ("struck", "struck,", "cosmetic"),
        ("16,400", "18,400", "fact"),
        ("two", "five", "fact"),
        ("Tuesday", "Wednesday", "fact"),
        ("Kotunica", "Kostunica", "fact"),
        ("Smith", "Jones", "fact"),
        ("will", "will not", "fact"),
        ("never", "", "fact"),
        ("don't", "do not", "copyedit"),
        ("BingDian (Freezing Point", "Freezing Point (Bing Dian", "copyedit"),
    ],
)
def test_each_kind_of_change(old: str, new: str, kind: str) -> None:
    assert _kind(f"said {old}", f"said {new}")[0] == kind


def test_a_quote_whose_words_change_is_a_fact_and_its_respelling_is_not() -> None:
    assert _kind("turning", "sending", in_quote=True) == ("fact", ("quote",))
    assert _kind("carers", "careers", in_quote=True)[0] == "copyedit"


def test_words_only_added_are_an_addition_and_a_cut_figure_is_named() -> None:
    assert _kind("season.", "season, most likely in January.")[0] == "added"
    change = classify(WordOp("delete", "and 20 buses", ""), NOTHING, NOTHING)
    assert (change.kind, change.what) == ("removed", ("figure",))


def test_a_value_still_stated_elsewhere_is_no_change() -> None:
    both = VersionWords(frozenset({16400.0, 18400.0}), frozenset(), frozenset({"assad"}))
    assert classify(WordOp("replace", "gave 16,400", "gave 18,400"), both, both).kind != "fact"
    story = VersionWords.of(["militias of Damascus", "the regime of Assad"])
    assert classify(WordOp("replace", "This is Assad's", "However, Damascus"), story, story).kind != "fact"


NUMBER = st.integers(0, 10**7)


@given(NUMBER)
def test_writing_a_number_differently_is_never_a_fact(n: int) -> None:
    styles = {f"{n}", f"{n:,}", f"{n:,}".replace(",", ".")}
    if n >= 1_000_000 and n % 100_000 == 0:
        styles.add(f"{n / 1_000_000:g} million")
    for a in styles:
        for b in styles:
            if a != b:
                assert classify(WordOp("replace", f"gave {a} doses", f"gave {b} doses"), NOTHING, NOTHING).kind != "fact"


@given(NUMBER, NUMBER)
def test_changing_a_number_s_value_is_always_a_fact(a: int, b: int) -> None:
    if a == b:
        return
    change = classify(WordOp("replace", f"gave {a:,} doses", f"gave {b:,} doses"), NOTHING, NOTHING)
    # "1.000" may read as one thousand or as one; only a value no reading shares is a change
    if not (numbers_in([f"{a:,}"])[0] & numbers_in([f"{b:,}"])[0]):
        assert change.kind == "fact" and "number" in change.what


BODY = [
    "The clinic gave 16,400 doses of vaccine this winter, officials said on Monday.",
    '"We had people phoning to say they simply could not get here," said the pharmacist.',
    "The board will run extra sessions on the next three Saturdays.",
]


@given(st.permutations(range(3)), st.integers(0, 2))
def test_swapping_old_and_new_swaps_additions_and_removals(order: list[int], dropped: int) -> None:
    old = Article("a.txt", build_paragraphs([BODY[k] for k in order], "Vaccine drive"))
    new = Article("b.txt", build_paragraphs([BODY[k] for k in order if k != dropped], "Vaccine drive"))
    forward, backward = align(old, new).summary, align(new, old).summary
    assert (forward.added, forward.removed) == (backward.removed, backward.added)


def test_inside_a_quotation_grammar_words_are_a_copyedit_and_other_words_a_fact() -> None:
    assert _kind("When", "While", in_quote=True, sentence_start=True)[0] == "copyedit"
    assert _kind("for", "of", in_quote=True)[0] == "copyedit"
    assert _kind("worrying", "alarming", in_quote=True) == ("fact", ("quote",))
    # Scare quotes around a word or two are not a quotation cut.
    assert _kind('"proper"', "") == ("removed", ())


def test_ednote_that_says_updates_is_a_note() -> None:
    assert is_note("UPDATES with recall widened to five batches, new batch codes, lab test detail.")
    assert is_note("CORRECTS spelling of name in paragraph 3")
    assert not is_note("Embargoed until 0900 GMT")


def test_devgold_03_correction_is_recognised_and_the_figure_named_without_it(tmp_path) -> None:
    case = need_data("devgold") / "cases" / "03-correction-vaccination-figure"
    old, corrected = load([str(case / "original.txt"), str(case / "corrected.txt")]).articles
    result = align(old, corrected)
    assert result.notes and result.summary.silent_substantive_edits == 0
    assert [(e.what, e.before, e.after) for e in result.substantive_edits] == [(("number",), "16,400", "18,400")]
    bare = tmp_path / "corrected-without-note.txt"
    bare.write_text("\n\n".join(p.text for p in corrected.paragraphs if p.kind != "correction"), encoding="utf-8")
    result = align(old, load([str(bare)]).articles[0])
    assert [(e.what, e.before, e.after) for e in result.silent_edits] == [(("number",), "16,400", "18,400")]


@pytest.mark.parametrize("case", ["05-merge-concert-hall-leak", "06-moved-ultramarathon-record"])
def test_devgold_edits_without_a_changed_fact_are_not_silent_edits(case: str) -> None:
    folder = need_data("devgold") / "cases" / case
    old, new = load([str(folder / "v1.txt"), str(folder / "v2.txt")]).articles
    assert align(old, new).silent_edits == ()


def test_devgold_18_ninjs_ednote_announces_the_update(tmp_path) -> None:
    folder = need_data("devgold") / "cases" / "18-loader-ninjs-formula-recall"
    old, new = load([str(folder / "v1.txt"), str(folder / "v2.json")]).articles
    result = align(old, new)
    assert new.editorial_note and new.version == "2" and new.status == "usable"
    assert result.summary.silent_substantive_edits == 0 and result.substantive_edits
    item = json.loads((folder / "v2.json").read_text(encoding="utf-8"))
    del item["ednote"]
    (tmp_path / "v2.json").write_text(json.dumps(item), encoding="utf-8")
    silent = align(old, load([str(tmp_path / "v2.json")]).articles[0])
    assert silent.silent_edits and any("number" in e.what for e in silent.silent_edits)
