"""Normalised text in bulk, made in compiled code: the article ids of many
articles (:func:`storydiff.model.article_id`), and the normalised,
lower-cased body paragraphs that shared-paragraph counts compare.

:func:`~storydiff.text.normalise` takes 40-45 us for a 5 kB body in
Python, 2 us for one paragraph; the kernel
:func:`storydiff.kernels.normalised_texts` does the same from the
paragraphs' UTF-8 in a third of that, character by character through a
table built here from this Python's Unicode data. Text with a character
whose normal form depends on its neighbours (combining marks, Hangul jamo,
a capital sigma once lower-cased) or past the Basic Multilingual Plane is
left to Python. tests/test_normalised.py checks both against the Python
definitions on any text.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import unicodedata
from collections.abc import Sequence

import numpy as np

from . import kernels
from .kernels import NEEDS_PYTHON, WHITE_SPACE
from .model import article_id
from .signature import composition_seconds, content_segments
from .text import Paragraph, Paragraphs, fold_quotes_and_dashes, normalise

_TABLES: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
_TABLES_LOCK = threading.Lock()
#: What _mapping gives for each code point below 0x10000, once per process.
_MAPPINGS: list[str | None] = []


def _mapping(code: int, seconds: set[int]) -> str | None:
    """What :func:`~storydiff.text.normalise` makes of this character
    wherever it stands, or None when that depends on its neighbours.

    NFKC of a text is NFKC of each character joined, except where
    canonical reordering moves a combining mark or composition fuses a
    character with the one before it (a composition second; Hangul jamo
    compose without decomposition entries). The quote and dash folding
    works character by character on the NFKC result."""
    char = chr(code)
    if 0xD800 <= code < 0xE000:
        return None
    if code < 0x80:
        return "'" if char == "`" else char
    if code in seconds or 0x1100 <= code < 0x1200 or unicodedata.combining(char):
        return None
    if unicodedata.is_normalized("NFKC", char):  # most characters: checked above
        return fold_quotes_and_dashes(char)
    normal = unicodedata.normalize("NFKC", char)
    if any(unicodedata.combining(c) or ord(c) in seconds or 0x1100 <= ord(c) < 0x1200 for c in normal):
        return None
    return fold_quotes_and_dashes(normal)


def tables(lower: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's table (for lower-cased text with ``lower``): for each
    code point below 0x10000 where its characters start in the second
    array (shifted left by 5) and how many there are, or NEEDS_PYTHON;
    characters that are white space carry WHITE_SPACE. ``str.lower`` works
    character by character but for a capital sigma, which is left to Python."""
    with _TABLES_LOCK:
        if lower not in _TABLES:
            if not _MAPPINGS:
                seconds = composition_seconds()
                _MAPPINGS.extend(_mapping(code, seconds) for code in range(0x10000))
            table = np.full(0x10000, NEEDS_PYTHON, np.uint32)
            chars: list[int] = []
            for code, mapped in enumerate(_MAPPINGS):
                if mapped is None or (lower and "\u03a3" in mapped):
                    continue
                flagged = [(c.lower() if lower else c, int(WHITE_SPACE) if c.isspace() else 0) for c in mapped]
                made = [ord(out) | flag for text, flag in flagged for out in text]
                # the kernel writes at most three bytes per byte it reads
                width = 1 if code < 0x80 else 2 if code < 0x800 else 3
                if len(made) >= 32 or len("".join(text for text, _ in flagged).encode("utf-8")) > 3 * width:
                    continue
                table[code] = (len(chars) << 5) | len(made)
                chars.extend(made)
            _TABLES[lower] = (table, np.array(chars, np.uint32))
    return _TABLES[lower]


_WARM = threading.Event()
_WARMING = threading.Lock()


def warm() -> None:
    """Build both tables and load the kernel now (numba's import and cached
    code take about a second), so that the first call need not, and forked
    workers inherit them."""
    BodyIds()([Paragraphs.from_texts(["warm"], ["body"])])
    tables(lower=True)
    _WARM.set()


