"""Diff renderers for text media: terminal, GitHub/GitLab Markdown, Jira, JSON.

All read the ``storydiff.diff/2`` document. Ticket formats are built from
whole blocks under a size budget, so a cut never lands inside a fence or tag.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from typing import Any

import click
from tabulate import tabulate

from . import DIFF_FORMATS, json_text, register
from .markdown_text import escape, escape_jira, fence_for

MARKDOWN_BUDGET = 60_000
JIRA_BUDGET = 30_000
OPS = ("copied", "edited", "split", "merged", "moved", "added", "removed")


def _para(doc: dict[str, Any], side: str, index: int) -> dict[str, Any]:
    return doc[side]["paragraphs"][index]


def _text(doc: dict[str, Any], side: str, indices: list[int]) -> str:
    return " ".join(_para(doc, side, i)["text"] for i in indices)


def _refs(indices: list[int]) -> str:
    return ", ".join(f"¶{i}" for i in indices) or "-"


def banner(doc: dict[str, Any]) -> str | None:
    """The silent-edit warning with its evidence (paragraph, before -> after), or None."""
    edits = doc.get("silent_edits") or []
    status = (doc.get("new_status") or "").lower()
    kill = (
        f"KILLED: the new version's status is {status}; the story must not be used. "
        if status in ("withheld", "canceled", "cancelled")
        else ""
    )
    if not edits:
        return kill.strip() or None
    count = len(edits)
    order = doc.get("order_source")
    hedge = f" (if {doc['new']['path']} is the later version: the order rests on file names)" if order in ("filename", "name") else ""
    evidence = "; ".join(_evidence_text(e) for e in edits[:5]) + ("; …" if count > 5 else "")
    return f"{kill}SILENT EDIT: {count} change{'s' if count != 1 else ''} of fact without a correction or update note{hedge}: {evidence}"


def _evidence_text(edit: dict[str, Any]) -> str:
    where = f"¶{edit['new'][0]}" if edit["new"] else f"old ¶{edit['old'][0]}"
    label = ", ".join(edit["what"]) or edit["kind"]
    if edit["kind"] == "fact":
        return f"{where} {label}: {_clip(edit['before'])} → {_clip(edit['after'])}"
    return f"{where} {edit['kind']}: {_clip(edit['before'])}"


def _clip(text: str, words: int = 12) -> str:
    """A quoted run cut at a word, with an ellipsis."""
    parts = text.split()
    return "“" + " ".join(parts[:words]) + ("…" if len(parts) > words else "") + "”"


def summary_rows(doc: dict[str, Any]) -> list[list[str]]:
    return [[op, str(doc["summary"][op])] for op in OPS]


def reuse_line(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    return f"reuse of new: {s['reuse_of_new']:.0%} of the new version's words come from the old one; coverage of old: {s['coverage_of_old']:.0%} of the old version's words survive"


def _word_changes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Links whose words changed: the ones shown with an inline word diff."""
    return [e for e in doc["alignment"] if e["op"] in ("edited", "split", "merged") and e["words"]]


def inline_diff(entry: dict[str, Any], equal: Callable[[str], str], deleted: Callable[[str], str], inserted: Callable[[str], str]) -> str:
    """A link's words on one line, each change marked in the medium's own markup."""
    parts = []
    for w in entry["words"]:
        if w["op"] == "equal":
            parts.append(equal(w["old"]))
        else:
            if w["old"]:
                parts.append(deleted(w["old"]))
            if w["new"]:
                parts.append(inserted(w["new"]))
    return " ".join(parts)


def _sharing(entry: dict[str, Any], other: str) -> str:
    """An added or removed paragraph that reuses word blocks of the other version says where."""
    shared = entry.get("shares_with") or []
    return f" (shares words with {other} {_refs(shared)})" if shared else ""


def _title(doc: dict[str, Any]) -> str:
    order = f" (order: {doc['order_source']})" if doc.get("order_source") else ""
    return f"{doc['old']['path']} → {doc['new']['path']}{order}"


