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


def _is_anchor(tokens: Sequence[str], at: int) -> bool:
    """Is ``tokens[at]`` a name or figure: any digit, or a capitalised word
    that does not open a sentence (the token before it tells)."""
    token = tokens[at]
    if not token.isalpha() and any(map(str.isdigit, token)):
        return True
    if at == 0 or not token[:1].isupper():
        return False
    before = tokens[at - 1]
    last = before[-1:]
    return not (last in ".!?" or (not last.isalnum() and _SENTENCE_END.search(before) is not None))


def _anchor_flags(tokens: Sequence[str]) -> list[bool]:
    return [_is_anchor(tokens, at) for at in range(len(tokens))]


def _any_anchor(tokens: Sequence[str], start: int, stop: int) -> bool:
    return any(_is_anchor(tokens, at) for at in range(start, stop))


# The hits of this cache and the next are on the pair at hand and its
# neighbours (pairs come in article order): at 100k articles 1,024 entries hit
# as often as 65,536, which held 140 MB in each guard worker (measured).
@functools.lru_cache(maxsize=1 << 10)
def _tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A normalised paragraph's tokens (sentence punctuation attached, so
    sentence starts stay visible) and their bare words; cached because one
    article takes part in several candidate pairs."""
    raw = tuple(text.split())
    words = tuple(
        token if token.isalnum() else token.strip(_ASCII_NON_WORD) if token.isascii() else _EDGE_PUNCT.sub("", token) for token in raw
    )
    return raw, words


@functools.lru_cache(maxsize=1 << 10)
def _matching_blocks(old: str, new: str) -> tuple[tuple[int, int, int], ...]:
    """Runs of a longest common subsequence of words, as (old start, new
    start, length); cached because the kept slots of a pair read the edits
    that its swapped slots read."""
    blocks = Indel.opcodes(_tokens(old)[1], _tokens(new)[1]).as_matching_blocks()
    return tuple((block.a, block.b, block.size) for block in blocks)


def swapped_slots(old: str, new: str) -> int:
    """Stretches of names or figures replaced between an old paragraph and
    its edit (normalised texts). Flags are only read inside the changed
    stretches, which are few in an edit."""
    old_tokens, new_tokens = _tokens(old)[0], _tokens(new)[0]
    swapped = i = j = 0
    # Between two runs of the common subsequence, a stretch changed on both
    # sides is a replacement (difflib's "replace").
    for a, b, size in _matching_blocks(old, new):
        if a > i and b > j and _any_anchor(old_tokens, i, a) and _any_anchor(new_tokens, j, b):
            swapped += 1
        i, j = a + size, b + size
    return swapped


def kept_slots(old: str, new: str) -> int:
    """Names and figures of an old paragraph that its edit kept."""
    tokens = _tokens(old)[0]
    return sum(_is_anchor(tokens, at) for a, _, size in _matching_blocks(old, new) for at in range(a, a + size))


def body_texts(paragraphs: Sequence[Paragraph]) -> tuple[str, ...]:
    """The body paragraphs' texts: all that the template guard reads of an
    article (and cheap to send to another process)."""
    return content_texts(paragraphs)


# For pair-by-pair checks (a few pairs; many are folded in bulk, see
# storydiff.normalised). Keyed by paragraph, not by article: a story's versions
# repeat most of their paragraphs verbatim, so seven lookups in ten hit
# (measured on the assembly's pairs at 100k articles), where whole bodies
# rarely repeat. Pairs come in article order, so the hits are on the last few
# articles.
@functools.lru_cache(maxsize=1 << 14)
def _folded(text: str) -> tuple[str, str]:
    """A paragraph normalised, and that lower-cased."""
    normalised = normalise(text)
    return normalised, normalised.lower()


def _content_lower(paragraphs: Sequence[Paragraph]) -> list[str]:
    return [_folded(text)[1] for text in body_texts(paragraphs)]


#: A paragraph normalised, and that lower-cased.
Folded = tuple[str, str]


def edited_paragraphs(old_body: tuple[str, ...], new_body: tuple[str, ...], *, min_ratio: float = 60.0) -> list[tuple[str, str]]:
    """Each paragraph of the newer body that is an edit of one in the older
    (:func:`body_texts`, older first), as normalised (old, new) texts: not
    found verbatim, and ``min_ratio`` alike to its closest old paragraph."""
    return edited_folded([_folded(text) for text in old_body], [_folded(text) for text in new_body], min_ratio=min_ratio)


def edited_folded(old: Sequence[Folded], new: Sequence[Folded], *, min_ratio: float = 60.0) -> list[tuple[str, str]]:
    """:func:`edited_paragraphs`, given the bodies' paragraphs folded (as
    :func:`storydiff.normalised.folded_contents` makes them in bulk)."""
    known = {normalised for normalised, _ in old}
    fresh = [folded for folded in new if folded[0] not in known]
    if not old or not fresh:
        return []
    # One C call scores every fresh paragraph against every old one.
    scores = process.cdist([lower for _, lower in fresh], [lower for _, lower in old], scorer=fuzz.ratio, score_cutoff=min_ratio)
    edits: list[tuple[str, str]] = []
    for (text, _), row in zip(fresh, scores, strict=True):
        best = int(row.argmax())
        if row[best] >= min_ratio and row[best] > 0:
            edits.append((old[best][0], text))
    return edits


def slot_conflicts(old_body: tuple[str, ...], new_body: tuple[str, ...], *, min_ratio: float = 60.0) -> SlotEvidence:
    """Slot evidence between two articles' :func:`body_texts`, older first."""
    edits = edited_paragraphs(old_body, new_body, min_ratio=min_ratio)
    return SlotEvidence(sum(kept_slots(old, new) for old, new in edits), sum(swapped_slots(old, new) for old, new in edits))


def shared_paragraphs(old: Sequence[Paragraph], new: Sequence[Paragraph], *, min_ratio: float = 80.0) -> int:
    """Body paragraphs of ``new`` that appear in ``old`` copied or lightly edited."""
    return shared_lowered(_content_lower(old), _content_lower(new), min_ratio=min_ratio)


def shared_lowered(old_texts: list[str], new_texts: list[str], *, min_ratio: float = 80.0) -> int:
    """:func:`shared_paragraphs`, given each article's body paragraphs
    normalised and lower-cased (as :func:`storydiff.normalised.lowered_contents`
    makes them in bulk)."""
    if not old_texts or not new_texts:
        return 0
    known = set(old_texts)
    edited = [text for text in new_texts if text not in known]
    if not edited:
        return len(new_texts)
    # An edit's source is nearly always an old paragraph that the new version
    # does not repeat verbatim (999 matches in 1,000 at 100k articles), and
    # those are a fifth of the old paragraphs: they are tried first, the
    # others only for the edits still unmatched: the same count, with the
    # matching in half the time (89 -> 45 us a pair, measured).
    repeated = set(new_texts)
    unmatched = _unmatched(edited, [text for text in old_texts if text not in repeated], min_ratio)
    unmatched = _unmatched(unmatched, [text for text in old_texts if text in repeated], min_ratio)
    return len(new_texts) - len(unmatched)


def _unmatched(texts: list[str], choices: list[str], min_ratio: float) -> list[str]:
    """The ``texts`` that no choice matches at ``min_ratio`` or more."""
    if not texts or not choices:
        return texts
    scores = process.cdist(texts, choices, scorer=fuzz.ratio, score_cutoff=min_ratio)
    return [texts[row] for row in np.flatnonzero((scores < min_ratio).all(axis=1))]
