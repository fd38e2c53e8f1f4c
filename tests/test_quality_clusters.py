"""Clustering quality on the shared corpora, checked against committed floors
(the same code path as `storydiff evaluate clusters`)."""

from __future__ import annotations

import json

import pytest
from conftest import REPO, need_data

from storydiff.evaluate import read_answer_key
from storydiff.quality import evaluate_clusters

FLOORS = json.loads((REPO / "tests" / "quality-floors.json").read_text())["clusters"]


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_cluster_quality_floors(name: str) -> None:
    root = need_data(name)
    key = read_answer_key(str(root / "clusters.json"))
    result = evaluate_clusters([key.root], key, baselines=False)
    assert not result.missing, f"every article of the answer key loads: {result.missing[:5]}"
    scores = dict(result.systems)["storydiff"]
    floors = FLOORS[name]
    if "pairwise_f1" in floors:
        assert scores.f1 >= floors["pairwise_f1"], scores
    if "precision" in floors:
        assert scores.precision >= floors["precision"], scores
    if "recall" in floors:
        assert scores.recall >= floors["recall"], scores
    if "max_false_merges" in floors:
        assert len(scores.false_merges) <= floors["max_false_merges"], scores.false_merges
