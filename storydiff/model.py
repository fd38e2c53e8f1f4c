"""Frozen records that cross the pipeline stages."""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from .text import CONTENT_KINDS, Paragraph, Paragraphs, content_text, normalise


@dataclass(frozen=True, slots=True)
class Article:
    """One version of a story as loaded from a file, a feed line or stdin."""

    path: str
    #: Any sequence of paragraphs numbered from 0; held as :class:`Paragraphs`.
    paragraphs: Sequence[Paragraph]
    headline: str = ""
    published: datetime | None = None
    modified: datetime | None = None
    url: str | None = None
    source: str | None = None
    external_id: str | None = None
    #: Order in which the loader met the article (command-line order).
    position: int = 0
    id: str = field(default="", compare=False)
    #: An editor's note on this version (ninjs ``ednote``, front matter ``ednote``).
    editorial_note: str | None = None
    #: The version label the source gives (ninjs ``version``).
    version: str | None = None
    #: Publication status (ninjs ``pubstatus``: usable, withheld, canceled).
    status: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.paragraphs, Paragraphs):
            object.__setattr__(self, "paragraphs", Paragraphs(self.paragraphs))
        if not self.id:
            object.__setattr__(self, "id", article_id(self.paragraphs))

    @property
    def body(self) -> str:
        return content_text(self.paragraphs)

    def __reduce__(self) -> tuple[type[Article], tuple[object, ...]]:
        # Constructor arguments pickle in about half the time of the state
        # functions dataclass generates, and load in half again; the feed
        # loader sends every article from its workers (5-6 us an article each way).
        return (type(self), article_arguments(self))


#: Article's fields in constructor order: ``Article(*article_arguments(a)) == a``.
ARTICLE_FIELDS = tuple(article_field.name for article_field in fields(Article))
article_arguments: Callable[[Article], tuple[Any, ...]] = operator.attrgetter(*ARTICLE_FIELDS)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that was not loaded, and why (one line for the user)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class LoadWarning:
    path: str
    message: str


def article_id(paragraphs: Sequence[Paragraph]) -> str:
    """A hash of the normalised body; an article with no body falls back to
    all of its text so that two different headline-only files differ."""
    if isinstance(paragraphs, Paragraphs):
        return texts_id(paragraphs.texts(), paragraphs.kinds())
    return texts_id([p.text for p in paragraphs], [p.kind for p in paragraphs])


def texts_id(texts: Sequence[str], kinds: Sequence[str]) -> str:
    """:func:`article_id` of the paragraphs with these texts and kinds: for
    loaders, which hold them before the paragraphs (reading them back out
    took 14 us an article)."""
    body = normalise("\n".join([text for text, kind in zip(texts, kinds, strict=True) if kind in CONTENT_KINDS]))
    if not body:
        body = "\x00" + normalise("\n".join(texts))
    # surrogatepass: a lone surrogate must not stop the hash (the loaders replace them)
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:16]
