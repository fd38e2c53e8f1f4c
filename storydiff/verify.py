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

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from .text import Paragraph, content_texts, normalise

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


_EDGE_PUNCT = re.compile(r"^\W+|\W+$")
_ASCII_NON_WORD = "".join(c for c in map(chr, range(128)) if not (c.isalnum() or c == "_"))


def _anchor_flags(tokens: list[str]) -> list[bool]:
    """Which tokens are names or figures: any digit, or a capitalised word
    that does not open a sentence."""
    flags: list[bool] = []
    sentence_start = True
    for token in tokens:
        flags.append((token[:1].isupper() and not sentence_start) or (not token.isalpha() and any(map(str.isdigit, token))))
        last = token[-1:]
        sentence_start = last in ".!?" or (not last.isalnum() and _SENTENCE_END.search(token) is not None)
    return flags


@functools.lru_cache(maxsize=1 << 16)
def _slots(text: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """A normalised paragraph's bare words and which are names or figures;
    cached because one article takes part in many candidate pairs."""
    # keep the sentence punctuation attached so sentence starts are visible
    raw = text.split()
    words = tuple(
        token if token.isalnum() else token.strip(_ASCII_NON_WORD) if token.isascii() else _EDGE_PUNCT.sub("", token) for token in raw
    )
    return words, tuple(_anchor_flags(raw))


@functools.lru_cache(maxsize=1 << 16)
def _paragraph_slots(old: str, new: str) -> tuple[int, int]:
    """Anchors kept and stretches swapped between an old paragraph and its
    edit; cached because a story's versions repeat the same edits."""
    a_words, a_flags = _slots(old)
    b_words, b_flags = _slots(new)
    kept = swapped = i = j = 0
    # Between two runs of a longest common subsequence of words, a stretch
    # changed on both sides is a replacement (difflib's "replace", in C).
    for block in Indel.opcodes(a_words, b_words).as_matching_blocks():
        if block.a > i and block.b > j and any(a_flags[i : block.a]) and any(b_flags[j : block.b]):
            swapped += 1
        kept += sum(a_flags[block.a : block.a + block.size])
        i, j = block.a + block.size, block.b + block.size
    return kept, swapped


def body_texts(paragraphs: Sequence[Paragraph]) -> tuple[str, ...]:
    """The body paragraphs' texts: all that the template guard reads of an
    article (and cheap to send to another process)."""
    return content_texts(paragraphs)


@functools.lru_cache(maxsize=1 << 14)
def _normalised(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalise(text) for text in texts)


@functools.lru_cache(maxsize=1 << 14)
def _lowered(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(text.lower() for text in texts)


def _content_lower(paragraphs: Sequence[Paragraph]) -> tuple[str, ...]:
    return _lowered(_normalised(body_texts(paragraphs)))


def slot_conflicts(old_body: tuple[str, ...], new_body: tuple[str, ...], *, min_ratio: float = 60.0) -> SlotEvidence:
    """Slot evidence between two articles' :func:`body_texts`, older first."""
    old_texts, new_texts = _normalised(old_body), _normalised(new_body)
    if not old_texts or not new_texts:
        return SlotEvidence(0, 0)
    kept = swapped = 0
    known = set(old_texts)
    fresh = [text for text in new_texts if text not in known]
    if not fresh:
        return SlotEvidence(0, 0)
    # One C call scores every fresh paragraph against every old one.
    scores = process.cdist([t.lower() for t in fresh], _lowered(old_texts), scorer=fuzz.ratio, score_cutoff=min_ratio)
    for text, row in zip(fresh, scores, strict=True):
        best = int(row.argmax())
        if row[best] < min_ratio or row[best] == 0:
            continue
        paragraph_kept, paragraph_swapped = _paragraph_slots(old_texts[best], text)
        kept += paragraph_kept
        swapped += paragraph_swapped
    return SlotEvidence(kept, swapped)


def shared_paragraphs(old: Sequence[Paragraph], new: Sequence[Paragraph], *, min_ratio: float = 80.0) -> int:
    """Body paragraphs of ``new`` that appear in ``old`` copied or lightly edited."""
    old_texts, new_texts = _content_lower(old), _content_lower(new)
    if not old_texts or not new_texts:
        return 0
    known = set(old_texts)
    edited = [text for text in new_texts if text not in known]
    copied = len(new_texts) - len(edited)
    if not edited:
        return copied
    scores = process.cdist(edited, old_texts, scorer=fuzz.ratio, score_cutoff=min_ratio)
    return copied + int(np.count_nonzero((scores >= min_ratio).any(axis=1)))
