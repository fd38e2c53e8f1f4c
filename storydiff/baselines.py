"""What a user would otherwise reach for, run through the same scoring.

* Clustering: datasketch's MinHashLSH at Jaccard 0.5 over word 5-grams with
  union-find over the query results (the text-dedup default recipe).
* Alignment: stdlib difflib over the paragraph lists, pairing the paragraphs
  of each replaced block in order when they are similar enough.

They are written the idiomatic way on purpose: the evaluation table shows
what storydiff adds over them, not a tuned rival.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

from .align import Link
from .model import Article
from .text import normalise
from .unionfind import UnionFind

_WORD = re.compile(r"\w+")


def word_shingles(text: str, k: int = 5) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def minhash_lsh_groups(articles: Sequence[Article], threshold: float = 0.5, num_perm: int = 128, k: int = 5) -> list[list[int]]:
    """Union-find over MinHashLSH query results: two articles share a group
    when LSH says their estimated Jaccard may reach ``threshold``."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sketches: list[Any] = []
    for i, article in enumerate(articles):
        shingles = word_shingles(article.body, k)
        if not shingles:
            # An empty MinHash equals every other empty one: a text with no
            # words (a page that was only furniture) resembles nothing.
            sketches.append(None)
            continue
        sketch = MinHash(num_perm=num_perm)
        for shingle in shingles:
            sketch.update(shingle.encode("utf-8"))
        lsh.insert(i, sketch)
        sketches.append(sketch)
    sets = UnionFind(range(len(articles)))
    for i, sketch in enumerate(sketches):
        if sketch is None:
            continue
        for j in lsh.query(sketch):
            sets.union(i, int(j))
    groups: dict[int, list[int]] = {}
    for i in range(len(articles)):
        groups.setdefault(sets.find(i), []).append(i)
    return list(groups.values())


def _word_ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a.lower().split(), b.lower().split(), autojunk=False).ratio()


def difflib_links(old: Article, new: Article, min_ratio: float = 0.5) -> list[Link]:
    """Paragraph links from ``SequenceMatcher`` opcodes: equal blocks are
    copied, and inside a replaced block each old paragraph takes the next new
    one in order that is at least ``min_ratio`` similar (edited)."""
    a = [normalise(p.text) for p in old.paragraphs]
    b = [normalise(p.text) for p in new.paragraphs]
    links: list[Link] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            links += [Link("copied", (i1 + d,), (j1 + d,), similarity=1.0) for d in range(i2 - i1)]
            continue
        cursor = j1
        for i in range(i1, i2):
            for j in range(cursor, j2):
                ratio = _word_ratio(a[i], b[j])
                if ratio >= min_ratio:
                    links += [Link("added", (), (skipped,)) for skipped in range(cursor, j)]
                    links.append(Link("edited", (i,), (j,), similarity=round(ratio, 4)))
                    cursor = j + 1
                    break
            else:
                links.append(Link("removed", (i,), ()))
        links += [Link("added", (), (j,)) for j in range(cursor, j2)]
    return links
