"""Story reports (timeline, consecutive diffs, lineage) as Markdown and JSON."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from . import REPORT_FORMATS, json_text, register
from .diff import render_markdown
from .markdown_text import escape


@register(REPORT_FORMATS, "markdown")
def render_report_markdown(doc: dict[str, Any]) -> str:
    story = doc["story"]
    timeline = tabulate(
        [
            [f"v{n}", escape(a["path"]), escape(a["headline"]), a["modified"] or a["published"] or ""]
            for n, a in enumerate(story["articles"], 1)
        ],
        headers=["version", "path", "headline", "time"],
        tablefmt="github",
    )
    parts = [f"## Story {story['id']}: {escape(story['label'])}", f"Versions in order of {story['order_source']}:\n\n{timeline}"]
    budget = max(8_000, 60_000 // max(1, len(doc["diffs"])))
    for n, diff in enumerate(doc["diffs"], 1):
        parts.append(f"#### v{n} → v{n + 1}\n\n" + render_markdown(diff, budget=budget).strip())
    lineage = tabulate(
        [[f"¶{r['paragraph']}", f"v{r['first_version']}", " → ".join(r["ops"]) or "new"] for r in doc["lineage"]],
        headers=["paragraph", "first seen", "changes since"],
        tablefmt="github",
    )
    parts.append(f"#### Lineage of the latest version\n\n{lineage}")
    return "\n\n".join(parts) + "\n"


@register(REPORT_FORMATS, "json")
def render_report_json(doc: dict[str, Any]) -> str:
    return json_text(doc)
