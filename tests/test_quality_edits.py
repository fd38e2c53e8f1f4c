"""`storydiff evaluate edits`: changed words against human-labelled edit spans."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import FIXTURES, REPO, need_data

from storydiff.cli import main
from storydiff.quality_edits import Revision, evaluate_edits, gold_marks, read_revisions

FLOORS = json.loads((REPO / "tests" / "quality-floors.json").read_text())["edits"]


def test_gold_marks_follow_the_labelled_spans_on_both_sides() -> None:
    revision = read_revisions(str(FIXTURES / "edits" / "revisions.jsonl"))[1]
    before, after = gold_marks(revision)
    assert [w for w, m in zip(revision.before.split(), before, strict=True) if m] == []
    assert [w for w, m in zip(revision.after.split(), after, strict=True) if m] == ["on", "Sunday"]


def test_edits_that_do_not_rebuild_after_are_refused() -> None:
    bad = Revision("x", "a b c", "a B c", (("R", 2, 3, "X", "fluency"),))
    try:
        gold_marks(bad)
    except ValueError as exc:
        assert "does not give 'after'" in str(exc)
    else:
        raise AssertionError("expected a ValueError")


def test_edits_table_is_exact() -> None:
    result = CliRunner().invoke(main, ["evaluate", "edits", str(FIXTURES / "edits" / "revisions.jsonl"), "--format", "table"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:6] == [
        "revisions.jsonl: 2 revisions, changed words against the labelled edit spans",
        "",
        "system     changed-token P    changed-token R    changed-token F1    hits    false marks    missed",
        "---------  -----------------  -----------------  ------------------  ------  -------------  --------",
        "storydiff  1.000              1.000              1.000               10      0              0",
        "difflib    1.000              1.000              1.000               10      0              0",
    ]


def test_missing_revisions_are_a_one_line_error(tmp_path) -> None:
    result = CliRunner().invoke(main, ["evaluate", "edits", str(tmp_path)])
    assert result.exit_code == 2
    assert "no revisions.jsonl" in result.output
    assert "Traceback" not in result.output


def test_iterater_changed_words_meet_the_floor_and_the_difflib_baseline() -> None:
    root = need_data("iterater-news-dev")
    systems = evaluate_edits(str(root)).totals()
    storydiff, difflib = systems["storydiff"].scores(), systems["difflib"].scores()
    floors = FLOORS["iterater-news-dev"]
    assert storydiff["f1"] >= floors["changed_token_f1"], storydiff
    if floors["at_least_difflib"]:
        assert storydiff["f1"] >= difflib["f1"], (storydiff, difflib)


def test_iterater_silent_edit_flag_meets_its_floor() -> None:
    root = need_data("iterater-news-dev")
    scores = evaluate_edits(str(root), ("storydiff",)).verdict_scores()
    floors = json.loads((REPO / "tests" / "quality-floors.json").read_text())["verdicts"]["iterater-news-dev"]
    assert scores["precision"] >= floors["precision"], scores
    assert scores["recall"] >= floors["recall"], scores
