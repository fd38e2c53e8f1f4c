"""Quality measurement against answer keys (pure functions over loaded data)."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .cluster import Clustering


@dataclass(frozen=True)
class AnswerKey:
    """Gold grouping: file name (relative to ``root``) -> story label."""

    root: str
    story_of: Mapping[str, str]


def read_answer_key(path: str) -> AnswerKey:
    """Both shapes: devgold's list of lists of ``case/file`` (relative to
    ``cases/``) and ``{story: [file]}`` (relative to ``articles/``)."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    base = os.path.dirname(path)
    if isinstance(data, list):
        story_of = {name: f"story-{i}" for i, group in enumerate(data) for name in group}
        return AnswerKey(os.path.join(base, "cases"), story_of)
    if isinstance(data, dict):
        story_of = {name: str(story) for story, names in data.items() for name in names}
        return AnswerKey(os.path.join(base, "articles"), story_of)
    raise ValueError(f"{path}: answer key must be a list of lists or an object of lists")


@dataclass(frozen=True)
class PairError:
    a: str
    b: str
    jaccard: float | None
    containment: float | None


@dataclass(frozen=True)
class ClusterScores:
    articles: int
    precision: float
    recall: float
    f1: float
    bcubed_f1: float
    adjusted_rand: float
    false_merges: tuple[PairError, ...]
    missed_pairs: tuple[PairError, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "pairwise": {"precision": self.precision, "recall": self.recall, "f1": self.f1},
            "bcubed_f1": self.bcubed_f1,
            "adjusted_rand": self.adjusted_rand,
            "false_merges": [e.__dict__ for e in self.false_merges],
            "missed_pairs": [e.__dict__ for e in self.missed_pairs],
        }


def _ratio(a: float, b: float) -> float:
    return a / b if b else 1.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score_labels(gold: Mapping[str, str], predicted: Mapping[str, str], similarity: Any = None) -> ClusterScores:
    names = sorted(gold)
    tp = fp = fn = 0
    merges: list[PairError] = []
    missed: list[PairError] = []
    for a, b in itertools.combinations(names, 2):
        same_gold = gold[a] == gold[b]
        same_pred = predicted[a] == predicted[b]
        if same_gold and same_pred:
            tp += 1
        elif same_pred:
            fp += 1
            merges.append(PairError(a, b, *(similarity(a, b) if similarity else (None, None))))
        elif same_gold:
            fn += 1
            missed.append(PairError(a, b, *(similarity(a, b) if similarity else (None, None))))
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    # B-cubed
    gold_groups: dict[str, set[str]] = {}
    pred_groups: dict[str, set[str]] = {}
    for name in names:
        gold_groups.setdefault(gold[name], set()).add(name)
        pred_groups.setdefault(predicted[name], set()).add(name)
    bp = br = 0.0
    for name in names:
        g, p = gold_groups[gold[name]], pred_groups[predicted[name]]
        overlap = len(g & p)
        bp += overlap / len(p)
        br += overlap / len(g)
    n = len(names) or 1
    bcubed = _f1(bp / n, br / n)
    return ClusterScores(
        len(names),
        round(precision, 4),
        round(recall, 4),
        round(_f1(precision, recall), 4),
        round(bcubed, 4),
        round(adjusted_rand(gold, predicted, names), 4),
        tuple(merges),
        tuple(missed),
    )


def adjusted_rand(gold: Mapping[str, str], predicted: Mapping[str, str], names: Sequence[str]) -> float:
    def comb2(x: int) -> float:
        return x * (x - 1) / 2

    contingency: dict[tuple[str, str], int] = {}
    gold_sizes: dict[str, int] = {}
    pred_sizes: dict[str, int] = {}
    for name in names:
        contingency[(gold[name], predicted[name])] = contingency.get((gold[name], predicted[name]), 0) + 1
        gold_sizes[gold[name]] = gold_sizes.get(gold[name], 0) + 1
        pred_sizes[predicted[name]] = pred_sizes.get(predicted[name], 0) + 1
    index = sum(comb2(v) for v in contingency.values())
    sum_gold = sum(comb2(v) for v in gold_sizes.values())
    sum_pred = sum(comb2(v) for v in pred_sizes.values())
    total = comb2(len(names))
    expected = sum_gold * sum_pred / total if total else 0.0
    maximum = (sum_gold + sum_pred) / 2
    return 1.0 if maximum == expected else (index - expected) / (maximum - expected)


def key_name(path: str, key: AnswerKey, roots: Sequence[str] = ()) -> str | None:
    """The answer-key name of a loaded file, or None when the key does not
    name it (a README, a gold.json): names are relative to the key's folder
    (``cases/`` or ``articles/``) or to one of ``roots``."""
    absolute = os.path.abspath(path)
    for root in (key.root, *roots):
        name = os.path.relpath(absolute, os.path.abspath(root)).replace(os.sep, "/")
        if name in key.story_of:
            return name
    return None


