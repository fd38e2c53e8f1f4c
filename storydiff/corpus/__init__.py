"""Loading: the only stage that reads article files.

Every input becomes an :class:`~storydiff.model.Article`, or a
:class:`~storydiff.model.Skipped` record with a one-line reason; one bad file
never stops the others. The stage's parts: :mod:`.paths` (which files),
:mod:`.decoding` (bytes to text), one module per format (:mod:`.textfiles`,
:mod:`.html`, :mod:`.jsonitems`), :mod:`.feeds` (JSON Lines) and
:mod:`.times`; :mod:`.loading` ties them together.
"""

from ..model import Article, LoadWarning, Skipped
from .base import DEFAULT_MAX_ARTICLE_BYTES, FORMATS, NESTED_TOO_DEEP, NOT_REGULAR, BadInput, Corpus, LoadEvent, LoadOptions
from .decoding import decode, guess_decode
from .loading import iter_load, load
from .paths import display_path, format_of, natural_key
from .textfiles import article_from_text
from .times import format_time, parse_time

__all__ = [
    "DEFAULT_MAX_ARTICLE_BYTES",
    "FORMATS",
    "NESTED_TOO_DEEP",
    "NOT_REGULAR",
    "Article",
    "BadInput",
    "Corpus",
    "LoadEvent",
    "LoadOptions",
    "LoadWarning",
    "Skipped",
    "article_from_text",
    "decode",
    "display_path",
    "format_of",
    "format_time",
    "guess_decode",
    "iter_load",
    "load",
    "natural_key",
    "parse_time",
]
