"""Quality runs on revisions with human-labelled edit spans (IteraTeR's format).

Which words should a diff mark? Each revision gives ``before``, ``after`` and
``edits`` (``type`` R/A/D, character ``start``/``end`` into ``before``, the
replaced and inserted text). A word of ``before`` is changed when it overlaps
a replaced or deleted span; a word of ``after`` when it overlaps inserted
text. Words are the whitespace-separated tokens of each text, so storydiff
and the baseline are scored on the same units: changed-token precision,
recall and F1, micro-averaged over both sides of every pair.

The verdict is scored too: a revision with any ``meaning-changed`` edit
should get storydiff's silent-edit flag, and one of copy edits only
(fluency, clarity, coherence, style) should not.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .align import align
from .corpus import article_from_text


@dataclass(frozen=True)
class Revision:
    id: str
    before: str
    after: str
    #: (type, start, end, inserted text, intent) of each labelled edit, in offset order.
    edits: tuple[tuple[str, int, int, str, str], ...]


@dataclass(frozen=True)
class TokenCounts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: TokenCounts) -> TokenCounts:
        return TokenCounts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def scores(self) -> dict[str, float | int]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


Marks = tuple[list[bool], list[bool]]


def read_revisions(path: str) -> list[Revision]:
    """``path`` is a ``revisions.jsonl`` file or a folder holding one."""
    file = Path(path) / "revisions.jsonl" if os.path.isdir(path) else Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no revisions.jsonl at {path}")
    revisions = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        edits = tuple(
            sorted(
                ((e["type"], int(e["start"]), int(e["end"]), e.get("after") or "", e.get("intent") or "") for e in row["edits"]),
                key=lambda e: (e[1], e[2]),
            )
        )
        revisions.append(Revision(str(row.get("rev_id") or f"{file.name}:{number}"), row["before"], row["after"], edits))
    return revisions


def _token_spans(text: str) -> list[tuple[int, int]]:
    spans, position = [], 0
    for token in text.split():
        start = text.index(token, position)
        position = start + len(token)
        spans.append((start, position))
    return spans


def _overlapping(spans: list[tuple[int, int]], ranges: Sequence[tuple[int, int]]) -> list[bool]:
    return [any(s < end and start < e for start, end in ranges) for s, e in spans]


def gold_marks(revision: Revision) -> Marks:
    """The labelled changed words of ``before`` and of ``after``."""
    removed = [(start, end) for kind, start, end, _, _ in revision.edits if kind in ("R", "D") and end > start]
    # Rebuild ``after`` from the edits to know where the inserted text lands.
    pieces, inserted, position, length = [], [], 0, 0
    for kind, start, end, text, _ in revision.edits:
        kept = revision.before[position:start]
        pieces.append(kept)
        length += len(kept)
        if text and kind in ("R", "A"):
            pad = " " if kind == "A" else ""  # an insertion stands between words; a replacement takes its span's place
            inserted.append((length + len(pad), length + len(pad) + len(text)))
            pieces.append(f"{pad}{text}{pad}")
            length += len(text) + 2 * len(pad)
        position = max(position, end)
    pieces.append(revision.before[position:])
    rebuilt = "".join(pieces)
    after_marks = _overlapping(_token_spans(rebuilt), inserted)
    if rebuilt.split() != revision.after.split():
        raise ValueError(f"{revision.id}: applying the edits to 'before' does not give 'after'")
    return _overlapping(_token_spans(revision.before), removed), after_marks


def storydiff_marks(revision: Revision) -> Marks:
    """The words ``storydiff diff`` marks: the word diff of linked paragraphs,
    and every word of an added or removed paragraph."""
    old, new = article_from_text(revision.before, "before"), article_from_text(revision.after, "after")
    result = align(old, new)
    old_marks = [[False] * len(p.text.split()) for p in old.paragraphs]
    new_marks = [[False] * len(p.text.split()) for p in new.paragraphs]
    for link in result.links:
        if not link.new:
            old_marks[link.old[0]] = [True] * len(old_marks[link.old[0]])
        elif not link.old:
            new_marks[link.new[0]] = [True] * len(new_marks[link.new[0]])
        elif link.words:
            flat_old = [(i, k) for i in link.old for k in range(len(old_marks[i]))]
            flat_new = [(j, k) for j in link.new for k in range(len(new_marks[j]))]
            a = b = 0
            for op in link.words:
                n_old, n_new = len(op.old.split()), len(op.new.split())
                for i, k in flat_old[a : a + n_old]:
                    old_marks[i][k] = op.op != "equal"
                for j, k in flat_new[b : b + n_new]:
                    new_marks[j][k] = op.op != "equal"
                a, b = a + n_old, b + n_new
    return (
        _onto(revision.before, [p.text for p in old.paragraphs], old_marks),
        _onto(revision.after, [p.text for p in new.paragraphs], new_marks),
    )


def _onto(text: str, paragraphs: list[str], marks: list[list[bool]]) -> list[bool]:
    """Marks on the loader's paragraph words carried onto the raw text's words
    (the loader may drop or re-space a few)."""
    words = [w for p in paragraphs for w in p.split()]
    flat = [m for ms in marks for m in ms]
    raw = text.split()
    if words == raw:
        return flat
    out = [True] * len(raw)  # a raw word the loader dropped counts as marked: it is not shown as kept
    for block in difflib.SequenceMatcher(None, raw, words, autojunk=False).get_matching_blocks():
        for x in range(block.size):
            out[block.a + x] = flat[block.b + x]
    return out


def difflib_marks(revision: Revision) -> Marks:
    """The baseline a user reaches for: difflib.SequenceMatcher over whitespace tokens."""
    a, b = revision.before.split(), revision.after.split()
    old, new = [True] * len(a), [True] * len(b)
    for block in difflib.SequenceMatcher(None, a, b).get_matching_blocks():
        old[block.a : block.a + block.size] = [False] * block.size
        new[block.b : block.b + block.size] = [False] * block.size
    return old, new


EDIT_MARKERS: dict[str, Callable[[Revision], Marks]] = {"storydiff": storydiff_marks, "difflib": difflib_marks}


def count(gold: Marks, predicted: Marks) -> TokenCounts:
    total = TokenCounts()
    for g_side, p_side in zip(gold, predicted, strict=True):
        if len(g_side) != len(p_side):
            raise ValueError("gold and predicted marks differ in length")
        tp = sum(1 for g, p in zip(g_side, p_side, strict=True) if g and p)
        total += TokenCounts(tp, sum(p_side) - tp, sum(g_side) - tp)
    return total


def meaning_changed(revision: Revision) -> bool:
    return any(intent == "meaning-changed" for *_, intent in revision.edits)


def flagged(revision: Revision) -> bool:
    """storydiff's verdict: a silent edit between the two texts."""
    return (
        align(article_from_text(revision.before, "before"), article_from_text(revision.after, "after")).summary.silent_substantive_edits > 0
    )


