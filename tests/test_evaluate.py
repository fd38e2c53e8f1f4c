"""`storydiff evaluate`: exact tables on small labelled fixtures, both key
shapes, error explanations and paragraph mapping across segmentations."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import REPO

from storydiff.align import Link
from storydiff.cli import main
from storydiff.corpus import load
from storydiff.evaluate import read_answer_key, score_labels
from storydiff.quality import paragraph_map, translate

FIXTURE = REPO / "tests" / "fixtures" / "eval"


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cluster_table_is_exact() -> None:
    result = _run("evaluate", "clusters", str(FIXTURE))
    assert result.exit_code == 0, result.output
    assert result.stdout == (FIXTURE / "expected-clusters.txt").read_text(encoding="utf-8")


def test_alignment_table_is_exact_and_baseline_misses_the_move() -> None:
    result = _run("evaluate", "alignment", str(FIXTURE / "gold"))
    assert result.exit_code == 0, result.output
    assert result.stdout == (FIXTURE / "expected-alignment.txt").read_text(encoding="utf-8")


def test_json_names_false_merges_and_missed_pairs_with_similarity(tmp_path) -> None:
    out = tmp_path / "scores.json"
    result = _run("evaluate", "clusters", str(FIXTURE), "--answers", str(FIXTURE / "clusters-wrong.json"), "--json", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["schema"] == "storydiff.evaluate.clusters/1"
    mine = document["systems"]["storydiff"]
    assert [(e["a"], e["b"]) for e in mine["false_merges"]] == [("harbour-v1.txt", "harbour-v2.txt")]
    assert mine["false_merges"][0]["containment"] > 0.8
    assert [(e["a"], e["b"], e["jaccard"]) for e in mine["missed_pairs"]] == [("harbour-v2.txt", "library.txt", 0.0)]
    assert "datasketch MinHashLSH@0.5" in document["systems"]


def test_list_shaped_key_is_relative_to_cases(tmp_path) -> None:
    key_file = tmp_path / "clusters.json"
    key_file.write_text(json.dumps([["01-edit/v1.txt", "01-edit/v2.txt"], ["02-moved/v1.txt", "02-moved/v2.txt"]]))
    (tmp_path / "cases").symlink_to(FIXTURE / "gold" / "cases")
    result = _run("evaluate", "clusters", str(tmp_path), "--format", "json", "--no-baselines")
    document = json.loads(result.stdout)
    assert document["articles"] == 4  # gold.json files are ignored: the key does not name them
    assert document["systems"]["storydiff"]["pairwise"]["f1"] == 1.0
    assert list(document["systems"]) == ["storydiff"]


def test_missing_key_is_one_line_error(tmp_path) -> None:
    result = CliRunner().invoke(main, ["evaluate", "clusters", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith(f"storydiff: error: no answer key at {tmp_path}/clusters.json\nHint: pass --answers FILE")


def test_answer_key_shapes() -> None:
    key = read_answer_key(str(FIXTURE / "clusters.json"))
    assert key.root.endswith("articles") and key.story_of["harbour-v2.txt"] == "harbour-crane"


def test_scores_on_a_known_partition() -> None:
    gold = {"a": "1", "b": "1", "c": "2", "d": "2"}
    scores = score_labels(gold, {"a": "x", "b": "x", "c": "x", "d": "y"})
    assert (scores.precision, scores.recall) == (round(1 / 3, 4), 0.5)
    assert len(scores.false_merges) == 2 and len(scores.missed_pairs) == 1


def test_paragraphs_map_by_text_when_segmentation_differs(tmp_path) -> None:
    article_file = tmp_path / "a.md"
    article_file.write_text("# Crane falls\n\nFirst sentence of the story is here.\n\n## Reaction\n\nThe mayor spoke.\n")
    article = load([str(article_file)]).articles[0]
    gold = ["Crane falls", "First sentence of the story is here. Reaction", "The mayor spoke."]
    mapping = paragraph_map(gold, article)
    assert mapping == [(0,), (1,), (1,), (2,)]
    links = translate([Link("copied", (1,), (1,)), Link("copied", (2,), (2,)), Link("added", (), (3,))], mapping, mapping)
    assert [(link.old, link.new) for link in links] == [((1,), (1,)), ((1,), (1,)), ((), (2,))]
