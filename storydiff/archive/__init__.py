"""A persistent archive index: feed articles in as they are published and ask
which story each belongs to.

The index stores what a batch run computes (shingle sets, band and passage
keys, verified links) and keeps one invariant: its grouping always equals
``cluster_articles`` over the same articles, whatever the order they came in.
That holds because

* whether two articles are candidates depends only on the keys they share and
  on whether each shared key's bucket is still under ``max_bucket`` (the
  corpus statistic that moves as articles arrive and leave): when a bucket
  crosses the cap either way, every member is re-checked;
* verification looks at the two articles only;
* linking ties break on the articles' own ids, so each connected part of the
  link graph groups the same alone as inside the whole archive; an ingest
  regroups only the parts it touched.
"""

from __future__ import annotations

from ..model import Article
from .core import BAND_KEY_SCHEME, MIN_ID_PREFIX, AddResult, Match, QueryResult, params_from_record
from .ingest import Ingest
from .query import Reading

__all__ = ["BAND_KEY_SCHEME", "MIN_ID_PREFIX", "AddResult", "Archive", "Match", "QueryResult", "params_from_record"]


class Archive(Ingest, Reading):
    """An index opened with the parameters it was built with: ingest
    (:class:`~.ingest.Ingest`) and reading (:class:`~.query.Reading`)."""

    def evict(self, before: float) -> list[Article]:
        """Remove articles published (else ingested) before ``before`` (epoch seconds)."""
        docs = self.evictable(before)
        removed: list[Article] = []
        for first in range(0, len(docs), 5000):
            removed += self.remove(docs[first : first + 5000])
        return removed
