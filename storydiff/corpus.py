"""Loading: the only stage that reads article files.

Every input becomes an :class:`Article`, or a :class:`Skipped` record with a
one-line reason; one bad file never stops the others.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import functools
import io
import itertools
import json
import os
import re
import stat
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .model import Article, LoadWarning, Skipped, texts_id
from .text import Paragraphs, headline_of, kinded_paragraphs, segment
from .workers import gc_paused

DEFAULT_MAX_ARTICLE_BYTES = 5_000_000
FORMATS = ("txt", "md", "html", "json", "jsonl")
_EXTENSIONS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}

LoadEvent = Article | Skipped | LoadWarning


class BadInput(ValueError):
    """An input that cannot become an article; the message is for the user."""


@dataclass(frozen=True)
class LoadOptions:
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES
    stdin_format: str = "txt"
    #: Processes for parsing large JSONL feeds (1: in this process).
    workers: int = 1

    def __post_init__(self) -> None:
        if self.max_article_bytes <= 0:
            raise ValueError(f"max_article_bytes must be positive, got {self.max_article_bytes}")
        if self.stdin_format not in FORMATS:
            raise ValueError(f"stdin_format must be one of {', '.join(FORMATS)}, got {self.stdin_format!r}")


@dataclass(frozen=True)
class Corpus:
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[LoadWarning, ...]


_DIGIT_RUNS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts ``2_`` before ``10_``."""
    # split() with a group puts the digit runs at the odd places. Asking
    # isdigit() instead took "²" for a number, which int() refuses.
    parts = _DIGIT_RUNS.split(name)
    return tuple((0, int(part)) if odd else (1, part.lower()) for odd, part in zip(itertools.cycle((False, True)), parts) if part)


def format_of(path: str) -> str | None:
    return _EXTENSIONS.get(os.path.splitext(path)[1].lower())


def _walk(root: str, seen: set[tuple[int, int]] | None = None) -> Iterator[str | Skipped | LoadWarning]:
    """Files below a directory, natural order, hidden entries skipped.

    Symbolic links are followed, each real directory once: a link back up
    the tree (``ln -s . loop``) is named and left. A folder that cannot be
    listed is skipped alone, and a named pipe, socket or device is never
    opened (reading a pipe would wait for a writer forever)."""
    seen = set() if seen is None else seen
    try:
        identity = os.stat(root)
        seen.add((identity.st_dev, identity.st_ino))
        entries = sorted(os.listdir(root), key=natural_key)
    except OSError as exc:
        yield Skipped(_display(root), f"cannot list directory: {exc.strerror or exc}; check its permissions")
        return
    for name in entries:
        if name.startswith("."):
            continue
        full = os.path.join(root, name)
        try:
            info = os.stat(full)
        except OSError as exc:
            if format_of(name) is not None or os.path.islink(full):
                yield Skipped(_display(full), f"cannot read: {exc.strerror or exc} (a broken or looping link?)")
            continue
        if stat.S_ISDIR(info.st_mode):
            if (info.st_dev, info.st_ino) in seen:
                yield LoadWarning(_display(full), "a link to a folder already read (a loop or a second path to it); not read again")
                continue
            yield from _walk(full, seen)
        elif format_of(name) is not None:
            yield full if stat.S_ISREG(info.st_mode) else Skipped(_display(full), NOT_REGULAR)


def _display(path: str) -> str:
    return path.replace(os.sep, "/")


def iter_load(paths: Iterable[str], options: LoadOptions = LoadOptions(), stdin: BinaryIO | None = None) -> Iterator[LoadEvent]:
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


def load(paths: Iterable[str], options: LoadOptions = LoadOptions(), stdin: BinaryIO | None = None) -> Corpus:
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


NOT_REGULAR = "not a regular file (a named pipe, socket or device); storydiff reads only files"
NESTED_TOO_DEEP = "nested too deeply to be an article (hundreds of levels of lists, objects or tags); check how it was made"


def unexpected(exc: BaseException) -> str:
    """The skip reason for an error no check foresaw: what it was, and what to do."""
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"could not be read ({type(exc).__name__}{': ' + detail if detail else ''}); check the file, and report it if it looks right"


