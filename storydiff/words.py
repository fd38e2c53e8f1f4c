"""Word-level comparison, part of the align stage (pure functions).

Two jobs, both near-linear in the words compared:

- :func:`word_diff`: the word diff of two linked texts. Tokens are the
  whitespace-separated words as written; they compare after
  :func:`~storydiff.text.normalise` (Unicode NFKC, one quote and dash style,
  collapsed space), so case, punctuation inside or around a word and number
  formatting ("0600" -> "06:00", "Virus" -> "virus") show as changes while
  quote and dash style do not. The opcodes come from rapidfuzz's bit-parallel
  LCS (Indel) over one character per distinct token: no size limit and no
  quadratic Python loop.
- :func:`reuse_cover`: which words of one version lie in a block of at least
  :data:`REUSE_MIN_WORDS` consecutive words that also stands in the other
  version, wherever it stands. Blocks are keyed by hash, so order and
  paragraph links do not matter and the cost is linear.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz.distance import Indel

from .text import normalise

WordOpName = Literal["equal", "delete", "insert", "replace"]

Opcode = tuple[WordOpName, int, int, int, int]

#: A block of fewer words ("in the city", "the Syrian regime") is a stock phrase, not reuse.
REUSE_MIN_WORDS = 4


@dataclass(frozen=True)
class WordOp:
    """One run of the word diff: ``old`` and ``new`` are the words as written, space-joined."""

    op: WordOpName
    old: str
    new: str


def encode(token_lists: Sequence[Sequence[str]], vocabulary: dict[str, str]) -> list[str]:
    """Each token list as a string of one character per token (equal tokens, equal characters).

    rapidfuzz compares strings of code points; a shared ``vocabulary`` makes
    the codes of several lists comparable.
    """
    out = []
    for toks in token_lists:
        for t in toks:
            if t not in vocabulary:
                vocabulary[t] = chr(0x100 + len(vocabulary))
        out.append("".join(map(vocabulary.__getitem__, toks)))
    return out


def opcodes(a: str, b: str) -> list[Opcode]:
    """difflib-shaped opcodes of two code strings from their longest common
    subsequence (rapidfuzz's bit-parallel Indel: linear memory per row, no
    Python loop over word pairs); :func:`cleaned` joins a deletion next to an
    insertion into one ``replace``."""
    tags: dict[str, WordOpName] = {"equal": "equal", "delete": "delete", "insert": "insert", "replace": "replace"}
    return [(tags[op.tag], op.src_start, op.src_end, op.dest_start, op.dest_end) for op in Indel.opcodes(a, b)]


def equal_blocks(a: str, b: str) -> list[tuple[int, int, int]]:
    """(start in a, start in b, length) of each matched run of the LCS alignment."""
    return [(op.src_start, op.dest_start, op.src_end - op.src_start) for op in Indel.opcodes(a, b) if op.tag == "equal"]


def lcs_ratio(a: str, b: str) -> float:
    """2·LCS / (len a + len b): difflib's ratio when its blocks find the LCS, 1.0 for two empty texts."""
    if a == b:
        return 1.0
    return float(Indel.normalized_similarity(a, b))


@functools.lru_cache(maxsize=1 << 14)
def word_key(token: str) -> str:
    """What a word compares as: its text after quote, dash and Unicode folding."""
    return normalise(token)


#: Above this many word pairs a paragraph is diffed sentence by sentence first
#: (difflib's matching is quadratic in the worst case).
DIRECT_DIFF_PAIRS = 250_000


def word_diff(old_text: str, new_text: str) -> tuple[WordOp, ...]:
    """The word diff of two texts; words keep their original spelling."""
    a, b = old_text.split(), new_text.split()
    ka, kb = [word_key(t) for t in a], [word_key(t) for t in b]
    ops = cleaned(_opcodes(ka, kb, 0, len(ka), 0, len(kb)))
    return tuple(WordOp(op, " ".join(a[i1:i2]), " ".join(b[j1:j2])) for op, i1, i2, j1, j2 in ops)


