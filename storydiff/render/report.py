"""Story reports (timeline, consecutive diffs, lineage) as Markdown and JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tabulate import tabulate

from ..digest import ORDER_REASONS
from . import REPORT_FORMATS, json_text, register
from .diff import render_markdown
from .markdown_text import escape


def version_rows(doc: dict[str, Any], esc: Callable[[str], str]) -> tuple[list[str], list[list[str]]]:
    """The version table: only the columns some version fills."""
    versions = doc["versions"]
    columns = [("path", "path"), ("headline", "headline")]
    if any(v["modified"] or v["published"] for v in versions):
        columns.append(("time", "time"))
    for key in ("url", "source", "version", "status"):
        if any(v[key] for v in versions):
            columns.append((key, key))
    rows = []
    for n, v in enumerate(versions, 1):
        values = {**v, "time": v["modified"] or v["published"] or ""}
        rows.append([f"v{n}", *(esc(str(values[key] or "")) for key, _ in columns)])
    return ["version", *(title for _, title in columns)], rows


@register(REPORT_FORMATS, "markdown")
def render_report_markdown(doc: dict[str, Any]) -> str:
    story = doc["story"]
    headers, rows = version_rows(doc, escape)
    timeline = tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)
    order = ORDER_REASONS.get(story["order_source"], story["order_source"])
    parts = [f"## Story {story['id']}: {escape(story['label'])}", f"Versions, ordered {order}:\n\n{timeline}"]
    budget = max(8_000, 60_000 // max(1, len(doc["diffs"])))
    for n, diff in enumerate(doc["diffs"], 1):
        parts.append(f"### v{n} → v{n + 1}\n\n" + render_markdown(diff, budget=budget, title=False).strip())
    if show_lineage(doc):
        lineage = tabulate(
            [[f"¶{r['paragraph'] + 1}", f"v{r['first_version']}", " → ".join(r["ops"]) or "new"] for r in doc["lineage"]],
            headers=["paragraph", "first seen", "changes since"],
            tablefmt="github",
        )
        parts.append(f"### Lineage of the latest version\n\n{lineage}")
    return "\n\n".join(parts) + "\n"


def show_lineage(doc: dict[str, Any]) -> bool:
    """The lineage says something new only across three or more versions."""
    return len(doc["diffs"]) >= 2


@register(REPORT_FORMATS, "json")
def render_report_json(doc: dict[str, Any]) -> str:
    return json_text(doc)
