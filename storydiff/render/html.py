"""Self-contained HTML: inline CSS, no script, no external resources.

Article text is escaped with :func:`html.escape` before it reaches the page;
it never passes through a Markdown or HTML parser, so a ``<script>`` in an
article shows as text.
"""

from __future__ import annotations

import html
from typing import Any

from ..digest import ORDER_REASONS
from . import DIFF_FORMATS, REPORT_FORMATS, register
from .diff import banner, counts_line, digest_items, evidence_text
from .markdown_text import visible
from .report import show_lineage, version_rows


def escape(text: str) -> str:
    """Article text as inert HTML; control characters shown as escapes."""
    return html.escape(visible(text))


CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1b1f23;background:#fff}
h1{font-size:20px}h2{font-size:17px;margin-top:32px}
.banner{background:#fde8e8;border:2px solid #c00;padding:10px 14px;font-weight:bold;color:#900}
table{border-collapse:collapse;width:100%;table-layout:fixed}
td,th{border:1px solid #d0d7de;padding:6px 8px;vertical-align:top;text-align:left}
th{background:#f6f8fa}.num{width:44px;color:#57606a;font-size:12px}
.summary{width:auto}.summary td{text-align:right}
tr.added td.new{background:#e6ffec}tr.removed td.old{background:#ffebe9}
tr.edited td,tr.split td,tr.merged td{background:#fff8c5}
del{background:#ffcecb;text-decoration:line-through}ins{background:#abf2bc;text-decoration:none}
.badge{display:inline-block;font-size:11px;padding:1px 6px;border-radius:8px;background:#ddf4ff;color:#0969da;margin-right:4px}
.moved{background:#fbefff;color:#8250df}.kind-boilerplate,.kind-credit,.kind-byline{color:#8c959f}
.kind-heading{font-weight:bold}
.banner a{color:#900}.digest{background:#f6f8fa;border:1px solid #d0d7de;padding:4px 14px;margin:8px 0}
td.num a{color:#57606a;text-decoration:none}table.versions{table-layout:auto}
"""


def _words(entry: dict[str, Any], side: str) -> str:
    parts = []
    for w in entry["words"]:
        if w["op"] == "equal":
            parts.append(escape(w["old"]))
        elif side == "old" and w["old"]:
            parts.append(f"<del>{escape(w['old'])}</del>")
        elif side == "new" and w["new"]:
            parts.append(f"<ins>{escape(w['new'])}</ins>")
    return " ".join(parts)


def _cell(doc: dict[str, Any], entry: dict[str, Any], side: str, anchor: str) -> str:
    indices = entry[side]
    if not indices:
        return f'<td class="num"></td><td class="{side}"></td>'
    paragraphs = [doc[side]["paragraphs"][i] for i in indices]
    kinds = " ".join(f"kind-{p['kind']}" for p in paragraphs)
    changed = entry["words"] and entry["op"] != "copied"
    body = _words(entry, side) if changed else " ".join(escape(p["text"]) for p in paragraphs)
    badges = ""
    if entry["moved"]:
        other = "new" if side == "old" else "old"
        badges += f'<span class="badge moved">moved ↔ ¶{", ¶".join(str(i + 1) for i in entry[other])}</span>'
    if entry["changes"] and side == "new":
        badges += "".join(f'<span class="badge">{escape(c)}</span>' for c in entry["changes"])
    if paragraphs[0]["kind"] not in ("body", "quote"):
        badges += f'<span class="badge">{escape(paragraphs[0]["kind"])}</span>'
    numbers = ", ".join(f'<a id="{anchor}-{side}-{i + 1}" href="#{anchor}-{side}-{i + 1}">¶{i + 1}</a>' for i in indices)
    return f'<td class="num">{numbers}</td><td class="{side} {kinds}">{badges}{body}</td>'


def _banner(doc: dict[str, Any], anchor: str) -> str:
    """The silent-edit banner, each piece of evidence linking to its paragraph."""
    text = banner(doc, escape)
    if not text:
        return ""
    links = "".join(
        f'<li><a href="#{anchor}-{"new" if e["new"] else "old"}-{(e["new"] or e["old"])[0] + 1}">{evidence_text(e, escape)}</a></li>'
        for e in doc.get("silent_edits") or []
    )
    return f'<div class="banner"><p>{text}</p>' + (f"<ul>{links}</ul>" if links else "") + "</div>"


def diff_section(doc: dict[str, Any], heading: str, anchor: str = "d") -> str:
    rows = []
    for entry in doc["alignment"]:
        rows.append(f'<tr class="{entry["op"]}">{_cell(doc, entry, "old", anchor)}{_cell(doc, entry, "new", anchor)}</tr>')
    digest = "".join(f"<li><b>{escape(label)}:</b> {text}</li>" for label, text in digest_items(doc, escape))
    moved = "".join(f"<li>old ¶{m['old'] + 1} → new ¶{m['new'] + 1}: {escape(m['text'])}</li>" for m in doc["moved_sentences"])
    return (
        f"<h2>{escape(heading)}</h2>{_banner(doc, anchor)}"
        f'<div class="digest"><p><b>What changed</b></p><ul>{digest}</ul><p>{escape(counts_line(doc))}</p></div>'
        + (f"<p><b>Moved sentences</b></p><ul>{moved}</ul>" if moved else "")
        + f'<table><tr><th class="num"></th><th>old: {escape(doc["old"]["path"])}</th><th class="num"></th><th>new: {escape(doc["new"]["path"])}</th></tr>'
        + "".join(rows)
        + "</table>"
    )


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )


@register(DIFF_FORMATS, "html")
def render_html(doc: dict[str, Any]) -> str:
    title = f"storydiff: {doc['old']['path']} → {doc['new']['path']}"
    return page(title, diff_section(doc, doc["new"]["headline"] or doc["new"]["path"]))


@register(REPORT_FORMATS, "html")
def render_report_html(doc: dict[str, Any]) -> str:
    story = doc["story"]
    headers, rows = version_rows(doc, escape)
    timeline = (
        "<tr>"
        + "".join(f"<th>{h}</th>" for h in headers)
        + "</tr>"
        + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    )
    lineage = "".join(
        f"<tr><td>¶{row['paragraph'] + 1}</td><td>v{row['first_version']}</td><td>{escape(' → '.join(row['ops']) or 'new')}</td></tr>"
        for row in doc["lineage"]
    )
    order = ORDER_REASONS.get(story["order_source"], story["order_source"])
    body = (
        f"<p>Story {escape(story['id'])}, versions ordered {escape(order)}</p>"
        f'<table class="versions">{timeline}</table>'
        + "".join(diff_section(d, f"v{n} → v{n + 1}", f"v{n + 1}") for n, d in enumerate(doc["diffs"], 1))
        + (
            f"<h2>Lineage of the latest version</h2><table><tr><th>paragraph</th><th>first seen</th><th>changes since</th></tr>{lineage}</table>"
            if show_lineage(doc)
            else ""
        )
    )
    return page(f"storydiff story: {story['label']}", body)