# --- terminal --------------------------------------------------------------------


def render_terminal(doc: dict[str, Any], color: bool | None = None, width: int | None = None) -> str:
    """Coloured for a terminal (click styles), wrapped to its width."""
    use_color = color if color is not None else False
    width = width or shutil.get_terminal_size((100, 24)).columns

    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if use_color else text

    def wrap(text: str, indent: str = "    ") -> str:
        return textwrap.fill(text, width=max(40, width), initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)

    out = []
    if banner(doc):
        out.append(style("!! " + str(banner(doc)), fg="red", bold=True))
    out.append(style(_title(doc), bold=True))
    out.append(" ".join(f"{op} {doc['summary'][op]}" for op in OPS))
    out.append(reuse_line(doc))
    for section in doc["sections_added"]:
        out.append(style(f"new section ¶{section['heading']}: {_para(doc, 'new', section['heading'])['text']}", fg="green"))
    out.append("")
    for entry in doc["alignment"]:
        tag = entry["op"] + (" moved" if entry["moved"] else "")
        where = f"old {_refs(entry['old'])} → new {_refs(entry['new'])}"
        extra = f" {entry['significance']}" + (f" [{', '.join(entry['changes'])}]" if entry["changes"] else "")
        if entry["op"] == "added":
            out.append(style(f"+ added {where}{_sharing(entry, 'old')}", fg="green"))
            out.append(style(wrap(_text(doc, "new", entry["new"])), fg="green"))
        elif entry["op"] == "removed":
            out.append(style(f"- removed {where}{_sharing(entry, 'new')}", fg="red"))
            out.append(style(wrap(_text(doc, "old", entry["old"])), fg="red"))
        elif entry["words"] and entry["op"] != "copied":
            out.append(style(f"~ {tag} {where} similarity {entry['similarity']:.2f}{extra}", fg="yellow"))
            out.append(wrap(inline_diff(entry, str, lambda t: style(f"[-{t}-]", fg="red"), lambda t: style(f"{{+{t}+}}", fg="green"))))
        else:
            out.append(f"= {tag} {where} ({entry['significance']})")
    for moved in doc["moved_sentences"]:
        out.append(style(f"> moved sentence old ¶{moved['old']} → new ¶{moved['new']}: {moved['text']}", fg="cyan"))
    return "\n".join(out) + "\n"


@register(DIFF_FORMATS, "terminal")
def _terminal_plain(doc: dict[str, Any]) -> str:
    return render_terminal(doc, color=False)


# --- ticket formats -------------------------------------------------------------


def _budgeted(head: list[str], blocks: list[str], budget: int, omitted: Callable[[int], str]) -> str:
    out = "\n\n".join(head)
    for k, block in enumerate(blocks):
        note = omitted(len(blocks) - k)
        if len(out) + len(block) + len(note) + 8 > budget:
            return out + "\n\n" + note + "\n"
        out += "\n\n" + block
    return out + "\n"


def _md_inline_diff(entry: dict[str, Any]) -> str:
    return inline_diff(entry, escape, lambda t: f"<del>{escape(t)}</del>", lambda t: f"<ins>{escape(t)}</ins>")


