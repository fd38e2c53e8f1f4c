"""Evaluation results as a terminal table, Markdown (docs/quality.md) or JSON."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from . import EVAL_ALIGNMENT_FORMATS, EVAL_CLUSTER_FORMATS, EVAL_EDITS_FORMATS, json_text, register
from .markdown_text import escape

#: How many false merges / missed pairs the table lists before pointing at the JSON.
ERROR_ROWS = 25


def _number(value: float) -> str:
    return f"{value:.3f}"


def cluster_rows(document: dict[str, Any]) -> list[list[str]]:
    rows = []
    for name, scores in document["systems"].items():
        pairwise = scores["pairwise"]
        rows.append(
            [
                document["dataset"],
                name,
                str(document["articles"]),
                _number(pairwise["precision"]),
                _number(pairwise["recall"]),
                _number(pairwise["f1"]),
                _number(scores["bcubed_f1"]),
                _number(scores["adjusted_rand"]),
                str(len(scores["false_merges"])),
                str(len(scores["missed_pairs"])),
            ]
        )
    return rows


CLUSTER_HEADERS = ["dataset", "system", "articles", "precision", "recall", "F1", "B³ F1", "ARI", "false merges", "missed pairs"]


def _errors(document: dict[str, Any], markdown: bool) -> str:
    scores = document["systems"].get("storydiff")
    if not scores:
        return ""
    out = []
    for title, key in (("false merges", "false_merges"), ("missed pairs", "missed_pairs")):
        errors = scores[key]
        if not errors:
            continue
        rows = [
            [
                escape(e["a"]) if markdown else e["a"],
                escape(e["b"]) if markdown else e["b"],
                _number(e["jaccard"]),
                _number(e["containment"]),
            ]
            for e in sorted(errors, key=lambda e: (-e["containment"], -e["jaccard"], e["a"], e["b"]))[:ERROR_ROWS]
        ]
        more = len(errors) - len(rows)
        heading = f"storydiff {title} on {document['dataset']} ({len(errors)}), with their word-5-gram similarity"
        table = tabulate(
            rows,
            headers=["article", "article", "jaccard", "containment"],
            tablefmt="github" if markdown else "simple",
            disable_numparse=True,
        )
        tail = f"\n… and {more} more (see --format json)" if more > 0 else ""
        out.append((f"\n**{heading}**\n\n" if markdown else f"\n{heading}:\n") + table + tail + "\n")
    return "".join(out)


@register(EVAL_CLUSTER_FORMATS, "table")
def clusters_table(document: dict[str, Any]) -> str:
    notes = ""
    if document["missing"]:
        notes = f"\n{len(document['missing'])} file(s) named by the answer key did not load: {', '.join(document['missing'][:10])}\n"
    return (
        tabulate(cluster_rows(document), headers=CLUSTER_HEADERS, tablefmt="simple", disable_numparse=True)
        + "\n"
        + notes
        + _errors(document, False)
    )


@register(EVAL_CLUSTER_FORMATS, "markdown")
def clusters_markdown(document: dict[str, Any]) -> str:
    return (
        tabulate(cluster_rows(document), headers=CLUSTER_HEADERS, tablefmt="github", disable_numparse=True) + "\n" + _errors(document, True)
    )


@register(EVAL_CLUSTER_FORMATS, "json")
def clusters_json(document: dict[str, Any]) -> str:
    return json_text(document)


ALIGNMENT_HEADERS = [
    "system",
    "link P",
    "link R",
    "link F1",
    "op accuracy",
    "split/merge exact",
    "moved F1 (found/false)",
    "added/removed F1",
]


def alignment_rows(scores_by_system: dict[str, dict[str, Any]], first: list[str] | None = None) -> list[list[str]]:
    rows = []
    for name, s in scores_by_system.items():
        rows.append(
            [
                *(first or []),
                name,
                _number(s["link_precision"]),
                _number(s["link_recall"]),
                _number(s["link_f1"]),
                _number(s["op_accuracy"]),
                _number(s["split_merge_exact"]),
                f"{_number(s['moved_f1'])} ({s['moved_found']}/{s['moved_false']})",
                _number(s["added_removed_f1"]),
            ]
        )
    return rows


def _alignment(document: dict[str, Any], tablefmt: str) -> str:
    totals = tabulate(alignment_rows(document["systems"]), headers=ALIGNMENT_HEADERS, tablefmt=tablefmt, disable_numparse=True)
    per_pair = [alignment_rows({row["system"]: row}, [row["case"], f"{row['old']} → {row['new']}"])[0] for row in document["per_pair"]]
    detail = tabulate(per_pair, headers=["case", "pair", *ALIGNMENT_HEADERS], tablefmt=tablefmt, disable_numparse=True)
    title = f"{document['dataset']}: {document['pairs']} version pairs"
    if tablefmt == "github":
        return f"**{title}**\n\n{totals}\n\n**Per pair**\n\n{detail}\n"
    return f"{title}\n\n{totals}\n\nper pair:\n{detail}\n"


@register(EVAL_ALIGNMENT_FORMATS, "table")
def alignment_table(document: dict[str, Any]) -> str:
    return _alignment(document, "simple")


@register(EVAL_ALIGNMENT_FORMATS, "markdown")
def alignment_markdown(document: dict[str, Any]) -> str:
    return _alignment(document, "github")


@register(EVAL_ALIGNMENT_FORMATS, "json")
def alignment_json(document: dict[str, Any]) -> str:
    return json_text(document)


EDITS_HEADERS = ["system", "changed-token P", "changed-token R", "changed-token F1", "hits", "false marks", "missed"]


def _edit_rows(scores_by_system: dict[str, dict[str, Any]], first: list[str] | None = None) -> list[list[str]]:
    return [
        [*(first or []), name, _number(s["precision"]), _number(s["recall"]), _number(s["f1"]), str(s["tp"]), str(s["fp"]), str(s["fn"])]
        for name, s in scores_by_system.items()
    ]


def _edits(document: dict[str, Any], tablefmt: str) -> str:
    totals = tabulate(_edit_rows(document["systems"]), headers=EDITS_HEADERS, tablefmt=tablefmt, disable_numparse=True)
    per_pair = [_edit_rows({row["system"]: row}, [row["revision"]])[0] for row in document["per_pair"]]
    detail = tabulate(per_pair, headers=["revision", *EDITS_HEADERS], tablefmt=tablefmt, disable_numparse=True)
    title = f"{document['dataset']}: {document['pairs']} revisions, changed words against the labelled edit spans"
    v = document["verdicts"]
    verdict = (
        f"silent-edit flag against the meaning-changed label ({v['meaning_changed']} of {v['revisions']} revisions): "
        f"precision {_number(v['precision'])}, recall {_number(v['recall'])}, F1 {_number(v['f1'])}"
    )
    if tablefmt == "github":
        return f"**{title}**\n\n{totals}\n\n{verdict}\n\n<details><summary>Per revision</summary>\n\n{detail}\n\n</details>\n"
    return f"{title}\n\n{totals}\n\n{verdict}\n\nper revision:\n{detail}\n"


@register(EVAL_EDITS_FORMATS, "table")
def edits_table(document: dict[str, Any]) -> str:
    return _edits(document, "simple")


@register(EVAL_EDITS_FORMATS, "markdown")
def edits_markdown(document: dict[str, Any]) -> str:
    return _edits(document, "github")


@register(EVAL_EDITS_FORMATS, "json")
def edits_json(document: dict[str, Any]) -> str:
    return json_text(document)
