"""Diff renderers for text media: terminal, GitHub/GitLab Markdown, Jira, JSON.

All read the ``storydiff.diff/2`` document and open with its digest
(:mod:`storydiff.digest`): what changed, in a few lines. Paragraphs are
numbered from 1 here (the JSON keeps the contract's indices from 0). Ticket
formats are built from whole blocks under a size budget that never cuts the
digest, so a cut never lands inside a list or tag.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

import click

from ..digest import NAME_ORDERS, ORDER_REASONS, opening, what_changed
from . import DIFF_FORMATS, json_text, register
from .markdown_text import escape, escape_jira, visible

MARKDOWN_BUDGET = 60_000
JIRA_BUDGET = 30_000
OPS = ("copied", "edited", "split", "merged", "moved", "added", "removed")

Escape = Callable[[str], str]


def _para(doc: dict[str, Any], side: str, index: int) -> dict[str, Any]:
    paragraph: dict[str, Any] = doc[side]["paragraphs"][index]
    return paragraph


def _text(doc: dict[str, Any], side: str, indices: list[int]) -> str:
    return " ".join(_para(doc, side, i)["text"] for i in indices)


def _refs(indices: list[int]) -> str:
    """Paragraph numbers as a reader counts them, from 1."""
    return ", ".join(f"¶{i + 1}" for i in indices) or "-"


def _quoted(text: str, esc: Escape, words: int = 12) -> str:
    return f"“{esc(opening(text, words))}”"


def banner(doc: dict[str, Any], esc: Escape = str) -> str | None:
    """The silent-edit warning with its evidence (paragraph, before -> after), or None."""
    edits = doc.get("silent_edits") or []
    status = (doc.get("new_status") or "").lower()
    kill = (
        f"KILLED: the new version's status is {esc(status)}; the story must not be used. "
        if status in ("withheld", "canceled", "cancelled")
        else ""
    )
    if not edits:
        return kill.strip() or None
    count = len(edits)
    hedge = (
        f" (if {esc(doc['new']['path'])} is the later version: the order rests on file names)"
        if doc.get("order_source") in NAME_ORDERS
        else ""
    )
    evidence = "; ".join(evidence_text(e, esc) for e in edits[:5]) + ("; …" if count > 5 else "")
    return f"{kill}SILENT EDIT: {count} change{'s' if count != 1 else ''} of fact without a correction or update note{hedge}: {evidence}"


def evidence_text(edit: dict[str, Any], esc: Escape = str) -> str:
    where = f"¶{edit['new'][0] + 1}" if edit["new"] else f"old ¶{edit['old'][0] + 1}"
    label = ", ".join(edit["what"]) or edit["kind"]
    if edit["kind"] == "fact":
        return f"{where} {label}: {_quoted(edit['before'], esc)} → {_quoted(edit['after'], esc)}"
    return f"{where} {edit['kind']}: {_quoted(edit['before'], esc)}"


def digest_items(doc: dict[str, Any], esc: Escape) -> list[tuple[str, str]]:
    """The digest as (label, text) lines, article text passed through ``esc``."""
    d = what_changed(doc)
    items: list[tuple[str, str]] = []
    headline = d["headline"]
    items.append(
        ("Headline", f"{_quoted(headline['old'], esc, 20)} → {_quoted(headline['new'], esc, 20)}" if headline["changed"] else "unchanged")
    )
    lede = d["lede"]
    if lede["new"] is None:
        items.append(("Lede", "the new version has no body text" if lede["old"] is not None else "none"))
    elif not lede["changed"]:
        items.append(("Lede", "unchanged"))
    else:
        was = f" (was ¶{lede['old'] + 1} {_quoted(_para(doc, 'old', lede['old'])['text'], esc)})" if lede["old"] is not None else ""
        items.append(("Lede", f"{lede['how']}: ¶{lede['new'] + 1} {_quoted(_para(doc, 'new', lede['new'])['text'], esc)}{was}"))
    facts = d["facts_changed"]
    if facts:
        status = (
            " (silent: no correction or update note)"
            if d["silent"]
            else f" (with a note: {_quoted(d['notes'][0], esc)})"
            if d["notes"]
            else ""
        )
        items.append(("Facts changed", _listed(evidence_text(e, esc) for e in facts) + status))
    else:
        items.append(("Facts changed", "none"))

    def who(q: dict[str, Any]) -> str:
        return f"{esc(q['speaker'])}: " if q["speaker"] else ""

    def where(entry: dict[str, Any]) -> str:
        return f"¶{entry['new'] + 1}" if "new" in entry else f"old ¶{entry['old'] + 1}"

    listings: list[tuple[str, list[dict[str, Any]], Callable[[dict[str, Any]], str]]] = [
        ("Quotes added", d["quotes_added"], lambda q: f"{where(q)} {who(q)}“{esc(q['opening'])}”"),
        ("Quotes removed", d["quotes_removed"], lambda q: f"{where(q)} {who(q)}“{esc(q['opening'])}”"),
        ("Figures removed", d["figures_removed"], lambda f: f"{where(f)} “{esc(f['opening'])}”"),
        ("New sections", d["sections_added"], lambda s: f"{_quoted(s['text'], esc)} ({_span(s)})"),
        ("Paragraphs added", d["paragraphs_added"], lambda p: f"{where(p)} “{esc(p['opening'])}”"),
        ("Paragraphs removed", d["paragraphs_removed"], lambda p: f"{where(p)} “{esc(p['opening'])}”"),
    ]
    items += [(label, _listed(map(show, entries))) for label, entries, show in listings if entries]
    items.append(("Reuse", reuse_line(doc)))
    if d["order"]:
        why = f": {esc(d['order_evidence'])}" if d.get("order_evidence") else ""
        items.append(("Order", ORDER_REASONS.get(d["order"], d["order"]) + why))
    return items


#: The digest names this many of a kind and counts the rest: it is read in half a minute.
DIGEST_ITEMS = 8


def _listed(entries: Iterable[str]) -> str:
    shown = list(entries)
    more = len(shown) - DIGEST_ITEMS
    return "; ".join(shown[:DIGEST_ITEMS]) + (f"; and {more} more" if more > 0 else "")


def _span(section: dict[str, Any]) -> str:
    first, last = section["heading"] + 1, (section["paragraphs"][-1] if section["paragraphs"] else section["heading"]) + 1
    return f"¶{first}" if first == last else f"¶{first}–{last}"


def counts_line(doc: dict[str, Any]) -> str:
    """The op counts that are not zero."""
    return " · ".join(f"{op} {doc['summary'][op]}" for op in OPS if doc["summary"][op])


def reuse_line(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    return (
        f"{s['reuse_of_new']:.0%} of the new version's words come from the old one; "
        f"{s['coverage_of_old']:.0%} of the old version's words survive"
    )


def _word_changes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Links whose words changed: the ones shown with an inline word diff."""
    return [e for e in doc["alignment"] if e["op"] in ("edited", "split", "merged") and e["words"]]