@register(DIFF_FORMATS, "markdown")
def render_markdown(doc: dict[str, Any], budget: int = MARKDOWN_BUDGET) -> str:
    head = [f"### storydiff: {escape(_title(doc))}"]
    if banner(doc):
        head.append(f"> [!WARNING]\n> **{escape(str(banner(doc)))}**")
    head.append(tabulate(summary_rows(doc), headers=["op", "count"], tablefmt="github"))
    head.append(escape(reuse_line(doc)))
    if doc["sections_added"]:
        head.append(
            "**New sections:** "
            + "; ".join(f"¶{s['heading']} {escape(_para(doc, 'new', s['heading'])['text'])}" for s in doc["sections_added"])
        )
    blocks = []
    for entry in _word_changes(doc):
        moved = " (moved)" if entry["moved"] else ""
        changes = f" — changed: {', '.join(entry['changes'])}" if entry["changes"] else ""
        blocks.append(
            f"**{entry['op']}{moved}** old {_refs(entry['old'])} → new {_refs(entry['new'])}{changes}\n\n{_md_inline_diff(entry)}"
        )
    for op, side, sign in (("added", "new", "+"), ("removed", "old", "-")):
        entries = [e for e in doc["alignment"] if e["op"] == op]
        if entries:
            other = "old" if side == "new" else "new"
            body = "\n".join(f"{sign} ¶{e[side][0]}{_sharing(e, other)} {_text(doc, side, e[side])}" for e in entries)
            fence = fence_for(body)
            blocks.append(
                f"<details><summary>{len(entries)} {op} paragraph{'s' if len(entries) != 1 else ''}</summary>\n\n{fence}diff\n{body}\n{fence}\n\n</details>"
            )
    copied = [e for e in doc["alignment"] if e["op"] == "copied"]
    if copied:
        items = "\n".join(
            f"- old {_refs(e['old'])} → new {_refs(e['new'])}{' (moved)' if e['moved'] else ''}: {escape(_text(doc, 'new', e['new']))[:120]}"
            for e in copied
        )
        blocks.append(
            f"<details><summary>{len(copied)} copied paragraph{'s' if len(copied) != 1 else ''}</summary>\n\n{items}\n\n</details>"
        )
    moved_links = [e for e in doc["alignment"] if e["moved"]]
    if moved_links or doc["moved_sentences"]:
        lines = [f"- {e['op']} old {_refs(e['old'])} moved to new {_refs(e['new'])}" for e in moved_links]
        lines += [f"- sentence from old ¶{m['old']} now in new ¶{m['new']}: {escape(m['text'])}" for m in doc["moved_sentences"]]
        blocks.append("**Moved**\n\n" + "\n".join(lines))
    return _budgeted(
        head, blocks, budget, lambda n: f"_{n} more change{'s' if n != 1 else ''} omitted (size budget); see the HTML or JSON report._"
    )


@register(DIFF_FORMATS, "jira")
def render_jira(doc: dict[str, Any], budget: int = JIRA_BUDGET) -> str:
    head = [f"h3. storydiff: {escape_jira(_title(doc))}"]
    if banner(doc):
        head.append(f"{{panel:title=Silent edit|borderColor=#c00}}*{escape_jira(str(banner(doc)))}*{{panel}}")
    head.append("||op||count||\n" + "\n".join(f"|{op}|{count}|" for op, count in summary_rows(doc)))
    head.append(escape_jira(reuse_line(doc)))
    if doc["sections_added"]:
        head.append(
            "*New sections:* "
            + "; ".join(f"¶{s['heading']} {escape_jira(_para(doc, 'new', s['heading'])['text'])}" for s in doc["sections_added"])
        )
    blocks = []
    for entry in _word_changes(doc):
        words = inline_diff(entry, escape_jira, lambda t: f"-{escape_jira(t)}-", lambda t: f"+{escape_jira(t)}+")
        blocks.append(
            f"*{entry['op']}{' (moved)' if entry['moved'] else ''}* old {_refs(entry['old'])} → new {_refs(entry['new'])}\n{words}"
        )
    for op, side, sign in (("added", "new", "+"), ("removed", "old", "-")):
        entries = [e for e in doc["alignment"] if e["op"] == op]
        if entries:
            body = "\n".join(f"{sign} ¶{e[side][0]} {_text(doc, side, e[side]).replace('{noformat}', '{ noformat}')}" for e in entries)
            blocks.append(f"*{len(entries)} {op}*\n{{noformat}}\n{body}\n{{noformat}}")
    for m in doc["moved_sentences"]:
        blocks.append(f"*moved sentence* old ¶{m['old']} → new ¶{m['new']}: {escape_jira(m['text'])}")
    return _budgeted(head, blocks, budget, lambda n: f"_{n} more changes omitted (size budget)_")


@register(DIFF_FORMATS, "json")
def render_json(doc: dict[str, Any]) -> str:
    return json_text(doc)
