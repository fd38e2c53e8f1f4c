"""What changed, in a few lines: the digest every diff report opens with (report stage).

A pure function of a ``storydiff.diff/2`` document: the headline change, whether
the lede changed, the facts changed with their evidence, quotes added and
removed (speaker and first words), figures removed, new sections, paragraphs
added and removed by their first words, the reuse numbers and how the order
was decided. Paragraph indices are the contract's (from 0); renderers number
paragraphs from 1.
"""

from __future__ import annotations

import re
from typing import Any

_QUOTE = re.compile(r'"([^"]*\w[^"]*)"')
_SPEAKER_AFTER = re.compile(r"\b(?:said|says|added|wrote|tweeted)\s+((?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’-]*)", re.U)
_SPEAKER_BEFORE = re.compile(r"((?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’-]*)(?:,[^,]{0,80},)?\s+(?:said|says|told|added|wrote)\b", re.U)

#: How many words of a paragraph or a quote the digest shows.
OPENING_WORDS = 12

ORDER_REASONS = {
    "time": "by the versions' modified or published times",
    "modified": "by the versions' modified times",
    "published": "by the versions' published times",
    "version": "by the versions' own version numbers",
    "evidence": "by what the versions say (a correction or update note, a kill, one holding the other's text plus additions)",
    "filename": "by file name (no times, version numbers or notes to go by)",
    "path": "by path (no times, version numbers or notes to go by)",
    "name": "by file name, as asked (--order-by name)",
    "given": "in the order given on the command line",
}
#: Orders that rest on file names alone: a verdict on them is hedged.
NAME_ORDERS = frozenset({"filename", "path", "name"})


def opening(text: str, words: int = OPENING_WORDS) -> str:
    """The first words of a text, cut at a word, with an ellipsis when cut."""
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def speaker(text: str) -> str | None:
    """Who a paragraph quotes, when it says so ("…," X said / X told …)."""
    outside = _QUOTE.sub(" ", text.replace("“", '"').replace("”", '"'))
    for pattern in (_SPEAKER_BEFORE, _SPEAKER_AFTER):
        match = pattern.search(outside)
        if match:
            name = match.group(1).strip()
            if name.split()[0] not in ("The", "A", "An", "He", "She", "It", "They", "We", "I", "This"):
                return name
    return None


def quotes(text: str) -> list[str]:
    """The quoted passages of a paragraph with three or more words."""
    return [q for q in _QUOTE.findall(text.replace("“", '"').replace("”", '"')) if len(q.split()) >= 3]


def _first_body(paragraphs: list[dict[str, Any]]) -> int | None:
    return next((p["index"] for p in paragraphs if p["kind"] in ("body", "quote")), None)


def what_changed(doc: dict[str, Any]) -> dict[str, Any]:
    """The digest of one diff document (see the module docstring)."""
    old, new = doc["old"]["paragraphs"], doc["new"]["paragraphs"]
    alignment = doc["alignment"]
    partner_of_new = {j: entry for entry in alignment for j in entry["new"]}
    lede_old, lede_new = _first_body(old), _first_body(new)
    lede_entry = partner_of_new.get(lede_new) if lede_new is not None else None
    if lede_new is None:
        lede = {"changed": lede_old is not None, "how": "removed" if lede_old is not None else "none", "old": lede_old, "new": None}
    elif lede_entry is None or not lede_entry["old"]:
        lede = {"changed": True, "how": "a new paragraph", "old": lede_old, "new": lede_new}
    elif lede_old not in lede_entry["old"]:
        lede = {"changed": True, "how": "replaced by a later paragraph", "old": lede_old, "new": lede_new}
    elif lede_entry["op"] == "copied":
        lede = {"changed": False, "how": "kept", "old": lede_old, "new": lede_new}
    else:
        lede = {"changed": True, "how": lede_entry["significance"], "old": lede_old, "new": lede_new}

    section_members = {j for s in doc["sections_added"] for j in (s["heading"], *s["paragraphs"])}
    added = [e["new"][0] for e in alignment if e["op"] == "added"]
    removed = [e["old"][0] for e in alignment if e["op"] == "removed"]
    added_quotes = [
        {"new": j, "speaker": speaker(new[j]["text"]), "opening": opening(q)} for j in added for q in quotes(new[j]["text"])[:1]
    ]
    removed_quotes = [
        {"old": i, "speaker": speaker(old[i]["text"]), "opening": opening(q)} for i in removed for q in quotes(old[i]["text"])[:1]
    ]
    for edit in doc["substantive_edits"]:
        if edit["kind"].startswith("removed") and "quote" in edit["what"]:
            removed_quotes.append({"old": edit["old"][0], "speaker": None, "opening": opening(edit["before"])})
    figures = [
        {"old": r["old"], "opening": opening(old[r["old"]]["text"])} for r in doc["removed_quotes_and_figures"] if "figure" in r["what"]
    ]
    figures += [
        {"old": e["old"][0], "opening": opening(e["before"])}
        for e in doc["substantive_edits"]
        if e["kind"].startswith("removed") and "figure" in e["what"]
    ]
    return {
        "headline": {
            "changed": doc["old"]["headline"] != doc["new"]["headline"],
            "old": doc["old"]["headline"],
            "new": doc["new"]["headline"],
        },
        "lede": lede,
        "facts_changed": [e for e in doc["substantive_edits"] if e["kind"] == "fact"],
        "silent": bool(doc["silent_edits"]),
        "notes": doc["notes"],
        "quotes_added": added_quotes,
        "quotes_removed": removed_quotes,
        "figures_removed": figures,
        "sections_added": [
            {"heading": s["heading"], "text": new[s["heading"]]["text"], "paragraphs": s["paragraphs"]} for s in doc["sections_added"]
        ],
        "paragraphs_added": [
            {"new": j, "opening": opening(new[j]["text"])} for j in added if j not in section_members and new[j]["kind"] != "headline"
        ],
        "paragraphs_removed": [{"old": i, "opening": opening(old[i]["text"])} for i in removed if old[i]["kind"] != "headline"],
        "reuse_of_new": doc["summary"]["reuse_of_new"],
        "coverage_of_old": doc["summary"]["coverage_of_old"],
        "order": doc.get("order_source"),
        "order_evidence": doc.get("order_evidence"),
    }
