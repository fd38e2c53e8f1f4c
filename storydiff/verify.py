"""Candidate verification: is a candidate pair really two versions of one story?

Shingle overlap alone cannot tell a story's versions from two reports filled
into one template (the devgold quake reports share 65% of their shingles, a
heavy rewrite only 34%). What tells them apart is what differs: versions of a
story keep their names and most figures, while template reports differ in
exactly those slots. :func:`slot_conflicts` counts, inside paragraphs the two
articles share with edits, the names and numbers that were swapped against
those that stayed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .text import Paragraph, normalise

_TOKEN = re.compile(r"\w+(?:[.,:]\d+)*")
_SENTENCE_END = re.compile(r"[.!?]\W*$")


@dataclass(frozen=True)
class SlotEvidence:
    """Names and numbers in edited shared paragraphs: kept versus swapped."""

    kept: int
    swapped: int

    @property
    def swapped_share(self) -> float:
        total = self.kept + self.swapped
        return self.swapped / total if total else 0.0


def _anchor_flags(tokens: list[str]) -> list[bool]:
    """Which tokens are names or figures: any digit, or a capitalised word
    that does not open a sentence."""
    flags: list[bool] = []
    previous = ""
    for i, token in enumerate(tokens):
        if any(ch.isdigit() for ch in token):
            flags.append(True)
        else:
            sentence_start = i == 0 or bool(_SENTENCE_END.search(previous))
            flags.append(token[:1].isupper() and not sentence_start)
        previous = token
    return flags


def _tokens_with_punct(text: str) -> list[str]:
    # keep the sentence punctuation attached so sentence starts are visible
    return normalise(text).split()


def slot_conflicts(old: tuple[Paragraph, ...], new: tuple[Paragraph, ...], *, min_ratio: float = 60.0) -> SlotEvidence:
    old_texts = [normalise(p.text) for p in old if p.is_content]
    new_texts = [normalise(p.text) for p in new if p.is_content]
    if not old_texts or not new_texts:
        return SlotEvidence(0, 0)
    kept = swapped = 0
    old_lower = [t.lower() for t in old_texts]
    for text in new_texts:
        if text in old_texts:
            continue
        match = process.extractOne(text.lower(), old_lower, scorer=fuzz.ratio, score_cutoff=min_ratio)
        if match is None:
            continue
        a_raw = _tokens_with_punct(old_texts[match[2]])
        b_raw = _tokens_with_punct(text)
        a_flags, b_flags = _anchor_flags(a_raw), _anchor_flags(b_raw)
        a_words = [re.sub(r"^\W+|\W+$", "", t) for t in a_raw]
        b_words = [re.sub(r"^\W+|\W+$", "", t) for t in b_raw]
        matcher = difflib.SequenceMatcher(None, a_words, b_words, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                kept += sum(a_flags[i1:i2])
            elif op == "replace" and any(a_flags[i1:i2]) and any(b_flags[j1:j2]):
                swapped += 1
    return SlotEvidence(kept, swapped)


def shared_paragraphs(old: tuple[Paragraph, ...], new: tuple[Paragraph, ...], *, min_ratio: float = 80.0) -> int:
    """Body paragraphs of ``new`` that appear in ``old`` copied or lightly edited."""
    old_texts = [normalise(p.text).lower() for p in old if p.is_content]
    if not old_texts:
        return 0
    count = 0
    for p in new:
        if p.is_content and process.extractOne(normalise(p.text).lower(), old_texts, scorer=fuzz.ratio, score_cutoff=min_ratio):
            count += 1
    return count
