"""Ingest: storing and grouping articles as they arrive, and removing them,
so that the grouping stays the one a batch run gives."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet

import numpy as np

from ..candidates import (
    ArticleKeys,
    passage_weight_tiers,
)
from ..cluster import (
    connected_parts,
)
from ..model import Article
from ..store.sql import KEY_TABLES, NewArticle
from .core import (
    AddResult,
    ArchiveCore,
    EdgeRow,
    Progress,
    _merged_rows,
)


class Ingest(ArchiveCore):
    """Adding, removing and evicting articles."""

    def add(self, articles: Sequence[Article], *, now: float, batch_size: int = 5000, progress: Progress | None = None) -> AddResult:
        """Store and group ``articles``, one transaction per batch."""
        added: list[str] = []
        duplicates: list[tuple[str, str]] = []
        sightings: list[tuple[str, str]] = []
        touched = 0
        for first in range(0, len(articles), batch_size):
            batch = articles[first : first + batch_size]
            shingles = self.shingle(batch)  # outside the lock: other writers go on meanwhile
            result = self._add_batch(batch, shingles, now)
            added += result.added
            duplicates += result.duplicates
            sightings += result.sightings
            touched += result.stories_touched
            if progress:
                progress(first + len(batch), len(articles))
        return AddResult(tuple(added), tuple(duplicates), touched, tuple(sightings))

    def _add_batch(self, batch: Sequence[Article], shingles: list[np.ndarray], now: float) -> AddResult:
        with self.store.writing():
            known = self.store.docs_of(sorted({a.id for a in batch}))
            # The first of each text not stored yet; the others are its copies.
            fresh = sorted(i for i in {a.id: i for i, a in reversed(list(enumerate(batch)))}.values() if batch[i].id not in known)
            touched = 0
            if fresh:
                sets = [shingles[i] for i in fresh]
                keys = self._sign(sets)
                items = [NewArticle(batch[i], s, int(n), now) for i, s, n in zip(fresh, sets, keys.sampled.tolist(), strict=True)]
                docs = np.array(self.store.insert_articles(self.store.next_doc(), items), np.int64)
                known.update((batch[i].id, int(d)) for i, d in zip(fresh, docs.tolist(), strict=True))
                rows = self._key_rows(keys, docs)
                for table, (table_keys, table_docs) in rows.items():
                    self.store.insert_keys(table, table_keys, table_docs)
                focus = set(docs.tolist())
                buckets = {table: self.store.bucket_rows(table, table_keys) for table, (table_keys, _) in rows.items()}
                focus |= self._crossed_buckets(buckets, focus, arriving=True)
                affected = self._reconcile(focus, signed=set(docs.tolist()), keys=keys, signed_buckets=buckets)
                touched = self._regroup(affected)
            duplicates, sightings = self._sightings(batch, set(fresh), known, now)
            return AddResult(tuple(batch[i].path for i in fresh), duplicates, touched, sightings)

    def _sightings(
        self, batch: Sequence[Article], fresh: AbstractSet[int], known: dict[str, int], now: float
    ) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
        """Split the batch's copies of stored texts into files given again
        (a path the stored article or one of its sightings has) and new sightings."""
        copies = [a for i, a in enumerate(batch) if i not in fresh]
        if not copies:
            return (), ()
        docs = sorted({known[a.id] for a in copies})
        records = self.store.records(docs, paragraphs=False)
        seen = {(d, records[d].article.path) for d in docs}
        for doc, met in self.store.sightings_of(docs).items():
            seen |= {(doc, a.path) for a in met}
        duplicates: list[tuple[str, str]] = []
        sightings: list[tuple[str, str]] = []
        new_rows: list[tuple[int, Article]] = []
        for article in copies:
            doc = known[article.id]
            stored_path = records[doc].article.path
            if (doc, article.path) in seen:
                duplicates.append((article.path, stored_path))
                continue
            seen.add((doc, article.path))
            sightings.append((article.path, stored_path))
            new_rows.append((doc, article))
        self.store.insert_sightings(new_rows, now)
        return tuple(duplicates), tuple(sightings)

    def _crossed_buckets(self, buckets: dict[str, tuple[np.ndarray, np.ndarray]], moving: set[int], *, arriving: bool) -> set[int]:
        """Members of buckets (whole, as :meth:`SqlStore.bucket_rows` gives
        them) that crossed ``max_bucket``, or a passage bucket that crossed a
        rarity tier, because ``moving`` arrived (or is about to leave): their
        candidate pairs changed."""
        extra: set[int] = set()
        for table, (bucket_keys, bucket_docs) in buckets.items():
            if bucket_keys.size == 0:
                continue
            # Passage keys also change weight at the rarity tiers (see candidates.passage_weights).
            bounds = (
                passage_weight_tiers(self.params.rare_bucket, self.params.max_bucket, self.params.reuse_bucket)
                if table == "passages"
                else (self.params.max_bucket,)
            )
            moving_mask = np.isin(bucket_docs, np.fromiter(moving, np.int64, len(moving)))
            values, inverse, sizes = np.unique(bucket_keys, return_inverse=True, return_counts=True)
            moved = np.bincount(inverse, weights=moving_mask, minlength=values.size).astype(np.int64)
            before, after = (sizes - moved, sizes) if arriving else (sizes, sizes - moved)
            crossed = np.zeros(values.size, bool)
            for bound in bounds:
                crossed |= (before <= bound) != (after <= bound)
            crossed &= np.minimum(before, after) >= 1
            if crossed.any():
                extra.update(bucket_docs[crossed[inverse] & ~moving_mask].tolist())
        return extra

    def _focus_keys(self, focus: Sequence[int], signed: AbstractSet[int], keys: ArticleKeys | None) -> dict[str, np.ndarray]:
        """Every band and passage key of the focus articles."""
        out: dict[str, list[np.ndarray]] = {table: [] for table in KEY_TABLES}
        rest = [d for d in focus if d not in signed]
        if signed and keys is not None:
            out["bands"].append(keys.band_keys)
            out["passages"].append(keys.passage_keys)
        if rest:
            records = self.store.records(rest, paragraphs=False)
            rest_keys = self._sign([records[d].shingles for d in rest])
            out["bands"].append(rest_keys.band_keys)
            out["passages"].append(rest_keys.passage_keys)
        return {table: np.concatenate(parts) if parts else np.zeros(0, np.uint64) for table, parts in out.items()}

    def _reconcile(
        self,
        focus: set[int],
        signed: AbstractSet[int] = frozenset(),
        keys: ArticleKeys | None = None,
        signed_buckets: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> set[int]:
        """Bring the stored links of ``focus`` in line with their candidates;
        returns every article whose links changed. ``signed_buckets``: the
        buckets of the ``signed`` articles' keys, when already read."""
        if not focus:
            return set()
        ordered = sorted(focus)
        if signed_buckets is None:
            focus_keys = self._focus_keys(ordered, signed, keys)
            buckets = {table: self.store.bucket_rows(table, focus_keys[table]) for table in KEY_TABLES}
        else:
            others = self._focus_keys([d for d in ordered if d not in signed], frozenset(), None)
            buckets = {table: _merged_rows(signed_buckets[table], self.store.bucket_rows(table, others[table])) for table in KEY_TABLES}
        candidates = self._candidates(focus, buckets)
        existing = {(a, b): row for (a, b, *_), row in ((r[:2], r) for r in self.store.edges_touching(ordered))}
        gone = sorted(pair for pair, row in existing.items() if pair not in candidates or not self._still_linked(row, candidates[pair]))
        wanted = {pair: evidence for pair, evidence in candidates.items() if pair not in existing}
        records = self.store.records({d for pair in wanted for d in pair}, paragraphs=False)
        new_edges = self._verify(wanted, records)
        self.store.delete_edges(gone)
        self.store.add_edges(new_edges)
        return focus | {d for pair in gone for d in pair} | {d for row in new_edges for d in row[:2]}

    def _regroup(self, affected: set[int]) -> int:
        """Recompute the stories of every linked part that holds an affected article."""
        if not affected:
            return 0
        groups = self.store.groups(sorted(affected))
        region = set(self.store.component_members({component for component, _ in groups.values()})) | set(groups)
        edge_rows = [row for row in self.store.edges_touching(sorted(region)) if row[0] in region and row[1] in region]
        records = self.store.records(region, paragraphs=False)
        updates: list[tuple[int, int, str]] = []
        stories = 0
        parts = connected_parts(sorted(region), [(r[0], r[1]) for r in edge_rows])
        part_of = {doc: i for i, part in enumerate(parts) for doc in part}
        rows_of: list[list[EdgeRow]] = [[] for _ in parts]
        for row in edge_rows:
            rows_of[part_of[row[0]]].append(row)
        for part, part_rows in zip(parts, rows_of, strict=True):
            for members in self._stories_of(part, part_rows, records):
                label = self._label(members, records)
                updates += [(d, part[0], label) for d in members]
                stories += 1
        self.store.set_groups([(d, c, s) for d, c, s in updates if (records[d].component, records[d].story) != (c, s)])
        return stories

    def remove_copies(self, paths: Sequence[str]) -> None:
        """Forget the copies at ``paths``; the text stays under its other paths.
        A stored article gives way to its first sighting (by path)."""
        if not paths:
            return
        with self.store.writing():
            touched: set[int] = set()
            for path in paths:
                for doc in self.store.sighting_docs(path):
                    self.store.delete_sighting(doc, path)
                for doc in self.store.docs_where("path = ?", (path,)):
                    heir = self.store.sightings_of([doc]).get(doc)
                    if heir:
                        self.store.take_place(doc, heir[0])
                        touched.add(doc)
            self._regroup(touched)

    def remove(self, docs: Sequence[int]) -> list[Article]:
        """Delete articles; their stories are regrouped as if never added."""
        if not docs:
            return []
        with self.store.writing():
            records = self.store.records(docs)
            gone = sorted(records)
            if not gone:
                return []
            keys = self._sign([records[d].shingles for d in gone])
            rows = self._key_rows(keys, np.array(gone, np.int64))
            focus = self._crossed_buckets({t: self.store.bucket_rows(t, k) for t, (k, _) in rows.items()}, set(gone), arriving=False)
            partners = {d for row in self.store.edges_touching(gone) for d in row[:2]}
            groups = self.store.groups(sorted(partners - set(gone)))
            for table, (table_keys, table_docs) in rows.items():
                self.store.delete_keys(table, table_keys, table_docs)
            self.store.delete_edges([(a, b) for a, b, *_ in self.store.edges_touching(gone)])
            self.store.delete_articles(gone)
            affected = (partners - set(gone)) | self._reconcile(focus - set(gone))
            # Members of the removed articles' parts may now stand apart.
            survivors = set(self.store.component_members({c for c, _ in groups.values()} | {records[d].component for d in gone}))
            self._regroup(affected | survivors)
            return [records[d].article for d in gone]
