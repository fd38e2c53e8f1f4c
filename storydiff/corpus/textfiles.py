"""Plain text and Markdown (with YAML front matter, read with limits)."""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any

from ..model import Article
from ..text import headline_of, segment
from .base import BadInput, _paragraphs, _string
from .times import parse_time


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
