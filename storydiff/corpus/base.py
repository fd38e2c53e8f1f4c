"""What every loader shares: options, the corpus record, skip reasons, and paragraphs with their id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..model import Article, LoadWarning, Skipped, texts_id
from ..text import Paragraphs, kinded_paragraphs

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


NOT_REGULAR = "not a regular file (a named pipe, socket or device); storydiff reads only files"


NESTED_TOO_DEEP = "nested too deeply to be an article (hundreds of levels of lists, objects or tags); check how it was made"


def unexpected(exc: BaseException) -> str:
    """The skip reason for an error no check foresaw: what it was, and what to do."""
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"could not be read ({type(exc).__name__}{': ' + detail if detail else ''}); check the file, and report it if it looks right"


#: The id of an article whose id the parallel feed loader computes in the
#: parent process (see :func:`_jsonl_parallel`); never seen outside the loader.
_ID_LATER = "\x00id later"


def _paragraphs(blocks: list[str], headline: str | None = None, *, id_later: bool = False) -> tuple[Paragraphs, str]:
    """An article's paragraphs (:func:`~storydiff.text.build_paragraphs`) and its id."""
    paragraphs, texts, kinds = kinded_paragraphs(blocks, headline)
    return paragraphs, _ID_LATER if id_later else texts_id(texts, kinds)


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