def inline_diff(entry: dict[str, Any], equal: Escape, deleted: Escape, inserted: Escape) -> str:
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
    """An added or removed paragraph that reuses word runs of the other version says where."""
    shared = entry.get("shares_with") or []
    return f" (shares words with {other} {_refs(shared)})" if shared else ""


def _title(doc: dict[str, Any]) -> str:
    return f"{doc['old']['path']} → {doc['new']['path']}"


def _where(entry: dict[str, Any]) -> str:
    return f"old {_refs(entry['old'])} → new {_refs(entry['new'])}"


# --- terminal --------------------------------------------------------------------


def render_terminal(doc: dict[str, Any], color: bool | None = None, width: int | None = None) -> str:
    """Coloured for a terminal (click styles), wrapped to its width; control
    characters from articles and paths shown as escapes."""
    use_color = color if color is not None else False
    width = width or shutil.get_terminal_size((100, 24)).columns

    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if use_color else text

    def wrap(text: str, indent: str = "    ", first: str | None = None) -> str:
        return textwrap.fill(
            text, width=max(40, width), initial_indent=indent if first is None else first, subsequent_indent=indent, break_on_hyphens=False
        )

    out = []
    alert = banner(doc, visible)
    if alert:
        out.append(style(wrap("!! " + alert, indent="   ", first=""), fg="red", bold=True))
    out.append(style(visible(_title(doc)), bold=True))
    out.append(style("What changed", bold=True))
    for label, text in digest_items(doc, visible):
        out.append(wrap(f"{label}: {text}", indent="    ", first="  "))
    out.append("")
    out.append(counts_line(doc))
    for entry in doc["alignment"]:
        tag = entry["op"] + (" moved" if entry["moved"] else "")
        extra = f" {entry['significance']}" + (f" [{', '.join(entry['changes'])}]" if entry["changes"] else "")
        if entry["op"] == "added":
            out.append(style(f"+ added {_where(entry)}{_sharing(entry, 'old')}", fg="green"))
            out.append(style(wrap(visible(_text(doc, "new", entry["new"]))), fg="green"))
        elif entry["op"] == "removed":
            out.append(style(f"- removed {_where(entry)}{_sharing(entry, 'new')}", fg="red"))
            out.append(style(wrap(visible(_text(doc, "old", entry["old"]))), fg="red"))
        elif entry["words"] and entry["op"] != "copied":
            out.append(style(f"~ {tag} {_where(entry)} similarity {entry['similarity']:.2f}{extra}", fg="yellow"))
            out.append(
                wrap(
                    inline_diff(
                        entry, visible, lambda t: style(f"[-{visible(t)}-]", fg="red"), lambda t: style(f"{{+{visible(t)}+}}", fg="green")
                    )
                )
            )
        else:
            out.append(f"= {tag} {_where(entry)} ({entry['significance']})")
    for moved in doc["moved_sentences"]:
        out.append(
            style(
                wrap(f"> moved sentence old ¶{moved['old'] + 1} → new ¶{moved['new'] + 1}: {visible(moved['text'])}", first=""), fg="cyan"
            )
        )
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


