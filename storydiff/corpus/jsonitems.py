"""JSON articles: generic objects and IPTC ninjs items."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from ..model import Article
from ..text import headline_of, segment
from .base import NESTED_TOO_DEEP, BadInput, _first, _paragraphs, _string
from .html import _html_fragment_blocks
from .times import parse_time


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
