"""Story clusters: which articles are versions of one story, oldest first.

The stage reads top to bottom in :mod:`.pipeline`: ``articles -> shingles and
signatures (:mod:`.shingling`) -> candidate pairs (:mod:`storydiff.candidates`)
-> verified edges (:mod:`.verification`) -> stories (:mod:`.linking`) ->
ordered clusters (:mod:`.assembly`)``. Parameters live in :mod:`.params` and
the data that crosses the parts in :mod:`.records`.
"""

from .assembly import assemble
from .linking import canonical_ranks, connected_parts, link_components, settled_links, strongest_first
from .params import ORDER_BY, ClusterParams, Progress
from .pipeline import cluster_articles
from .records import Cluster, Clustering, Edge, Judge, Member, Placement, Settled, Similarity, StoryOrder
from .shingling import Shingled, shingle_articles, signatures_of
from .verification import guarded_edges, is_template, is_template_pair, needs_guard, passes_floors, similar_pairs, version_key

__all__ = [
    "ORDER_BY",
    "Cluster",
    "ClusterParams",
    "Clustering",
    "Edge",
    "Judge",
    "Member",
    "Placement",
    "Progress",
    "Settled",
    "Shingled",
    "Similarity",
    "StoryOrder",
    "assemble",
    "canonical_ranks",
    "cluster_articles",
    "connected_parts",
    "guarded_edges",
    "is_template",
    "is_template_pair",
    "link_components",
    "needs_guard",
    "passes_floors",
    "settled_links",
    "shingle_articles",
    "signatures_of",
    "similar_pairs",
    "strongest_first",
    "version_key",
]
