"""Quality runs: storydiff and the baselines scored on the same answer keys.

``evaluate.py`` holds the metrics; this module loads a labelled folder, runs
every system on it and returns frozen results for the renderers.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from .align import Link, align
from .baselines import difflib_links, minhash_lsh_groups
from .cluster import ClusterParams, cluster_articles
from .corpus import load
from .evaluate import AlignmentCounts, AnswerKey, ClusterScores, compare_alignment, key_name, predicted_labels, score_labels
from .model import Article, Skipped
from .signature import shingle_hashes
from .text import normalise

ALIGNERS: dict[str, Callable[[Article, Article], Sequence[Link]]] = {
    "storydiff": lambda old, new: align(old, new).links,
    "difflib": difflib_links,
}


@dataclass(frozen=True)
class ClusterEvaluation:
    dataset: str
    articles: int
    #: Files the answer key names that did not load (each counts against recall).
    missing: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    systems: tuple[tuple[str, ClusterScores], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": "storydiff.evaluate.clusters/1",
            "dataset": self.dataset,
            "articles": self.articles,
            "missing": list(self.missing),
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "systems": {name: scores.as_dict() for name, scores in self.systems},
        }


def _similarity(by_name: dict[str, Article], k: int) -> Callable[[str, str], tuple[float, float]]:
    def measure(a: str, b: str) -> tuple[float, float]:
        hashes, offsets = shingle_hashes([by_name[a].body, by_name[b].body], k)
        left, right = set(hashes[: offsets[1]].tolist()), set(hashes[offsets[1] :].tolist())
        shared = len(left & right)
        union = len(left | right)
        smaller = min(len(left), len(right))
        return round(shared / union, 4) if union else 0.0, round(shared / smaller, 4) if smaller else 0.0

    return measure


def evaluate_clusters(
    paths: Sequence[str], key: AnswerKey, params: ClusterParams | None = None, baselines: bool = True, dataset: str = ""
) -> ClusterEvaluation:
    """Cluster the files under ``paths`` and score storydiff (and the
    MinHashLSH baseline) against ``key``; files the key does not name are ignored."""
    params = params or ClusterParams()
    corpus = load(paths)
    roots = [p for p in paths if os.path.isdir(p)]
    named = [(key_name(a.path, key, roots), a) for a in corpus.articles]
    articles = [a for name, a in named if name is not None]
    names = [name for name, _ in named if name is not None]
    by_name = dict(zip(names, articles, strict=True))
    gold = {name: key.story_of[name] for name in names}
    missing = tuple(sorted(set(key.story_of) - set(names)))
    similarity = _similarity(by_name, params.signature.shingle_size)
    clustering = cluster_articles(articles, params)
    systems = [("storydiff", score_labels(gold, predicted_labels(clustering, key, roots), similarity))]
    if baselines:
        groups = minhash_lsh_groups(articles, threshold=0.5, num_perm=params.signature.num_perm, k=params.signature.shingle_size)
        labels = {names[i]: f"g{g}" for g, members in enumerate(groups) for i in members}
        systems.append(("datasketch MinHashLSH@0.5", score_labels(gold, labels, similarity)))
    skipped = tuple(s for s in corpus.skipped if key_name(s.path, key, roots) is not None)
    return ClusterEvaluation(dataset or _dataset_name(paths), len(articles), missing, skipped, tuple(systems))


def _dataset_name(paths: Sequence[str]) -> str:
    parts = [p for p in Path(os.path.abspath(paths[0])).parts if p not in ("articles", "cases")] if paths else []
    return parts[-1] if parts else ""


# --- alignment ------------------------------------------------------------------


_BLOCKS = re.compile(r"\n\s*\n")


def gold_paragraphs(path: str) -> list[str]:
    """The gold format's paragraphs: blocks between blank lines."""
    text = Path(path).read_text(encoding="utf-8-sig")
    return [block.strip() for block in _BLOCKS.split(text) if block.strip()]


def paragraph_map(gold: Sequence[str], article: Article) -> list[tuple[int, ...]]:
    """For each loaded paragraph, the gold paragraph(s) it came from.

    When the loader segments as the gold does this is the identity;
    otherwise each loaded paragraph goes to the gold paragraph that holds
    its text best, scanning forward so repeated lines map in order."""
    ours = [p.normalised for p in article.paragraphs]
    theirs = [normalise(g) for g in gold]
    if ours == theirs:
        return [(i,) for i in range(len(ours))]
    mapping: list[tuple[int, ...]] = []
    cursor = 0
    for text in ours:
        scores = [(fuzz.partial_ratio(text, g) if g else 0.0, -abs(k - cursor), k) for k, g in enumerate(theirs)]
        best = max(scores)
        mapping.append((best[2],) if best[0] >= 60 else ())
        if best[0] >= 60:
            cursor = best[2]
    return mapping


def translate(links: Sequence[Link], old_map: list[tuple[int, ...]], new_map: list[tuple[int, ...]]) -> list[Link]:
    def through(indices: tuple[int, ...], mapping: list[tuple[int, ...]]) -> tuple[int, ...]:
        return tuple(sorted({g for i in indices for g in mapping[i]}))

    out = [dataclasses.replace(link, old=through(link.old, old_map), new=through(link.new, new_map)) for link in links]
    return [link for link in out if link.old or link.new]


@dataclass(frozen=True)
class PairResult:
    case: str
    old: str
    new: str
    system: str
    counts: AlignmentCounts


@dataclass(frozen=True)
class AlignmentEvaluation:
    dataset: str
    pairs: tuple[PairResult, ...]

    def totals(self) -> dict[str, AlignmentCounts]:
        totals: dict[str, AlignmentCounts] = {}
        for result in self.pairs:
            totals[result.system] = totals.get(result.system, AlignmentCounts()) + result.counts
        return totals

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": "storydiff.evaluate.alignment/1",
            "dataset": self.dataset,
            "pairs": len({(r.case, r.old, r.new) for r in self.pairs}),
            "systems": {name: counts.scores() for name, counts in self.totals().items()},
            "per_pair": [{"case": r.case, "old": r.old, "new": r.new, "system": r.system, **r.counts.scores()} for r in self.pairs],
        }


def gold_files(root: str) -> list[Path]:
    base = Path(root)
    found = [base] if base.is_file() else sorted(base.rglob("gold.json"))
    if not found:
        raise FileNotFoundError(f"no gold.json under {root}")
    return found


def evaluate_alignment(root: str, systems: Sequence[str] = ("storydiff", "difflib"), dataset: str = "") -> AlignmentEvaluation:
    """Align every gold pair under ``root`` with each system and count hits."""
    results: list[PairResult] = []
    for gold_file in gold_files(root):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        for pair in gold.get("pairs", []):
            old_path, new_path = str(gold_file.parent / pair["old"]), str(gold_file.parent / pair["new"])
            corpus = load([old_path, new_path])
            if len(corpus.articles) != 2:
                reasons = "; ".join(f"{s.path}: {s.reason}" for s in corpus.skipped)
                raise ValueError(f"{gold_file}: cannot load the pair {pair['old']} -> {pair['new']}: {reasons}")
            old, new = corpus.articles
            old_map = paragraph_map(gold_paragraphs(old_path), old)
            new_map = paragraph_map(gold_paragraphs(new_path), new)
            for system in systems:
                links = translate(ALIGNERS[system](old, new), old_map, new_map)
                case = gold.get("case") or gold_file.parent.name
                results.append(PairResult(case, pair["old"], pair["new"], system, compare_alignment(pair, links)))
    return AlignmentEvaluation(dataset or Path(os.path.abspath(root)).name, tuple(results))
