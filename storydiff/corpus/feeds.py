"""JSON Lines feeds, line by line, and across processes when large."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import threading
from collections.abc import Iterator
from typing import Any

from ..model import ARTICLE_FIELDS, Article, LoadWarning, Skipped, article_arguments
from .base import _ID_LATER, NESTED_TOO_DEEP, BadInput, LoadEvent, LoadOptions, unexpected
from .jsonitems import _FAST_JSON_DECLINED, _article_from_json, _fast_json, _parse_json_text

#: Feeds larger than this are parsed on several processes when allowed.
PARALLEL_JSONL_BYTES = 16 << 20


#: Bytes of whole lines a worker reads and parses at once.
_JSONL_CHUNK_BYTES = 4 << 20


_NEWLINE = ord("\n")


def _load_jsonl(file: str, shown: str, options: LoadOptions, position: int) -> Iterator[LoadEvent]:
    try:
        parallel = options.workers > 1 and os.path.getsize(file) > PARALLEL_JSONL_BYTES
        with open(file, "rb") as handle:
            if parallel:
                yield from _jsonl_parallel(file, shown, handle, options, position)
            else:
                yield from _jsonl_lines(shown, (line for line in handle), options, position)
    except OSError as exc:
        yield Skipped(shown, f"cannot read: {exc.strerror or exc}")


#: What a worker sends for a line: a skip or warning, or an article's
#: constructor arguments, for this process to build with its place in the load
#: and, when the worker left it, its id.
_ChunkEvent = Skipped | LoadWarning | tuple[Any, ...]
_POSITION, _ID, _PARAGRAPHS = (ARTICLE_FIELDS.index(name) for name in ("position", "id", "paragraphs"))


def _jsonl_chunk(job: tuple[str, str, int, int, int, LoadOptions, bool]) -> list[_ChunkEvent]:
    file, shown, offset, size, first_number, options, ids_later = job
    with open(file, "rb") as handle:
        handle.seek(offset)
        lines = io.BytesIO(handle.read(size))
    events = _jsonl_lines(shown, iter(lines), options, 0, first_number=first_number, whole_file=False, ids_later=ids_later)
    return [article_arguments(event) if isinstance(event, Article) else event for event in events]


def _jsonl_parallel(file: str, shown: str, handle: io.BufferedReader, options: LoadOptions, position: int) -> Iterator[LoadEvent]:
    """Parse chunks of lines on a process pool, yielding events in file order.

    This process only finds where chunks of whole lines start and which line
    each starts on (counting newlines in C); the workers read their chunks
    from the file themselves, so no line crosses a pipe. Once the compiled
    id kernel has loaded here (on a thread, about a second), the workers
    leave the article ids to this process, which computes them in bulk for
    less than half of what they spend (see :mod:`storydiff.normalised`)."""
    import collections
    from concurrent.futures import Future

    import numpy as np

    from .. import normalised
    from ..workers import process_pool

    def jobs() -> Iterator[tuple[str, str, int, int, int, LoadOptions, bool]]:
        # One buffer for every chunk, and newlines counted by numpy: 0.5 -> 0.1 s
        # of this process at 500 MB (fresh 4 MB blocks cost a page fault every 4 kB).
        buffer = bytearray(_JSONL_CHUNK_BYTES)
        newlines = np.frombuffer(buffer, np.uint8)
        offset, number = 0, 1
        while True:
            got = handle.readinto(buffer)
            rest = handle.readline()
            size = got + len(rest)
            if not size:
                return
            yield (file, shown, offset, size, number, options, normalised.is_warm())
            offset += size
            number += int(np.count_nonzero(newlines[:got] == _NEWLINE)) + rest.count(b"\n")

    body_ids = normalised.BodyIds()
    warming: threading.Thread | None = None
    seen_any = False
    with process_pool(options.workers) as pool, contextlib.ExitStack() as cleanup:
        cleanup.callback(lambda: warming.join() if warming is not None else None)
        # Executor.map would read the whole feed up front; keep a small window in flight.
        pending: collections.deque[Future[list[_ChunkEvent]]] = collections.deque()
        window = 2 * options.workers
        for job in itertools.chain(jobs(), [None]):
            if job is not None:
                pending.append(pool.submit(_jsonl_chunk, job))
                if warming is None and not normalised.is_warm():
                    # Started once the workers are forked (at the first job).
                    warming = normalised.warm_in_background()
            while pending and (job is None or len(pending) > window):
                events = pending.popleft().result()
                later = [event[_PARAGRAPHS] for event in events if isinstance(event, tuple) and event[_ID] == _ID_LATER]
                ids = iter(body_ids(later))
                for event in events:
                    # Every non-empty line gives an article or a skip, as in _jsonl_lines.
                    seen_any = True
                    if isinstance(event, tuple):
                        arguments = list(event)
                        arguments[_POSITION] = position
                        if arguments[_ID] == _ID_LATER:
                            arguments[_ID] = next(ids)
                        position += 1
                        yield Article(*arguments)
                    else:
                        yield event
    if not seen_any:
        yield Skipped(shown, "empty file; nothing to load")


def _jsonl_lines(
    shown: str,
    lines: Iterator[bytes] | Iterator[str],
    options: LoadOptions,
    position: int,
    first_number: int = 1,
    whole_file: bool = True,
    ids_later: bool = False,
) -> Iterator[LoadEvent]:
    seen_any = False
    for number, raw in enumerate(lines, first_number):
        where = f"{shown}:{number}"
        line: str | None = None
        if isinstance(raw, bytes):
            if len(raw) > options.max_article_bytes:
                yield Skipped(
                    where,
                    f"article is {len(raw):,} bytes, over --max-article-bytes {options.max_article_bytes:,}; raise the limit to load it",
                )
                continue
            parsed = _fast_json(raw)
            if parsed is _FAST_JSON_DECLINED:
                try:
                    line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError:
                    yield Skipped(where, "line is not UTF-8; re-save the feed as UTF-8")
                    continue
        else:
            line = str(raw)
        if line is not None and not line.strip():
            continue
        seen_any = True
        try:
            yield _article_from_json(
                where, _parse_json_text(line, in_feed=True) if line is not None else parsed, position, id_later=ids_later
            )
            position += 1
        except BadInput as exc:
            yield Skipped(where, str(exc))
        except RecursionError:
            yield Skipped(where, NESTED_TOO_DEEP)
        except Exception as exc:  # one strange line never ends the feed
            yield Skipped(where, unexpected(exc))
    if whole_file and not seen_any:
        yield Skipped(shown, "empty file; nothing to load")
