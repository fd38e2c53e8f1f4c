"""Report models as plain JSON-ready documents (the versioned contracts).

Renderers read these documents; nothing here formats for a medium.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .cluster import Cluster, Clustering, Member
from .corpus import format_time
from .model import Skipped

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