def _md_details(summary: str, items: list[str]) -> str:
    return f"<details><summary>{summary}</summary>\n\n" + "\n".join(items) + "\n\n</details>"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


@register(DIFF_FORMATS, "markdown")
def render_markdown(doc: dict[str, Any], budget: int = MARKDOWN_BUDGET, level: int = 3, title: bool = True) -> str:
    """A GitHub/GitLab comment: the digest first, then the word diffs, then
    added, removed and copied paragraphs in collapsed blocks."""
    hashes = "#" * level
    head = [f"{hashes} storydiff: {escape(_title(doc))}"] if title else []
    alert = banner(doc, escape)
    if alert:
        head.append(f"> [!WARNING]\n> **{alert}**")
    head.append("**What changed**\n\n" + "\n".join(f"- **{label}:** {text}" for label, text in digest_items(doc, escape)))
    head.append(counts_line(doc))
    blocks = []
    for entry in _word_changes(doc):
        moved = " (moved)" if entry["moved"] else ""
        changes = f" — {entry['significance']}" + (f": {', '.join(entry['changes'])}" if entry["changes"] else "")
        blocks.append(f"**{entry['op']}{moved}** {_where(entry)}{changes}\n\n{_md_inline_diff(entry)}")
    for op, side, other in (("added", "new", "old"), ("removed", "old", "new")):
        entries = [e for e in doc["alignment"] if e["op"] == op]
        if entries:
            items = [f"- ¶{e[side][0] + 1}{_sharing(e, other)}: {escape(_text(doc, side, e[side]))}" for e in entries]
            blocks.append(_md_details(f"{_plural(len(entries), f'{op} paragraph')}", items))
    copied = [e for e in doc["alignment"] if e["op"] == "copied"]
    if copied:
        items = [f"- {_where(e)}{' (moved)' if e['moved'] else ''}: “{escape(opening(_text(doc, 'new', e['new']), 20))}”" for e in copied]
        blocks.append(_md_details(_plural(len(copied), "copied paragraph"), items))
    moved_links = [e for e in doc["alignment"] if e["moved"]]
    if moved_links or doc["moved_sentences"]:
        lines = [f"- {e['op']} {_where(e)}" for e in moved_links]
        lines += [f"- sentence from old ¶{m['old'] + 1} now in new ¶{m['new'] + 1}: “{escape(m['text'])}”" for m in doc["moved_sentences"]]
        blocks.append("**Moved**\n\n" + "\n".join(lines))
    return _budgeted(
        head, blocks, budget, lambda n: f"_{n} more change{'s' if n != 1 else ''} omitted (size budget); see the HTML or JSON report._"
    )


@register(DIFF_FORMATS, "jira")
def render_jira(doc: dict[str, Any], budget: int = JIRA_BUDGET) -> str:
    head = [f"h3. storydiff: {escape_jira(_title(doc))}"]
    alert = banner(doc, escape_jira)
    if alert:
        head.append(f"{{panel:title=Silent edit|borderColor=#c00}}*{alert}*{{panel}}")
    head.append("*What changed*\n" + "\n".join(f"* *{label}:* {text}" for label, text in digest_items(doc, escape_jira)))
    head.append(counts_line(doc))
    blocks = []
    for entry in _word_changes(doc):
        words = inline_diff(entry, escape_jira, lambda t: f"-{escape_jira(t)}-", lambda t: f"+{escape_jira(t)}+")
        blocks.append(f"*{entry['op']}{' (moved)' if entry['moved'] else ''}* {_where(entry)}\n{words}")
    for op, side in (("added", "new"), ("removed", "old")):
        entries = [e for e in doc["alignment"] if e["op"] == op]
        if entries:
            body = "\n".join(f"* ¶{e[side][0] + 1} {escape_jira(_text(doc, side, e[side]))}" for e in entries)
            blocks.append(f"*{_plural(len(entries), f'{op} paragraph')}*\n{body}")
    for m in doc["moved_sentences"]:
        blocks.append(f"*moved sentence* old ¶{m['old'] + 1} → new ¶{m['new'] + 1}: {escape_jira(m['text'])}")
    return _budgeted(head, blocks, budget, lambda n: f"_{n} more changes omitted (size budget)_")


@register(DIFF_FORMATS, "json")
def render_json(doc: dict[str, Any]) -> str:
    return json_text(doc)