def _opcodes(ka: list[str], kb: list[str], a0: int, a1: int, b0: int, b1: int) -> list[Opcode]:
    """Opcodes of ``ka[a0:a1]`` against ``kb[b0:b1]``.

    difflib (longest block first) reads best: a moved or inserted passage is
    shown where a person would put it. Long texts are matched sentence by
    sentence first and each changed stretch word by word; a stretch still too
    long (a text without sentence ends) goes to rapidfuzz's linear-memory LCS.
    """
    if (a1 - a0) * (b1 - b0) <= DIRECT_DIFF_PAIRS:
        matcher = difflib.SequenceMatcher(None, ka[a0:a1], kb[b0:b1], autojunk=False)
        return [(op, i1 + a0, i2 + a0, j1 + b0, j2 + b0) for op, i1, i2, j1, j2 in matcher.get_opcodes()]
    sa, sb = _sentence_bounds(ka, a0, a1), _sentence_bounds(kb, b0, b1)
    keys_a = [tuple(ka[x:y]) for x, y in sa]
    keys_b = [tuple(kb[x:y]) for x, y in sb]
    blocks = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes()
    if all(op != "equal" for op, *_ in blocks):
        vocabulary: dict[str, str] = {}
        code_a, code_b = encode([ka[a0:a1], kb[b0:b1]], vocabulary)
        return [(op, i1 + a0, i2 + a0, j1 + b0, j2 + b0) for op, i1, i2, j1, j2 in opcodes(code_a, code_b)]
    out: list[Opcode] = []
    for op, s1, s2, t1, t2 in blocks:
        x1 = sa[s1][0] if s1 < len(sa) else a1
        x2 = sa[s2 - 1][1] if s2 > s1 else x1
        y1 = sb[t1][0] if t1 < len(sb) else b1
        y2 = sb[t2 - 1][1] if t2 > t1 else y1
        if op == "equal":
            out.append(("equal", x1, x2, y1, y2))
        elif op == "delete":
            out.append(("delete", x1, x2, y1, y1))
        elif op == "insert":
            out.append(("insert", x1, x1, y1, y2))
        else:
            out.extend(_opcodes(ka, kb, x1, x2, y1, y2))
    return out


def ends_sentence(token: str) -> bool:
    """A word that closes a sentence: a final . ! or ?, closing quotes and brackets aside."""
    return token.rstrip("\"')]").endswith((".", "!", "?"))


def _sentence_bounds(keys: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """Word ranges of the sentences in ``keys[start:end]`` (a word ending in . ! or ? closes one)."""
    bounds, first = [], start
    for k in range(start, end):
        if ends_sentence(keys[k]):
            bounds.append((first, k + 1))
            first = k + 1
    if first < end:
        bounds.append((first, end))
    return bounds


def cleaned(ops: list[Opcode]) -> list[Opcode]:
    """Joins adjacent changes, and absorbs a short equal run caught between two
    changes that are each longer than it, as a reader sees a rewritten phrase:
    "[-has stated-] he [-believes-]" is one change, "[-Virus-] hit [-30.000-]"
    two. Sizes are the original changes', so absorbing never snowballs."""
    merged: list[Opcode] = []
    for op in ops:
        if op[0] != "equal" and merged and merged[-1][0] != "equal":
            merged[-1] = ("replace", merged[-1][1], op[2], merged[-1][3], op[4])
        elif op[1] < op[2] or op[3] < op[4]:
            merged.append(op)
    absorbed = {
        k
        for k in range(1, len(merged) - 1)
        if merged[k][0] == "equal"
        and merged[k][2] - merged[k][1] <= ABSORBED_WORDS
        and merged[k][2] - merged[k][1] < min(_size(merged[k - 1]), _size(merged[k + 1]))
    }
    out: list[Opcode] = []
    for k, op in enumerate(merged):
        if (k in absorbed or op[0] != "equal") and out and (out[-1][0] != "equal" or k - 1 in absorbed):
            out[-1] = ("replace", out[-1][1], op[2], out[-1][3], op[4])
        else:
            out.append(op)
    return out


ABSORBED_WORDS = 2


def _size(op: Opcode) -> int:
    return max(op[2] - op[1], op[4] - op[3])


# --- reuse ------------------------------------------------------------------------


def _blocks(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[k : k + n]) for k in range(len(tokens) - n + 1)]


def reuse_cover(
    mine: Sequence[Sequence[str]], theirs: Sequence[Sequence[str]], n: int = REUSE_MIN_WORDS
) -> tuple[list[np.ndarray], list[dict[int, int]]]:
    """For each of my paragraphs (token lists), a mask of the words that lie in
    an ``n``-word block also found in one of ``theirs``, and how many of its
    words each of their paragraphs supplies (paragraph index -> words).

    Blocks do not cross paragraph ends. An empty token list stands for a
    paragraph that takes no part (a headline, a credit).
    """
    home: dict[tuple[str, ...], set[int]] = {}
    for index, toks in enumerate(theirs):
        for block in _blocks(toks, n):
            home.setdefault(block, set()).add(index)
    masks: list[np.ndarray] = []
    sources: list[dict[int, int]] = []
    for toks in mine:
        mask = np.zeros(len(toks), bool)
        by_source: dict[int, np.ndarray] = {}
        for k, block in enumerate(_blocks(toks, n)):
            found = home.get(block)
            if found is None:
                continue
            mask[k : k + n] = True
            for index in found:
                covered = by_source.get(index)
                if covered is None:
                    covered = by_source[index] = np.zeros(len(toks), bool)
                covered[k : k + n] = True
        masks.append(mask)
        sources.append({index: int(covered.sum()) for index, covered in sorted(by_source.items())})
    return masks, sources