def predicted_labels(clustering: Clustering, key: AnswerKey, roots: Sequence[str] = ()) -> dict[str, str]:
    """Map each clustered article back to its answer-key name."""
    labels: dict[str, str] = {}
    for cluster in clustering.clusters:
        for member in cluster.members:
            name = key_name(member.article.path, key, roots)
            if name is not None:
                labels[name] = cluster.id
    return labels


# --- alignment ---------------------------------------------------------------------


@dataclass(frozen=True)
class AlignmentCounts:
    """Micro-averaged counts over version pairs; split/merge links expanded to paragraph pairs."""

    link_tp: int = 0
    link_fp: int = 0
    link_fn: int = 0
    op_correct: int = 0
    op_total: int = 0
    group_exact: int = 0
    group_total: int = 0
    moved_tp: int = 0
    moved_fp: int = 0
    moved_fn: int = 0
    addrem_tp: int = 0
    addrem_fp: int = 0
    addrem_fn: int = 0

    def __add__(self, other: AlignmentCounts) -> AlignmentCounts:
        return AlignmentCounts(*(a + b for a, b in zip(self.__dict__.values(), other.__dict__.values(), strict=True)))

    def scores(self) -> dict[str, float | int]:
        def f1(tp: int, fp: int, fn: int) -> float:
            return round(_f1(_ratio(tp, tp + fp), _ratio(tp, tp + fn)), 4)

        return {
            "link_precision": round(_ratio(self.link_tp, self.link_tp + self.link_fp), 4),
            "link_recall": round(_ratio(self.link_tp, self.link_tp + self.link_fn), 4),
            "link_f1": f1(self.link_tp, self.link_fp, self.link_fn),
            "op_accuracy": round(_ratio(self.op_correct, self.op_total), 4),
            "split_merge_exact": round(_ratio(self.group_exact, self.group_total), 4),
            "moved_found": self.moved_tp,
            "moved_false": self.moved_fp,
            "moved_f1": f1(self.moved_tp, self.moved_fp, self.moved_fn),
            "added_removed_f1": f1(self.addrem_tp, self.addrem_fp, self.addrem_fn),
        }


def compare_alignment(gold: dict[str, Any], links: Sequence[Any]) -> AlignmentCounts:
    """Score predicted links (objects with op/old/new/moved) against one gold pair."""

    def expand(entries: Sequence[tuple[str, Sequence[int], Sequence[int], bool]]) -> dict[tuple[int, int], str]:
        return {(i, j): op for op, olds, news, _ in entries for i in olds for j in news}

    gold_links = [(g["op"], g["old"], g["new"], g["moved"]) for g in gold["links"]]
    pred_links = [(p.op, p.old, p.new, p.moved) for p in links if p.op not in ("added", "removed")]
    gold_pairs, pred_pairs = expand(gold_links), expand(pred_links)
    found = set(gold_pairs) & set(pred_pairs)
    op_correct = sum(1 for pair in found if gold_pairs[pair] == pred_pairs[pair])
    gold_groups = {(tuple(o), tuple(n)) for op, o, n, _ in gold_links if op in ("split", "merged")}
    pred_groups = {(tuple(o), tuple(n)) for op, o, n, _ in pred_links if op in ("split", "merged")}
    gold_moved = {pair for op, o, n, m in gold_links if m for pair in [(tuple(o), tuple(n))]}
    pred_moved = {pair for op, o, n, m in pred_links if m for pair in [(tuple(o), tuple(n))]}
    gold_ar = {("old", i) for i in gold["removed"]} | {("new", j) for j in gold["added"]}
    pred_ar = {("old", i) for p in links if p.op == "removed" for i in p.old} | {
        ("new", j) for p in links if p.op == "added" for j in p.new
    }
    return AlignmentCounts(
        link_tp=len(found),
        link_fp=len(set(pred_pairs) - set(gold_pairs)),
        link_fn=len(set(gold_pairs) - set(pred_pairs)),
        op_correct=op_correct,
        op_total=len(found),
        group_exact=len(gold_groups & pred_groups),
        group_total=len(gold_groups | pred_groups),
        moved_tp=len(gold_moved & pred_moved),
        moved_fp=len(pred_moved - gold_moved),
        moved_fn=len(gold_moved - pred_moved),
        addrem_tp=len(gold_ar & pred_ar),
        addrem_fp=len(pred_ar - gold_ar),
        addrem_fn=len(gold_ar - pred_ar),
    )