def is_warm() -> bool:
    return _WARM.is_set()


def warm_in_background() -> threading.Thread | None:
    """:func:`warm` on a thread, started by the first call in a process
    (later calls return None). The caller joins it before anything forks:
    a child forked while it runs could inherit one of its locks, held. A
    failure only leaves the work to Python: ``is_warm`` stays false."""

    def attempt() -> None:
        with contextlib.suppress(Exception):
            warm()

    if not _WARMING.acquire(blocking=False):
        return None
    thread = threading.Thread(target=attempt, name="storydiff-normalised-warm", daemon=True)
    thread.start()
    return thread


def _stores(articles: Sequence[Sequence[Paragraph]]) -> list[Paragraphs]:
    return [p if isinstance(p, Paragraphs) else Paragraphs(p) for p in articles]


class _Output:
    """The kernel's output buffer, kept between calls: memory touched for
    the first time costs more than the normalising."""

    def __init__(self) -> None:
        self._buffer = np.zeros(0, np.uint8)

    def at_least(self, size: int) -> np.ndarray:
        if self._buffer.size < size:
            self._buffer = np.zeros(size, np.uint8)
        return self._buffer


class BodyIds:
    """Computes article ids, reusing its buffers between calls."""

    def __init__(self) -> None:
        self._out = _Output()

    def __call__(self, articles: Sequence[Sequence[Paragraph]]) -> list[str]:
        """The id of each article, given its paragraphs."""
        if not articles:
            return []
        stores = _stores(articles)
        data, segments = content_segments(stores)
        out = self._out.at_least(3 * data.size + segments[0].size + 1)
        out_ends, needs_python = kernels.normalised_texts(data, *segments, *tables(), False, out)
        text = out.data
        bounds = out_ends.tolist()
        return [
            # An empty body takes article_id's fallback to all the text.
            article_id(store) if python or start == stop else hashlib.sha256(text[start:stop]).hexdigest()[:16]
            for store, python, start, stop in zip(stores, needs_python.tolist(), bounds[:-1], bounds[1:], strict=True)
        ]


def lowered_contents(articles: Sequence[Sequence[Paragraph]]) -> list[list[str]]:
    """Each article's body paragraphs (see
    :data:`~storydiff.text.CONTENT_KINDS`) normalised and lower-cased, as
    ``normalise(text).lower()`` makes them."""
    return _paragraph_texts(articles, lower=True)


def folded_contents(articles: Sequence[Sequence[Paragraph]]) -> list[list[tuple[str, str]]]:
    """Each article's body paragraphs normalised, and that lower-cased."""
    return [[(text, text.lower()) for text in texts] for texts in _paragraph_texts(articles, lower=False)]


_PARAGRAPHS_OUT = _Output()
_PARAGRAPHS_LOCK = threading.Lock()


def _paragraph_texts(articles: Sequence[Sequence[Paragraph]], *, lower: bool) -> list[list[str]]:
    if not articles:
        return []
    data, (starts, ends, article_segments) = content_segments(_stores(articles))
    with _PARAGRAPHS_LOCK:
        out = _PARAGRAPHS_OUT.at_least(3 * data.size + starts.size + 1)
        # Each paragraph is a document of one segment.
        out_ends, needs_python = kernels.normalised_texts(data, starts, ends, np.arange(starts.size + 1), *tables(lower), lower, out)
        text, source = out.data, data.data
        bounds, python = out_ends.tolist(), needs_python.tolist()
        starts_list, ends_list = starts.tolist(), ends.tolist()
        paragraphs = [
            _in_python(str(source[starts_list[at] : ends_list[at]], "utf-8", "surrogatepass"), lower)
            if python[at]
            else str(text[bounds[at] : bounds[at + 1]], "utf-8")
            for at in range(starts.size)
        ]
    firsts = article_segments.tolist()
    return [paragraphs[first:last] for first, last in zip(firsts[:-1], firsts[1:], strict=True)]


def _in_python(text: str, lower: bool) -> str:
    return normalise(text).lower() if lower else normalise(text)
