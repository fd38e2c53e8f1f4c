"""Report models as plain JSON-ready documents (the versioned contracts).

Renderers read these documents; nothing here formats for a medium.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .cluster import Cluster, Clustering, Member
from .corpus import format_time
from .model import Skipped
from .order import why_later

CLUSTERS_SCHEMA = "storydiff.clusters/1"


def member_document(member: Member) -> dict[str, Any]:
    article = member.article
    sim = member.similarity_to_first
    link = member.linked_by
    return {
        "path": article.path,
        "id": article.id,
        "headline": article.headline,
        "published": format_time(article.published),
        "modified": format_time(article.modified),
        "similarity_to_first": None if sim is None else {"jaccard": sim.jaccard, "containment": sim.containment},
        "linked_by": None
        if link is None
        else {
            "partner": link.partner,
            "partner_path": link.partner_path,
            "jaccard": link.jaccard,
            "containment": link.containment,
            "shared_paragraphs": link.shared_paragraphs,
        },
    }


def cluster_document(cluster: Cluster) -> dict[str, Any]:
    return {
        "id": cluster.id,
        "label": cluster.label,
        "order_source": cluster.order_source,
        "articles": [member_document(m) for m in cluster.members],
    }


def skipped_document(skipped: Sequence[Skipped]) -> list[dict[str, str]]:
    return [{"path": s.path, "reason": s.reason} for s in skipped]


def clusters_document(clustering: Clustering, skipped: Sequence[Skipped] = (), min_versions: int = 1) -> dict[str, Any]:
    return {
        "schema": CLUSTERS_SCHEMA,
        "params": clustering.params.as_dict(),
        "clusters": [cluster_document(c) for c in clustering.clusters if len(c.members) >= min_versions],
        "skipped": skipped_document(skipped),
    }


# --- diffs and story reports -------------------------------------------------------

DIFF_SCHEMA = "storydiff.diff/2"
REPORT_SCHEMA = "storydiff.report/1"


def _side(article: Any) -> dict[str, Any]:
    return {
        "path": article.path,
        "headline": article.headline,
        "paragraphs": [{"index": p.index, "kind": p.kind, "text": p.text} for p in article.paragraphs],
    }


def diff_document(alignment: Any, order_source: str | None = None) -> dict[str, Any]:
    """The ``storydiff.diff/2`` contract for one aligned pair of versions."""
    from .digest import what_changed

    document = _diff_fields(alignment, order_source)
    document["what_changed"] = what_changed(document)
    return document


def _diff_fields(alignment: Any, order_source: str | None) -> dict[str, Any]:
    summary = alignment.summary
    return {
        "schema": DIFF_SCHEMA,
        "order_source": order_source,
        "order_evidence": why_later(alignment.old, alignment.new) if order_source == "evidence" else None,
        "old": _side(alignment.old),
        "new": _side(alignment.new),
        "summary": {
            "copied": summary.copied,
            "edited": summary.edited,
            "split": summary.split,
            "merged": summary.merged,
            "moved": summary.moved,
            "added": summary.added,
            "removed": summary.removed,
            "reuse_of_new": summary.reuse_of_new,
            "coverage_of_old": summary.coverage_of_old,
            "silent_substantive_edits": summary.silent_substantive_edits,
        },
        "alignment": [
            {
                "op": link.op,
                "old": list(link.old),
                "new": list(link.new),
                "moved": link.moved,
                "similarity": link.similarity,
                "significance": link.significance,
                "changes": list(link.changes),
                "words": [{"op": w.op, "old": w.old, "new": w.new} for w in link.words],
                "shares_with": list(link.shares_with),
                "edits": [{"kind": c.kind, "what": list(c.what), "old": c.old, "new": c.new} for c in link.edits],
            }
            for link in alignment.links
        ],
        "moved_sentences": [{"text": m.text, "old": m.old, "new": m.new} for m in alignment.moved_sentences],
        "sections_added": [{"heading": s.heading, "paragraphs": list(s.paragraphs)} for s in alignment.sections_added],
        "notes": list(alignment.notes),
        "silent_edits": [_evidence(e) for e in alignment.silent_edits],
        "substantive_edits": [_evidence(e) for e in alignment.substantive_edits],
        "removed_quotes_and_figures": [{"old": index, "what": what} for index, what in alignment.removed_quotes_and_figures],
        "new_status": alignment.new.status,
    }


def _evidence(edit: Any) -> dict[str, Any]:
    return {
        "kind": edit.kind,
        "what": list(edit.what),
        "old": list(edit.old),
        "new": list(edit.new),
        "before": edit.before,
        "after": edit.after,
    }


def lineage(diffs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each paragraph of the latest version: the version it first appeared
    in (1-based) and the ops that carried it from there."""
    if not diffs:
        return []
    latest = diffs[-1]["new"]["paragraphs"]
    rows = []
    for paragraph in latest:
        index, first_version = paragraph["index"], len(diffs) + 1
        ops: list[str] = []
        current = [index]
        for step in range(len(diffs) - 1, -1, -1):
            entries = [e for e in diffs[step]["alignment"] if set(e["new"]) & set(current)]
            linked = [e for e in entries if e["old"]]
            if not linked:
                break
            ops.insert(0, "+".join(sorted({e["op"] for e in linked})))
            current = sorted({i for e in linked for i in e["old"]})
            first_version = step + 1
        rows.append({"paragraph": index, "first_version": first_version, "ops": ops})
    return rows


def report_document(cluster: Cluster, diffs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema": REPORT_SCHEMA,
        "story": cluster_document(cluster),
        "versions": [_version(article) for article in cluster.articles],
        "diffs": list(diffs),
        "lineage": lineage(diffs),
    }


def _version(article: Any) -> dict[str, Any]:
    """What the version table shows of one version: where and when it was published."""
    return {
        "path": article.path,
        "headline": article.headline,
        "published": format_time(article.published),
        "modified": format_time(article.modified),
        "url": article.url,
        "source": article.source,
        "version": article.version,
        "status": article.status,
    }


def story_report(cluster: Cluster) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The story report of one cluster and the diffs of its consecutive versions."""
    from .align import align

    versions = cluster.articles
    diffs = [diff_document(align(a, b), cluster.order_source) for a, b in zip(versions, versions[1:], strict=False)]
    return report_document(cluster, diffs), diffs


# --- archive queries -----------------------------------------------------------------

QUERY_SCHEMA = "storydiff.query/1"


def query_document(query: Any, result: Any) -> dict[str, Any]:
    """``storydiff.query/1``: the story an article belongs to, its closest stored
    version and the diff from the story's latest version to the article."""
    from .align import align

    story, match = result.story, result.match
    diff = None
    if story is not None and not result.already_indexed:
        diff = diff_document(align(story.articles[-1], query), story.order_source)
    return {
        "schema": QUERY_SCHEMA,
        "article": {"path": query.path, "id": query.id, "headline": query.headline},
        "already_indexed": result.already_indexed,
        "story": None if story is None else cluster_document(story),
        "match": None
        if match is None
        else {
            "article": match.article.id,
            "path": match.article.path,
            "jaccard": round(match.jaccard, 4),
            "containment": round(match.containment, 4),
        },
        "diff": diff,
    }
