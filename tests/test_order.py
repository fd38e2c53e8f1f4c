"""Version order from evidence (storydiff.order): explicit version data first,
then what the versions say, then file names, and a hedged verdict on names alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import need_data

from storydiff.cluster import ClusterParams, cluster_articles
from storydiff.corpus import load
from storydiff.model import Article
from storydiff.order import named_later, order_versions, why_later
from storydiff.render.diff import banner
from storydiff.report import story_report
from storydiff.text import build_paragraphs


def _story(folder: Path) -> tuple[list[str], list[dict[str, object]]]:
    (story,) = [c for c in cluster_articles(list(load([str(folder)]).articles), ClusterParams(workers=1)).clusters if len(c.members) > 1]
    _, diffs = story_report(story)
    return [Path(a.path).name for a in story.articles], diffs


def _copied(case: str, tmp_path: Path, names: dict[str, str]) -> Path:
    """The case's files under new names (to reverse their file-name order)."""
    source = need_data("devgold") / "cases" / case
    folder = tmp_path / case
    folder.mkdir()
    for old, new in names.items():
        shutil.copy(source / old, folder / new)
    return folder


# Each case twice: its own names, then names whose order says the opposite.
ORDERS = {
    "03-correction-vaccination-figure": ("original.txt", "corrected.txt"),
    "05-merge-concert-hall-leak": ("v1.txt", "v2.txt"),
    "06-moved-ultramarathon-record": ("v1.txt", "v2.txt"),
    "18-loader-ninjs-formula-recall": ("v1.txt", "v2.json"),
}


@pytest.mark.parametrize("reverse", [False, True], ids=["own-names", "reversed-names"])
@pytest.mark.parametrize("case", sorted(ORDERS))
def test_devgold_versions_are_ordered_by_evidence_in_either_name_order(tmp_path: Path, case: str, reverse: bool) -> None:
    first, second = ORDERS[case]
    names = {first: "b-" + first, second: "a-" + second} if reverse else {first: first, second: second}
    order, (diff,) = _story(_copied(case, tmp_path, names))
    assert order == [names[first], names[second]]
    assert diff["order_source"] == "evidence" and str(diff["order_evidence"]).startswith(names[second])
    assert diff["silent_edits"] == []
    if case.startswith(("03", "18")):
        assert diff["notes"] and diff["substantive_edits"]  # the changed figures are listed, with their note


def test_devgold_03_without_its_note_names_the_figure_and_hedges_on_names(tmp_path: Path) -> None:
    folder = _copied("03-correction-vaccination-figure", tmp_path, {"original.txt": "original.txt"})
    corrected = load([str(need_data("devgold") / "cases" / "03-correction-vaccination-figure" / "corrected.txt")]).articles[0]
    (folder / "v2.txt").write_text("\n\n".join(p.text for p in corrected.paragraphs if p.kind != "correction"), encoding="utf-8")
    order, (diff,) = _story(folder)
    assert order == ["original.txt", "v2.txt"] and diff["order_source"] == "filename"
    assert [(e["what"], e["before"], e["after"]) for e in diff["silent_edits"]] == [(["number"], "16,400", "18,400")]
    assert "(if " in str(banner(diff)) and "the order rests on file names" in str(banner(diff))


def test_devgold_18_without_the_ednote_is_a_silent_edit_in_either_name_order(tmp_path: Path) -> None:
    for reverse in (False, True):
        folder = tmp_path / str(reverse)
        source = need_data("devgold") / "cases" / "18-loader-ninjs-formula-recall"
        folder.mkdir()
        item = json.loads((source / "v2.json").read_text(encoding="utf-8"))
        del item["ednote"]
        (folder / ("a.json" if reverse else "v2.json")).write_text(json.dumps(item), encoding="utf-8")
        shutil.copy(source / "v1.txt", folder / ("b.txt" if reverse else "v1.txt"))
        order, (diff,) = _story(folder)
        # No note now, and v1 carries no version or time: v2's text is v1's plus additions.
        assert order == (["b.txt", "a.json"] if reverse else ["v1.txt", "v2.json"])
        assert diff["order_source"] == "evidence"
        assert any("number" in e["what"] and e["before"] == "two" and e["after"] == "five" for e in diff["silent_edits"])


def _article(path: str, text: str, **fields: object) -> Article:
    return Article(path=path, paragraphs=build_paragraphs(text.split("\n\n")), **fields)  # type: ignore[arg-type]


BODY = "\n\n".join(f"Paragraph {n} tells of the harbour council vote and what the members said on the night {n}." for n in range(8))


def test_explicit_version_numbers_come_first() -> None:
    a = _article("z.txt", BODY, version="1", external_id="urn:item")
    b = _article("a.txt", BODY + "\n\nA later paragraph.", version="2", external_id="urn:item")
    assert order_versions([b, a], "time") == ([a, b], "version")
    # Version numbers of different items say nothing about each other.
    other = _article("a.txt", BODY + "\n\nA later paragraph.", version="2", external_id="urn:other")
    assert order_versions([other, a], "time")[1] != "version"


def test_a_killed_version_is_the_later_one() -> None:
    usable = _article("b.txt", BODY, status="usable")
    killed = _article("a.txt", BODY, status="withheld")
    assert order_versions([killed, usable], "time") == ([usable, killed], "evidence")
    assert why_later(usable, killed) == "a.txt is killed (status withheld)"


def test_the_later_update_stamp_wins_when_both_carry_one() -> None:
    early = _article("b.txt", "Update, 4:50 p.m.: Adds the school lockdown.\n\n" + BODY)
    late = _article("a.txt", "Updated 8:10 p.m. with the all-clear.\n\n" + BODY)
    assert order_versions([late, early], "time") == ([early, late], "evidence")


def test_a_trimmed_copy_is_not_taken_for_the_later_version_by_its_names_alone() -> None:
    # Nothing in the texts: the names decide, and reports hedge on them.
    a = _article("story.txt", BODY)
    b = _article("story-revised.txt", BODY.replace("harbour", "harbor"))
    assert order_versions([b, a], "time") == ([a, b], "filename")


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("quake-brannock.txt", "quake-brannock-revised.txt"),
        ("original.txt", "corrected.txt"),
        ("story-draft.md", "story-final.md"),
        ("report.html", "report_updated.html"),
    ],
)
def test_file_names_that_say_which_is_later(earlier: str, later: str) -> None:
    assert named_later(_article(earlier, BODY), _article(later, BODY)) == 1
    assert named_later(_article(later, BODY), _article(earlier, BODY)) == -1


MORE = " ".join(f"added{n}" for n in range(40))


def test_each_text_plus_additions_follows_it_whatever_order_they_come_in() -> None:
    versions = [
        _article("c.txt", BODY),
        _article("a.txt", BODY + "\n\n" + MORE),
        _article("b.txt", BODY + "\n\n" + MORE + " " + MORE.upper()),
    ]
    for given in (versions, versions[::-1], versions[1:] + versions[:1]):
        ordered, source = order_versions(list(given), "time")
        assert ([a.path for a in ordered], source) == (["c.txt", "a.txt", "b.txt"], "evidence")