# --- encodings --------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str | None]:
    """Bytes to text: UTF-8 (BOM or not), UTF-16 with BOM, else detected.

    Returns the text and a warning when the encoding had to be guessed.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _check_text(data[3:].decode("utf-8", errors="replace")), None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _check_text(data.decode("utf-16")), None
        except UnicodeDecodeError as exc:
            raise BadInput("invalid UTF-16 despite its byte-order mark; re-save the file as UTF-8") from exc
    if not data.strip():
        raise BadInput("empty file; nothing to load")
    if b"\x00" in data[:8192]:
        raise BadInput("binary file, not text; pass article files (.txt .md .html .json .jsonl)")
    try:
        return _check_text(data.decode("utf-8")), None
    except UnicodeDecodeError:
        pass
    return guess_decode(data)


#: A file this close to valid UTF-8 is UTF-8 with a few damaged bytes, not another encoding.
MAX_BAD_UTF8_SHARE = 0.002
#: What cp1252 adds to Latin-1 at 0x80-0x9F and the Latin-1 letters and signs Western text uses.
_WESTERN = re.compile(r"[\x20-\x7e\t\n\r\f\u00a0-\u00ff€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]*")


def guess_decode(data: bytes) -> tuple[str, str]:
    """Text that is not valid UTF-8, and the warning that says how it was read.

    Nearly valid UTF-8 (a few bad bytes in a long file) stays UTF-8 with the
    bad bytes replaced; Western text that cp1252 reads without an undefined
    byte is cp1252 (charset-normalizer often calls it cp1250 or a Mac code
    page, turning ``naïve`` into ``naďve``); anything else is detected."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    if bad <= max(8, MAX_BAD_UTF8_SHARE * len(data)) and _multibyte_utf8(data) > bad:
        warning = f"{bad} byte{'s' if bad != 1 else ''} not valid UTF-8, shown as U+FFFD; re-save the file as UTF-8 to fix them"
        return _check_text(text), warning
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = ""
    if western and _WESTERN.fullmatch(western) and _reads_as_western(western):
        return _check_text(western), "not UTF-8; read as cp1252 (Western European), re-save as UTF-8 to be sure"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise BadInput("unknown text encoding; re-save the file as UTF-8")
    return _check_text(str(best)), f"not UTF-8; read as {best.encoding} (detected), re-save as UTF-8 to be sure"


def _reads_as_western(text: str) -> bool:
    """Western European text has mostly plain letters, and no sign (¿ ³ ¹ ± ¶ ¼)
    inside a word: Polish or Russian bytes read as cp1252 have both."""
    letters = [c for c in text if c.isalpha()]
    accented = sum(1 for c in letters if ord(c) > 127)
    return accented <= 0.3 * len(letters) and not _SIGN_IN_WORD.search(text)


_SIGN_IN_WORD = re.compile(r"[^\W\d_][\u00a1-\u00bf][^\W\d_]")


