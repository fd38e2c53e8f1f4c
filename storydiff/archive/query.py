"""Reading: stories as a batch run gives them, which story a new article
would join, and what the index holds."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from ..candidates import (
    ArticleKeys,
    bucket_sizes_of,
    partners_of,
    passage_evidence,
)
from ..cluster import (
    Cluster,
    Clustering,
    connected_parts,
)
from ..model import Article
from ..store import StoredArticle
from .core import (
    MIN_ID_PREFIX,
    ArchiveCore,
    Evidence,
    Match,
    QueryResult,
)


class Reading(ArchiveCore):
    """Questions an index answers without changing."""

    def stories(self) -> Clustering:
        """Every story, exactly as ``cluster_articles`` gives for the stored articles."""
        with self.store.reading():
            return Clustering(self.params, self._assemble(self.store.docs_where()))

    def story(self, story_id: str) -> Cluster | None:
        with self.store.reading():
            return self._story(story_id)

    def find(self, reference: str) -> list[int]:
        """Articles named by id (or an id prefix of 6+ characters) or by path."""
        with self.store.reading():
            if len(reference) >= MIN_ID_PREFIX and all(c in "0123456789abcdef" for c in reference):
                found = self.store.docs_where("article_id LIKE ?", (reference + "%",))
                if found:
                    return found
            return self.store.docs_where("path = ?", (reference,))

    def copies_at(self, path: str) -> bool:
        """Whether ``path`` names one copy of a text stored more than once
        (a sighting, or the stored article of a text with sightings)."""
        with self.store.reading():
            if self.store.sighting_docs(path):
                return True
            docs = self.store.docs_where("path = ?", (path,))
            return bool(docs and self.store.sightings_of(docs))

    def query(self, article: Article) -> QueryResult:
        """The story ``article`` would join, without adding it."""
        with self.store.reading():
            known = self.store.docs_of([article.id])
            if known:
                doc = known[article.id]
                record = self.store.records([doc])[doc]
                story = self._story(record.story)
                match = Match(record.article, 1.0, 1.0) if story and len(story.members) > 1 else None
                return QueryResult(story, match, True)
            shingles = self.shingle([article])[0]
            keys = self._sign([shingles])
            query_doc = -1
            buckets = {}
            for table, (table_keys, _) in self._key_rows(keys, np.array([query_doc], np.int64)).items():
                stored_keys, stored_docs = self.store.bucket_rows(table, table_keys)
                own_docs = np.full(table_keys.size, query_doc, np.int64)
                buckets[table] = (np.concatenate((stored_keys, table_keys)), np.concatenate((stored_docs, own_docs)))
            own_sampled = int(keys.sampled[0])

            def sampled_of(docs: Sequence[int]) -> dict[int, int]:
                return {**self.store.sampled_of([d for d in docs if d != query_doc]), query_doc: own_sampled}

            # Only the query's own pairs: the rest of its buckets' pairs are stored already.
            rows = ArticleKeys(*buckets["bands"], *buckets["passages"], np.zeros(0, np.int64))
            proposed = partners_of(query_doc, rows, sampled_of, max_bucket=self.params.max_bucket).tolist()
            rare_of = self._rare_partners(query_doc, proposed, buckets["passages"], sampled_of)
            candidates = {(min(query_doc, d), max(query_doc, d)): evidence for d, evidence in rare_of.items()}
            if not candidates:
                return QueryResult(None, None, False)
            query_record = StoredArticle(query_doc, article, shingles, 0.0, "", query_doc)
            records = self.store.records({d for pair in candidates for d in pair if d != query_doc}, paragraphs=False)
            records[query_doc] = query_record
            new_edges = self._verify(candidates, records)
            if not new_edges:
                return QueryResult(None, None, False)
            partners = {d for row in new_edges for d in row[:2] if d != query_doc}
            groups = self.store.groups(sorted(partners))
            region = sorted(set(self.store.component_members({c for c, _ in groups.values()})) | {query_doc})
            edge_rows = [r for r in self.store.edges_touching(region) if r[0] in region and r[1] in region] + new_edges
            records.update(self.store.records((d for d in region if d not in records), paragraphs=False))
            part = next(p for p in connected_parts(region, [(r[0], r[1]) for r in edge_rows]) if query_doc in p)
            mine = next(s for s in self._stories_of(part, edge_rows, records) if query_doc in s)
            if len(mine) == 1:
                return QueryResult(None, None, False)
            votes = Counter(records[d].story for d in mine if d != query_doc)
            strongest = max((r for r in new_edges if (r[0] in mine and r[1] in mine)), key=lambda r: (r[3], r[2], -max(r[0], r[1])))
            partner = strongest[0] if strongest[1] == query_doc else strongest[1]
            best = max(votes, key=lambda s: (votes[s], s == records[partner].story, s))
            if records[partner].story != best:
                in_best = [r for r in new_edges if records.get(r[0] if r[1] == query_doc else r[1], query_record).story == best]
                strongest = max(in_best, key=lambda r: (r[3], r[2], -max(r[0], r[1])))
                partner = strongest[0] if strongest[1] == query_doc else strongest[1]
            story = self._story(best)
            # The story's copy of the partner carries its paragraphs; the record here does not.
            closest = (
                next((m.article for m in story.members if m.article.id == records[partner].article.id), records[partner].article)
                if story
                else records[partner].article
            )
            return QueryResult(story, Match(closest, strongest[2], strongest[3]), False)

    def _rare_partners(
        self, doc: int, partners: list[int], passages: tuple[np.ndarray, np.ndarray], sampled_of: Callable[[Sequence[int]], dict[int, int]]
    ) -> dict[int, Evidence]:
        """``partners`` without those whose passages shared with ``doc`` are
        mostly common text, each with what its shared passages say;
        ``passages``: whole buckets of ``doc``'s passage keys."""
        if not partners:
            return {}
        keys, docs = passages
        involved = np.array(sorted({doc, *partners}), np.int64)
        local = {d: i for i, d in enumerate(involved.tolist())}
        sizes = bucket_sizes_of(keys)
        mine = np.isin(docs, involved)
        counts = sampled_of(involved.tolist())
        sampled = np.array([counts[d] for d in involved.tolist()], np.int64)
        pairs = np.array([(local[doc], local[p]) for p in partners], np.int64)
        local_docs = np.searchsorted(involved, docs[mine])
        evidence = passage_evidence(
            pairs,
            keys[mine],
            local_docs,
            sizes[mine],
            sampled,
            rare_bucket=self.params.rare_bucket,
            max_bucket=self.params.max_bucket,
            reuse_bucket=self.params.reuse_bucket,
            rare_share=self.params.rare_share,
        )
        rows = zip(partners, evidence.common.tolist(), evidence.rare.tolist(), evidence.rarity.tolist(), strict=True)
        return {p: (rare, rarity) for p, drop, rare, rarity in rows if not drop}

    def described(self, docs: Sequence[int]) -> list[Article]:
        """The stored articles ``docs``, without their paragraphs (for listing)."""
        with self.store.reading():
            records = self.store.records(docs, paragraphs=False)
        return [records[d].article for d in sorted(records)]

    def check(self, quick: bool = False) -> list[str]:
        """What the database's own integrity check finds wrong; empty when whole.
        ``quick`` skips the index-against-table cross-checks (SQLite's quick_check)."""
        with self.store.reading():
            return self.store.integrity_problems(quick)

    def story_ids(self, prefix: str) -> list[str]:
        with self.store.reading():
            return self.store.story_ids(prefix)

    def stats(self) -> dict[str, object]:
        with self.store.reading():
            counts = self.store.counts()
            oldest, newest = self.store.time_range()
            meta = self.store.meta()
        return {
            "index": self.store.location,
            "backend": type(self.store).__name__.replace("Store", "").lower(),
            "schema": meta.get("schema"),
            "created_by": meta.get("created_by"),
            **counts,
            "oldest": oldest,
            "newest": newest,
            "size_bytes": self.store.size_bytes(),
            "params": json.loads(meta["params"]),
        }
