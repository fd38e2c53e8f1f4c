"""HTML pages: the main text by trafilatura, times from meta tags and JSON-LD."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..model import Article
from ..text import headline_of, segment
from .base import BadInput, _paragraphs
from .times import parse_time


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


def _html_fragment_blocks(html: str) -> list[str]:
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, lxml.etree.ParserError) as exc:
        raise BadInput(f"malformed HTML body: {exc}") from exc
    blocks = [re.sub(r"\s+", " ", el.text_content()).strip() for el in root.iter("p", "h1", "h2", "h3", "h4", "blockquote", "li")]
    blocks = [b for b in blocks if b]
    return blocks or segment(root.text_content())
