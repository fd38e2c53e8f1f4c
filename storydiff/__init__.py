"""storydiff: group news articles into stories and show what changed between versions.

The library the command line is built on. Each name is imported when first
used, so ``import storydiff`` stays cheap for scripts that need one stage::

    import storydiff

    corpus = storydiff.load(["seeds/"])                       # corpus stage
    clustering = storydiff.cluster_articles(corpus.articles)  # cluster stage
    old, new = clustering.clusters[0].articles                # ordered oldest first
    alignment = storydiff.diff(old, new)                      # align stage
    document = storydiff.diff_document(alignment)             # report stage (storydiff.diff/2)

The README's "Python API" section runs as a doctest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it (and the name there, when another).
_EXPORTS: dict[str, str | tuple[str, str]] = {
    "Article": "storydiff.model",
    "Skipped": "storydiff.model",
    "load": "storydiff.corpus",
    "LoadOptions": "storydiff.corpus",
    "Corpus": "storydiff.corpus",
    "article_from_text": "storydiff.corpus",
    "ClusterParams": "storydiff.cluster",
    "Clustering": "storydiff.cluster",
    "Cluster": "storydiff.cluster",
    "Member": "storydiff.cluster",
    "cluster_articles": "storydiff.cluster",
    "order_versions": "storydiff.order",
    # ``storydiff.align`` is the module's name, so the function is ``diff`` here.
    "diff": ("storydiff.align", "align"),
    "Alignment": "storydiff.align",
    "diff_document": "storydiff.report",
    "clusters_document": "storydiff.report",
    "story_report": "storydiff.report",
    "Archive": "storydiff.archive",
}

__all__ = [
    "__version__",
    "Alignment",
    "Archive",
    "Article",
    "Cluster",
    "ClusterParams",
    "Clustering",
    "Corpus",
    "LoadOptions",
    "Member",
    "Skipped",
    "article_from_text",
    "cluster_articles",
    "clusters_document",
    "diff",
    "diff_document",
    "load",
    "order_versions",
    "story_report",
]

if TYPE_CHECKING:
    from .align import Alignment
    from .align import align as diff
    from .archive import Archive
    from .cluster import Cluster, Clustering, ClusterParams, Member, cluster_articles
    from .corpus import Corpus, LoadOptions, article_from_text, load
    from .model import Article, Skipped
    from .order import order_versions
    from .report import clusters_document, diff_document, story_report


def __getattr__(name: str) -> Any:
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module 'storydiff' has no attribute {name!r}")
    module, attribute = where if isinstance(where, tuple) else (where, name)
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