@dataclass(frozen=True)
class EditsEvaluation:
    dataset: str
    systems: tuple[str, ...]
    #: (revision id, system, counts) for each pair and system.
    pairs: tuple[tuple[str, str, TokenCounts], ...]
    #: (revision id, labelled meaning-changed, flagged as a silent edit).
    verdicts: tuple[tuple[str, bool, bool], ...] = ()

    def verdict_scores(self) -> dict[str, float | int]:
        tp = sum(1 for _, gold, flag in self.verdicts if gold and flag)
        fp = sum(1 for _, gold, flag in self.verdicts if flag and not gold)
        fn = sum(1 for _, gold, flag in self.verdicts if gold and not flag)
        return {**TokenCounts(tp, fp, fn).scores(), "revisions": len(self.verdicts), "meaning_changed": tp + fn}

    def totals(self) -> dict[str, TokenCounts]:
        totals = {name: TokenCounts() for name in self.systems}
        for _, system, counts in self.pairs:
            totals[system] += counts
        return totals

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": "storydiff.evaluate.edits/1",
            "dataset": self.dataset,
            "pairs": len({rev for rev, _, _ in self.pairs}),
            "systems": {name: counts.scores() for name, counts in self.totals().items()},
            "per_pair": [{"revision": rev, "system": system, **counts.scores()} for rev, system, counts in self.pairs],
            "verdicts": self.verdict_scores(),
            "per_revision_verdict": [{"revision": rev, "meaning_changed": gold, "flagged": flag} for rev, gold, flag in self.verdicts],
        }


def evaluate_edits(path: str, systems: Sequence[str] = ("storydiff", "difflib"), dataset: str = "") -> EditsEvaluation:
    results = []
    verdicts = []
    for revision in read_revisions(path):
        gold = gold_marks(revision)
        for system in systems:
            results.append((revision.id, system, count(gold, EDIT_MARKERS[system](revision))))
        verdicts.append((revision.id, meaning_changed(revision), flagged(revision)))
    name = dataset or Path(os.path.abspath(path)).name
    return EditsEvaluation(name, tuple(systems), tuple(results), tuple(verdicts))