def _multibyte_utf8(data: bytes) -> int:
    """How many well-formed multi-byte UTF-8 sequences the bytes hold."""
    return len(re.findall(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}", data))


def _check_text(text: str) -> str:
    if not text.strip():
        raise BadInput("empty file; nothing to load")
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 8:
        raise BadInput("binary file, not text; pass article files (.txt .md .html .json .jsonl)")
    return text


#: The id of an article whose id the parallel feed loader computes in the
#: parent process (see :func:`_jsonl_parallel`); never seen outside the loader.
_ID_LATER = "\x00id later"


def _paragraphs(blocks: list[str], headline: str | None = None, *, id_later: bool = False) -> tuple[Paragraphs, str]:
    """An article's paragraphs (:func:`~storydiff.text.build_paragraphs`) and its id."""
    paragraphs, texts, kinds = kinded_paragraphs(blocks, headline)
    return paragraphs, _ID_LATER if id_later else texts_id(texts, kinds)


# --- plain text and Markdown -------------------------------------------------


def article_from_text(text: str, path: str = "-") -> Article:
    """An article from plain text held in memory, read as a ``.txt`` file is."""
    return _article_from_text(path, text, 0)


def _article_from_text(shown: str, text: str, position: int) -> Article:
    paragraphs, article_id = _paragraphs(segment(text))
    if not paragraphs:
        raise BadInput("empty file; nothing to load")
    return Article(path=shown, paragraphs=paragraphs, headline=headline_of(paragraphs), position=position, id=article_id)


#: Block-quote and list markers (with their indentation) at the start of a line.
_CONTAINER_MARKERS = re.compile(r"^(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])))*[ \t]*", re.M)

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def _article_from_markdown(shown: str, text: str, position: int) -> Article:
    import yaml
    from markdown_it import MarkdownIt

    meta: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        loaded = _front_matter(match.group(1), yaml)
        if loaded is not None and not isinstance(loaded, dict):
            raise BadInput("YAML front matter is not a mapping of keys to values")
        meta = loaded or {}
        text = text[match.end() :]
    blocks: list[str] = []
    heading_levels: list[int] = []
    parser = MarkdownIt("commonmark")
    tokens = parser.parse(text)
    if tokens and max(t.level for t in tokens) >= parser.options["maxNesting"] - 1:
        # markdown-it stops reading at its nesting limit and drops the rest of
        # the file: no article nests quotes or lists this deep, so read it flat.
        tokens = parser.parse(_CONTAINER_MARKERS.sub("", text))
    for i, token in enumerate(tokens):
        if token.type != "inline":
            continue
        parts: list[str] = []
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
            elif child.type == "image":
                parts.append(child.content)
        block = re.sub(r"\s+", " ", "".join(parts)).strip()
        if block:
            opener = tokens[i - 1] if i else None
            level = int(opener.tag[1]) if opener is not None and opener.type == "heading_open" else 0
            blocks.append(block)
            heading_levels.append(level)
    headline = _string(meta.get("headline") or meta.get("title"))
    if not headline and heading_levels and heading_levels[0] == 1:
        headline, blocks = blocks[0], blocks[1:]
    paragraphs, article_id = _paragraphs(blocks, headline or None)
    if not paragraphs:
        raise BadInput("no text in this Markdown file")
    return Article(
        path=shown,
        paragraphs=paragraphs,
        headline=headline or headline_of(paragraphs),
        published=_meta_time(meta, "published", "date"),
        modified=_meta_time(meta, "modified", "updated"),
        url=_string(meta.get("url")),
        source=_string(meta.get("source")),
        external_id=_string(meta.get("id")),
        position=position,
        id=article_id,
        editorial_note=_string(meta.get("ednote") or meta.get("editorial_note")) or None,
        version=_string(meta.get("version")) or None,
    )


#: Front matter is a few keys and values; an anchor used more than this is an expansion bomb.
MAX_YAML_ALIASES = 20
MAX_FRONT_MATTER_BYTES = 64_000


def _front_matter(text: str, yaml: Any) -> Any:
    """YAML front matter read with limits: no alias expansion beyond a few
    references, no huge block, and dates kept as text (a date YAML cannot
    build, such as 2024-13-45, becomes a clear message, not a crash)."""
    if len(text) > MAX_FRONT_MATTER_BYTES:
        raise BadInput(f"YAML front matter is over {MAX_FRONT_MATTER_BYTES:,} bytes; keep it to a few keys (headline, published, url…)")
    try:
        aliases = sum(1 for token in yaml.scan(text) if isinstance(token, yaml.AliasToken))
        if aliases > MAX_YAML_ALIASES:
            raise BadInput(f"YAML front matter uses {aliases} aliases (*name); write the values out, storydiff reads plain keys and values")
        return yaml.load(text, Loader=_plain_yaml_loader(yaml))
    except yaml.YAMLError as exc:
        raise BadInput(f"malformed YAML front matter: {str(exc).splitlines()[0]}") from exc
    except RecursionError as exc:
        raise BadInput("YAML front matter is nested too deeply; keep it to a few keys and values") from exc


@functools.cache
def _plain_yaml_loader(yaml: Any) -> Any:
    """SafeLoader without the timestamp resolver: times stay text for :func:`parse_time`."""

    class PlainDates(yaml.SafeLoader):  # type: ignore[misc]
        pass

    PlainDates.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return PlainDates


def _meta_time(meta: dict[str, Any], *keys: str) -> datetime | None:
    key = next((k for k in keys if meta.get(k) not in (None, "")), None)
    if key is None:
        return None
    parsed = parse_time(meta[key])
    if parsed is None:
        raise BadInput(f"front matter {key}: {str(meta[key])[:40]!r} is not a date; write it as 2024-12-01 or 2024-12-01T09:30:00Z")
    return parsed


# --- HTML ----------------------------------------------------------------------


def _article_from_html(shown: str, text: str, position: int) -> Article:
    import lxml.html
    import trafilatura

    parser = lxml.html.HTMLParser()
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
        # libxml2 drops whatever lies deeper than 256 elements (and trafilatura
        # parses the same way): read such a page again without that limit.
        too_deep = any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log)
        if too_deep:
            tree = lxml.html.document_fromstring(text, parser=lxml.html.HTMLParser(huge_tree=True))
    except (ValueError, lxml.etree.ParserError) as exc:
        raise BadInput(f"malformed HTML: {exc}") from exc
    extracted = trafilatura.extract(
        copy.deepcopy(tree) if too_deep else text,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        deduplicate=False,
    )
    if not extracted or len(re.findall(r"[^\W\d_]{2,}", extracted)) < 3:
        raise BadInput("no article text found in this HTML page (is it an article page?)")
    blocks = [re.sub(r"\s+", " ", line).strip() for line in extracted.split("\n")]
    blocks = [b for b in blocks if b]
    h1s = [re.sub(r"\s+", " ", h.text_content()).strip() for h in tree.iter("h1")]
    headline = h1s[0] if len(h1s) == 1 and h1s[0] else ""
    if not headline:
        metadata = trafilatura.extract_metadata(text)
        headline = (metadata.title or "") if metadata is not None else ""
    meta_times = _html_times(tree)
    canonical = tree.xpath("//link[@rel='canonical']/@href") or tree.xpath("//meta[@property='og:url']/@content")
    site = tree.xpath("//meta[@property='og:site_name']/@content")
    paragraphs, article_id = _paragraphs(blocks, headline or None)
    return Article(
        path=shown,
        paragraphs=paragraphs,
        headline=headline or headline_of(paragraphs),
        published=meta_times.get("published"),
        modified=meta_times.get("modified"),
        url=str(canonical[0]) if canonical else None,
        source=str(site[0]) if site else None,
        position=position,
        id=article_id,
    )


