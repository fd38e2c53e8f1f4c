"""Article ids in bulk: :func:`storydiff.model.article_id` of many articles
at once, with the normalising done in compiled code.

An id hashes the article's normalised body. In Python, normalising a 5 kB
body takes 40-45 us, a quarter of what loading a feed line costs; the kernel
:func:`storydiff.kernels.normalised_bodies` does it in about a third of that
from the paragraphs' UTF-8, character by character through a table built
here from this Python's Unicode data. A body with a character whose normal
form depends on its neighbours (combining marks, Hangul jamo), or past the
Basic Multilingual Plane, is left to Python. tests/test_ids.py checks the
ids against :func:`~storydiff.model.article_id` on any text.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import unicodedata
from array import array
from collections.abc import Sequence

import numpy as np

from .model import article_id
from .signature import composition_seconds
from .text import CONTENT_CODE_TABLE, Paragraph, Paragraphs, fold_quotes_and_dashes

_ENDS_DTYPE = np.dtype(f"=u{array('I').itemsize}")
_TABLES: list[tuple[np.ndarray, np.ndarray]] = []
_TABLES_LOCK = threading.Lock()


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
    normal = unicodedata.normalize("NFKC", char)
    if any(unicodedata.combining(c) or ord(c) in seconds or 0x1100 <= ord(c) < 0x1200 for c in char + normal):
        return None
    return fold_quotes_and_dashes(normal)


def tables() -> tuple[np.ndarray, np.ndarray]:
    """The kernel's table: for each code point below 0x10000 where its
    characters start in the second array (shifted left by 5) and how many
    there are, or NEEDS_PYTHON; white space characters carry WHITE_SPACE."""
    from .kernels import NEEDS_PYTHON, WHITE_SPACE

    with _TABLES_LOCK:
        if not _TABLES:
            seconds = composition_seconds()
            table = np.full(0x10000, NEEDS_PYTHON, np.uint32)
            chars: list[int] = []
            for code in range(0x10000):
                mapped = _mapping(code, seconds)
                # the kernel writes at most three bytes per byte it reads
                width = len(chr(code).encode("utf-8", "surrogatepass"))
                if mapped is None or len(mapped) >= 32 or len(mapped.encode("utf-8")) > 3 * width:
                    continue
                table[code] = (len(chars) << 5) | len(mapped)
                chars.extend(ord(c) | (int(WHITE_SPACE) if c.isspace() else 0) for c in mapped)
            _TABLES.append((table, np.array(chars, np.uint32)))
    return _TABLES[0]


_WARM = threading.Event()
_WARMING = threading.Lock()


def warm() -> None:
    """Build the table and load the kernel now (numba's import and cached
    code take about a second), so that the first call need not."""
    BodyIds()([Paragraphs.from_texts(["warm"], ["body"])])
    _WARM.set()


def is_warm() -> bool:
    return _WARM.is_set()


def warm_in_background() -> threading.Thread | None:
    """:func:`warm` on a thread, started by the first call in a process
    (later calls return None). The caller joins it before anything forks:
    a child forked while it runs could inherit one of its locks, held. A
    failure only leaves the ids to Python: ``is_warm`` stays false."""

    def attempt() -> None:
        with contextlib.suppress(Exception):
            warm()

    if not _WARMING.acquire(blocking=False):
        return None
    thread = threading.Thread(target=attempt, name="storydiff-ids-warm", daemon=True)
    thread.start()
    return thread


class BodyIds:
    """Computes article ids; keeps its output buffer between calls, as
    memory touched for the first time costs more than the normalising."""

    def __init__(self) -> None:
        self._out = np.zeros(0, np.uint8)

    def __call__(self, articles: Sequence[Sequence[Paragraph]]) -> list[str]:
        """The id of each article, given its paragraphs."""
        if not articles:
            return []
        stores = [p if isinstance(p, Paragraphs) else Paragraphs(p) for p in articles]
        from . import kernels

        table, table_chars = tables()
        buffers = [store.store() for store in stores]
        data = np.frombuffer(b"".join(data for data, _, _ in buffers), np.uint8)
        doc_starts = np.zeros(len(buffers) + 1, np.int64)
        np.cumsum([len(data) for data, _, _ in buffers], out=doc_starts[1:])
        end_starts = np.zeros(len(buffers) + 1, np.int64)
        np.cumsum([len(kinds) for _, _, kinds in buffers], out=end_starts[1:])
        ends = np.frombuffer(b"".join(ends.tobytes() for _, ends, _ in buffers), _ENDS_DTYPE)
        kinds = np.frombuffer(b"".join(kinds for _, _, kinds in buffers), np.uint8)
        content = np.frombuffer(CONTENT_CODE_TABLE, np.uint8)
        segments = kernels.content_ranges(data, doc_starts, ends, end_starts, kinds, content)
        needed = 3 * data.size + segments[0].size + 1
        if self._out.size < needed:
            self._out = np.zeros(needed, np.uint8)
        out_ends, needs_python = kernels.normalised_bodies(data, *segments, table, table_chars, self._out)
        text = self._out.data
        bounds = out_ends.tolist()
        return [
            # An empty body takes article_id's fallback to all the text.
            article_id(store) if python or start == stop else hashlib.sha256(text[start:stop]).hexdigest()[:16]
            for store, python, start, stop in zip(stores, needs_python.tolist(), bounds[:-1], bounds[1:], strict=True)
        ]
