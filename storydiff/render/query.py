"""Archive query answers: which story an article belongs to, and what changed."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from . import QUERY_FORMATS, json_text, register
from .diff import render_markdown, render_terminal
from .markdown_text import escape, visible


def _story_lines(doc: dict[str, Any]) -> tuple[str, list[list[str]]]:
    story, match = doc["story"], doc["match"]
    title = f"Story {story['id']}: {story['label']} ({len(story['articles'])} version{'s' if len(story['articles']) != 1 else ''}, order: {story['order_source']})"
    rows = [
        [f"v{n}", a["path"], a["modified"] or a["published"] or "", "closest" if match and a["id"] == match["article"] else ""]
        for n, a in enumerate(story["articles"], 1)
    ]
    return title, rows


def _verdict(doc: dict[str, Any]) -> str:
    match = doc["match"]
    if doc["already_indexed"]:
        return f"{doc['article']['path']} is already in the index."
    return f"{doc['article']['path']} matches {match['path']} (Jaccard {match['jaccard']:.2f}, containment {match['containment']:.2f})."


def render_query_terminal(doc: dict[str, Any], color: bool = False) -> str:
    if doc["story"] is None:
        return f"No story in the index matches {visible(doc['article']['path'])}.\n"
    title, rows = _story_lines(doc)
    rows = [[visible(c) for c in row] for row in rows]
    parts = [visible(title), tabulate(rows, tablefmt="plain", disable_numparse=True), visible(_verdict(doc))]
    if doc["diff"] is not None:
        parts.append(render_terminal(doc["diff"], color=color).rstrip("\n"))
    return "\n\n".join(parts) + "\n"


@register(QUERY_FORMATS, "terminal")
def _terminal_plain(doc: dict[str, Any]) -> str:
    return render_query_terminal(doc, color=False)


@register(QUERY_FORMATS, "markdown")
def render_query_markdown(doc: dict[str, Any]) -> str:
    if doc["story"] is None:
        return f"No story in the index matches `{escape(doc['article']['path'])}`.\n"
    title, rows = _story_lines(doc)
    table = tabulate([[escape(c) for c in row] for row in rows], headers=["version", "path", "time", ""], tablefmt="github")
    parts = [f"## {escape(title)}", table, escape(_verdict(doc))]
    if doc["diff"] is not None:
        parts.append(render_markdown(doc["diff"]).strip())
    return "\n\n".join(parts) + "\n"


@register(QUERY_FORMATS, "json")
def render_query_json(doc: dict[str, Any]) -> str:
    return json_text(doc)