def _html_times(tree: Any) -> dict[str, datetime | None]:
    times: dict[str, datetime | None] = {}
    for key, prop in (("published", "article:published_time"), ("modified", "article:modified_time")):
        values = tree.xpath(f"//meta[@property='{prop}' or @name='{prop}']/@content")
        if values:
            times[key] = parse_time(values[0])
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for node in _jsonld_nodes(data):
            for key, field in (("published", "datePublished"), ("modified", "dateModified")):
                if times.get(key) is None and node.get(field):
                    times[key] = parse_time(node.get(field))
    return times


def _jsonld_nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _jsonld_nodes(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _jsonld_nodes(data["@graph"])


# --- JSON, ninjs and JSONL -----------------------------------------------------


def _parse_json_text(text: str, in_feed: bool = False) -> Any:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"column {exc.colno}" if in_feed else f"line {exc.lineno} column {exc.colno}"
        raise BadInput(f"malformed JSON at {where}: {exc.msg}") from exc
    except RecursionError as exc:
        raise BadInput(NESTED_TOO_DEEP) from exc
    # JSON may escape half of a UTF-16 pair ("\ud83d" of a cut emoji); such
    # text cannot be written as UTF-8, so it becomes U+FFFD, as a bad byte would.
    return _without_lone_surrogates(parsed) if _SURROGATE_ESCAPE.search(text) else parsed


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(key): _without_lone_surrogates(item) for key, item in value.items()}
    return value


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


def _jsonl_chunk(job: tuple[str, str, int, int, int, LoadOptions, bool]) -> list[LoadEvent]:
    file, shown, offset, size, first_number, options, ids_later = job
    with open(file, "rb") as handle:
        handle.seek(offset)
        lines = io.BytesIO(handle.read(size))
    return list(_jsonl_lines(shown, iter(lines), options, 0, first_number=first_number, whole_file=False, ids_later=ids_later))


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

    from . import normalised
    from .workers import process_pool

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
        pending: collections.deque[Future[list[LoadEvent]]] = collections.deque()
        window = 2 * options.workers
        for job in itertools.chain(jobs(), [None]):
            if job is not None:
                pending.append(pool.submit(_jsonl_chunk, job))
                if warming is None and not normalised.is_warm():
                    # Started once the workers are forked (at the first job).
                    warming = normalised.warm_in_background()
            while pending and (job is None or len(pending) > window):
                events = pending.popleft().result()
                later = [event for event in events if isinstance(event, Article) and event.id == _ID_LATER]
                for article, article_id in zip(later, body_ids([article.paragraphs for article in later]), strict=True):
                    object.__setattr__(article, "id", article_id)
                for event in events:
                    # Every non-empty line gives an article or a skip, as in _jsonl_lines.
                    seen_any = True
                    if isinstance(event, Article):
                        # Just unpickled and held nowhere else: setting its
                        # place in the load costs far less than a copy.
                        object.__setattr__(event, "position", position)
                        position += 1
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


_FAST_JSON_DECLINED = object()
#: orjson reads an integer this large or larger as a float; the standard library keeps it exact.
_INEXACT = float(2**63)


