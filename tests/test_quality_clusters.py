"""Clustering quality on the shared corpora, checked against committed floors."""

from __future__ import annotations

import json

import pytest
from conftest import REPO, need_data

from storydiff.cluster import cluster_articles
from storydiff.corpus import load
from storydiff.evaluate import predicted_labels, read_answer_key, score_labels

FLOORS = json.loads((REPO / "tests" / "quality-floors.json").read_text())["clusters"]


def _scores(name: str):
    root = need_data(name)
    key = read_answer_key(str(root / "clusters.json"))
    corpus = load([key.root])
    clustering = cluster_articles(corpus.articles)
    predicted = predicted_labels(clustering, key)
    assert set(predicted) == set(key.story_of), "every article of the answer key was loaded"
    return score_labels(key.story_of, predicted)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_cluster_quality_floors(name: str) -> None:
    scores = _scores(name)
    floors = FLOORS[name]
    if "pairwise_f1" in floors:
        assert scores.f1 >= floors["pairwise_f1"], scores
    if "max_false_merges" in floors:
        assert len(scores.false_merges) <= floors["max_false_merges"], scores.false_merges
