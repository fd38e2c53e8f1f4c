"""The loading stage's entry points: paths in; articles, skips and warnings out."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ..model import Article, LoadWarning, Skipped
from ..workers import gc_paused
from .base import NESTED_TOO_DEEP, NOT_REGULAR, BadInput, Corpus, LoadEvent, LoadOptions, unexpected
from .decoding import decode
from .feeds import _jsonl_lines, _load_jsonl
from .html import _article_from_html
from .jsonitems import _article_from_json, _parse_json_text
from .paths import _display, _walk, format_of
from .textfiles import _article_from_markdown, _article_from_text

#: Options a caller gives none of (LoadOptions is frozen: one instance serves all).
DEFAULT_OPTIONS = LoadOptions()


def iter_load(paths: Iterable[str], options: LoadOptions = DEFAULT_OPTIONS, stdin: BinaryIO | None = None) -> Iterator[LoadEvent]:
    """Load every article below ``paths``, in order, as a stream of events."""
    position = 0
    for arg in paths:
        if arg == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            for event in _load_bytes("-", stream.read(), options.stdin_format, options, position):
                position += isinstance(event, Article)
                yield event
            continue
        if os.path.isdir(arg):
            files = []
            for found in _walk(arg):
                if isinstance(found, str):
                    files.append(found)
                else:
                    yield found
            if not files:
                yield LoadWarning(_display(arg), "no article files (.txt .md .html .json .jsonl) in this directory")
        elif os.path.exists(arg):
            files = [arg]
        else:
            yield Skipped(_display(arg), "no such file or directory")
            continue
        for file in files:
            for event in _load_file(file, options, position):
                position += isinstance(event, Article)
                yield event


def load(paths: Iterable[str], options: LoadOptions = DEFAULT_OPTIONS, stdin: BinaryIO | None = None) -> Corpus:
    articles: list[Article] = []
    skipped: list[Skipped] = []
    warnings: list[LoadWarning] = []
    with gc_paused():
        for event in iter_load(paths, options, stdin):
            if isinstance(event, Article):
                articles.append(event)
            elif isinstance(event, Skipped):
                skipped.append(event)
            else:
                warnings.append(event)
    return Corpus(tuple(articles), tuple(skipped), tuple(warnings))


def _load_file(file: str, options: LoadOptions, position: int) -> Iterator[LoadEvent]:
    shown = _display(file)
    fmt = format_of(file) or "txt"
    try:
        if not stat.S_ISREG(os.stat(file).st_mode):
            yield Skipped(shown, NOT_REGULAR)
            return
    except OSError as exc:
        yield Skipped(shown, f"cannot read: {exc.strerror or exc}")
        return
    if fmt == "jsonl":
        yield from _load_jsonl(file, shown, options, position)
        return
    try:
        size = os.path.getsize(file)
        if size > options.max_article_bytes:
            yield Skipped(
                shown, f"article is {size:,} bytes, over --max-article-bytes {options.max_article_bytes:,}; raise the limit to load it"
            )
            return
        with open(file, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        yield Skipped(shown, f"cannot read: {exc.strerror or exc}")
        return
    yield from _load_bytes(shown, data, fmt, options, position)


def _load_bytes(shown: str, data: bytes, fmt: str, options: LoadOptions, position: int) -> Iterator[LoadEvent]:
    if len(data) > options.max_article_bytes and fmt != "jsonl":
        yield Skipped(
            shown, f"article is {len(data):,} bytes, over --max-article-bytes {options.max_article_bytes:,}; raise the limit to load it"
        )
        return
    try:
        text, warning = decode(data)
    except BadInput as exc:
        yield Skipped(shown, str(exc))
        return
    if warning:
        yield LoadWarning(shown, warning)
    if fmt == "jsonl":
        yield from _jsonl_lines(shown, iter(text.splitlines()), options, position)
        return
    try:
        if fmt == "json":
            parsed = _parse_json_text(text)
            if isinstance(parsed, list):
                if not all(isinstance(item, dict) for item in parsed):
                    raise BadInput("JSON is a list but not of article objects; pass one article per .json file or a .jsonl feed")
                for number, item in enumerate(parsed, 1):
                    try:
                        yield _article_from_json(f"{shown}:{number}", item, position)
                        position += 1
                    except BadInput as exc:
                        yield Skipped(f"{shown}:{number}", str(exc))
                return
            yield _article_from_json(shown, parsed, position)
        elif fmt == "html":
            yield _article_from_html(shown, text, position)
        elif fmt == "md":
            yield _article_from_markdown(shown, text, position)
        else:
            yield _article_from_text(shown, text, position)
    except BadInput as exc:
        yield Skipped(shown, str(exc))
    except RecursionError:
        yield Skipped(shown, NESTED_TOO_DEEP)
    except Exception as exc:  # one strange file never ends the run
        yield Skipped(shown, unexpected(exc))