def _fast_json(raw: bytes) -> Any:
    """A JSON line as the standard library reads it, read by orjson: 7 us
    for the 19-22 us of decoding and ``json.loads`` (a feed line of 5 kB,
    measured). Returns ``_FAST_JSON_DECLINED`` for every line orjson reads
    otherwise or not at all (a byte-order mark, bytes that are not UTF-8,
    half of a UTF-16 pair, NaN, numbers out of range), which the standard
    library then reads or reports."""
    try:
        parsed = orjson.loads(raw)
        return _FAST_JSON_DECLINED if _has_inexact_number(parsed) else parsed
    except (orjson.JSONDecodeError, RecursionError):
        return _FAST_JSON_DECLINED


def _has_inexact_number(value: Any) -> bool:
    if type(value) is dict:
        return any(map(_has_inexact_number, value.values()))
    if type(value) is list:
        return any(map(_has_inexact_number, value))
    return type(value) is float and not -_INEXACT < value < _INEXACT


def _string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def _first(item: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if item.get(key) not in (None, "", []):
            return item[key]
    return None


def _by_role(entries: Any, content_type: str | None = None) -> str:
    """The ``main`` entry of a ninjs ``headlines``/``bodies`` list (of one
    content type when given; a missing type counts as text/plain)."""
    if not isinstance(entries, list):
        return ""
    candidates = [e for e in entries if isinstance(e, dict) and e.get("value")]
    if content_type is not None:
        candidates = [e for e in candidates if content_type in str(e.get("contenttype") or e.get("contentType") or "text/plain").lower()]
    for entry in candidates:
        if str(entry.get("role", "main")).lower() == "main":
            return str(entry["value"])
    return str(candidates[0]["value"]) if candidates else ""


def _html_fragment_blocks(html: str) -> list[str]:
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, lxml.etree.ParserError) as exc:
        raise BadInput(f"malformed HTML body: {exc}") from exc
    blocks = [re.sub(r"\s+", " ", el.text_content()).strip() for el in root.iter("p", "h1", "h2", "h3", "h4", "blockquote", "li")]
    blocks = [b for b in blocks if b]
    return blocks or segment(root.text_content())


def _article_from_json(shown: str, item: Any, position: int, *, id_later: bool = False) -> Article:
    if not isinstance(item, dict):
        raise BadInput('JSON is not an article object (expected {"headline": …, "body": …} or an IPTC ninjs item)')
    headline = _string(_first(item, "headline", "title")) or _by_role(item.get("headlines"))
    body = _first(item, "body_text", "body", "text", "content", "articleBody")
    blocks: list[str]
    if isinstance(body, list):
        blocks = [b for part in body for b in segment(str(part))]
    elif isinstance(body, str):
        blocks = segment(body)
    elif item.get("bodies"):
        plain = _by_role(item.get("bodies"), "text/plain")
        html = "" if plain else _by_role(item.get("bodies"), "html")
        blocks = segment(plain) if plain else _html_fragment_blocks(html)
    elif item.get("body_html"):
        blocks = _html_fragment_blocks(str(item["body_html"]))
    else:
        raise BadInput("JSON has no article text (fields body/text, body_text, body_html or ninjs bodies[])")
    paragraphs, article_id = _paragraphs(blocks, headline or None, id_later=id_later)
    if all(kind == "headline" for kind in paragraphs.kinds()):
        raise BadInput("JSON article has an empty body")
    return Article(
        path=shown,
        paragraphs=paragraphs,
        headline=headline or headline_of(paragraphs),
        published=parse_time(_first(item, "published", "datePublished", "published_at", "firstcreated", "firstCreated", "date")),
        modified=parse_time(_first(item, "modified", "dateModified", "updated", "versioncreated", "versionCreated")),
        url=_string(_first(item, "url", "link")) or None,
        source=_string(_first(item, "source", "by", "copyrightholder")) or None,
        external_id=_string(_first(item, "id", "uri", "guid")) or None,
        position=position,
        id=article_id,
        editorial_note=_string(_first(item, "ednote", "editorial_note", "editorsnote")) or None,
        version=_string(item.get("version")) or None,
        status=_string(_first(item, "pubstatus", "pubStatus")) or None,
    )


# --- times -----------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (or a YAML date) to an aware datetime; naive times are UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        raw = str(value).strip()
        if raw.endswith(("Z", "z")):
            raw = raw[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def format_time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def display_path(path: Path | str) -> str:
    return _display(str(path))
