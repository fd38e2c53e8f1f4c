"""Cluster listings: terminal table, Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
from typing import Any

from tabulate import tabulate

from . import CLUSTER_FORMATS, json_text, register
from .markdown_text import escape, visible

_HEADERS = ["story", "order", "v", "article", "headline", "time", "jaccard", "containment"]


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _rows(document: dict[str, Any], headline_width: int) -> list[list[str]]:
    rows: list[list[str]] = []
    for cluster in document["clusters"]:
        for number, article in enumerate(cluster["articles"], 1):
            sim = article["similarity_to_first"]
            rows.append(
                [
                    cluster["id"] if number == 1 else "",
                    cluster["order_source"] if number == 1 else "",
                    f"v{number}/{len(cluster['articles'])}",
                    visible(article["path"]),
                    _shorten(visible(article["headline"]), headline_width),
                    article["modified"] or article["published"] or "",
                    "" if sim is None else f"{sim['jaccard']:.2f}",
                    "" if sim is None else f"{sim['containment']:.2f}",
                ]
            )
    return rows


@register(CLUSTER_FORMATS, "table")
def render_table(document: dict[str, Any]) -> str:
    if not document["clusters"]:
        return "No stories to show.\n"
    return tabulate(_rows(document, 48), headers=_HEADERS, tablefmt="simple", disable_numparse=True) + "\n"


@register(CLUSTER_FORMATS, "markdown")
def render_markdown(document: dict[str, Any]) -> str:
    rows = [[escape(cell) for cell in row] for row in _rows(document, 80)]
    return tabulate(rows, headers=_HEADERS, tablefmt="github", disable_numparse=True) + "\n"


@register(CLUSTER_FORMATS, "csv")
def render_csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "story",
            "label",
            "order_source",
            "version",
            "path",
            "id",
            "headline",
            "published",
            "modified",
            "jaccard",
            "containment",
            "linked_by",
        ]
    )
    for cluster in document["clusters"]:
        for number, article in enumerate(cluster["articles"], 1):
            sim = article["similarity_to_first"] or {}
            link = article["linked_by"] or {}
            writer.writerow(
                [
                    cluster["id"],
                    visible(cluster["label"]),
                    cluster["order_source"],
                    number,
                    visible(article["path"]),
                    article["id"],
                    visible(article["headline"]),
                    article["published"] or "",
                    article["modified"] or "",
                    sim.get("jaccard", ""),
                    sim.get("containment", ""),
                    visible(link.get("partner_path", "")),
                ]
            )
    return out.getvalue()


@register(CLUSTER_FORMATS, "json")
def render_json(document: dict[str, Any]) -> str:
    return json_text(document)
