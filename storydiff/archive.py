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

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, fields, replace

import numpy as np

from . import __version__
from .candidates import (
    ArticleKeys,
    article_keys,
    bucket_sizes_of,
    mostly_common,
    partners_of,
    passage_weight_tiers,
    passage_weights,
    rare_pairs_from_rows,
)
from .cluster import (
    Cluster,
    Clustering,
    ClusterParams,
    Edge,
    Shingled,
    Similarity,
    assemble,
    canonical_ranks,
    connected_parts,
    guarded_edges,
    link_components,
    needs_guard,
    similar_pairs,
)
from .model import Article
from .order import needs_texts, order_versions
from .signature import SignatureParams, minhash_matrix, shingle_hashes
from .store import IndexMismatch, SqlStore, StoredArticle, open_store
from .store.sql import KEY_TABLES, SCHEMA_VERSION, NewArticle

BAND_KEY_SCHEME = "storydiff-band/1"
EdgeRow = tuple[int, int, float, float, int]
Progress = Callable[[int, int], None]


#: An id prefix shorter than this could name many articles.
MIN_ID_PREFIX = 6


@dataclass(frozen=True)
class AddResult:
    added: tuple[str, ...]
    #: (path given, path of the article already indexed with the same text):
    #: the same file (path and URL) given again, which changes nothing.
    duplicates: tuple[tuple[str, str], ...]
    stories_touched: int
    #: (path given, path of the stored article): the same text met at another
    #: path or URL, kept as a sighting of that article.
    sightings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Match:
    article: Article
    jaccard: float
    containment: float


@dataclass(frozen=True)
class QueryResult:
    story: Cluster | None
    match: Match | None
    already_indexed: bool


@dataclass(frozen=True)
class _Signed:
    shingles: list[np.ndarray]
    keys: ArticleKeys


def _params_record(params: ClusterParams) -> str:
    record = params.as_dict()
    record["band_keys"] = BAND_KEY_SCHEME
    return json.dumps(record, sort_keys=True)


def params_from_record(text: str) -> ClusterParams:
    """The parameters an index recorded (``ClusterParams.as_dict`` flattens
    the signature's fields beside the clustering ones)."""
    record = json.loads(text)
    signature = SignatureParams(**{f.name: record[f.name] for f in fields(SignatureParams)})
    chosen = {f.name: record[f.name] for f in fields(ClusterParams) if f.name not in ("signature", "workers")}
    return ClusterParams(signature=signature, **chosen)


def _differences(stored: ClusterParams, wanted: ClusterParams) -> list[str]:
    old, new = stored.as_dict(), wanted.as_dict()
    return [f"{key}={old[key]} (asked for {new[key]})" for key in sorted(old) if old[key] != new.get(key)]


class Archive:
    """An index opened with the parameters it was built with."""

    def __init__(self, store: SqlStore, params: ClusterParams) -> None:
        self.store = store
        self.params = params

    @classmethod
    def open(cls, location: str, params: ClusterParams | None = None, *, create: bool = False, workers: int = 1) -> Archive:
        """Open the index at ``location``; ``params`` (when given) must match
        the ones it was built with, and are recorded when ``create`` makes it."""
        store = open_store(location, create=create)
        try:
            with store.writing():
                meta = store.meta() if store.has_table("meta") else {}
                if not meta:
                    if not create or store.has_table("articles") or store.table_count():
                        raise IndexMismatch(
                            f"{location} is not a storydiff index", "add articles first: storydiff index add PATH... --index FILE"
                        )
                    store.create_schema()
                    chosen = params or ClusterParams()
                    store.set_meta({"schema": SCHEMA_VERSION, "params": _params_record(chosen), "created_by": f"storydiff {__version__}"})
                    meta = store.meta()
            if meta.get("schema") != SCHEMA_VERSION:
                raise IndexMismatch(
                    f"{location} has index schema {meta.get('schema')!r}; this storydiff reads {SCHEMA_VERSION!r}",
                    "rebuild it: storydiff index add PATH... --index NEW_FILE",
                )
            record = json.loads(meta["params"])
            if record.get("band_keys") != BAND_KEY_SCHEME:
                raise IndexMismatch(f"{location} uses band keys {record.get('band_keys')!r}, not {BAND_KEY_SCHEME!r}", "rebuild the index")
            missing = sorted({f.name for f in fields(ClusterParams)} - {"signature", "workers"} - set(record))
            if missing:
                raise IndexMismatch(
                    f"{location} was built by an older storydiff, whose links do not weigh common passages ({', '.join(missing)} unset)",
                    "rebuild it: storydiff index add PATH... --index NEW_FILE",
                )
            stored = params_from_record(meta["params"])
            if params is not None and _differences(stored, params):
                raise IndexMismatch(
                    f"{location} was built with other parameters: {', '.join(_differences(stored, params))}",
                    "leave the options out to use the index's own, or build a new index with --index NEW_FILE",
                )
        except BaseException:
            store.close()
            raise
        return cls(store, ClusterParams(**{**stored.__dict__, "workers": workers}))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- signatures and keys -----------------------------------------------------------

    def _sign(self, shingle_sets: Sequence[np.ndarray]) -> ArticleKeys:
        shingled = _shingled(shingle_sets)
        signatures = minhash_matrix(shingled.hashes, shingled.offsets, self.params.signature)
        keys = article_keys(
            signatures, shingled.hashes, shingled.offsets, bands=self.params.bands, passage_sample=self.params.passage_sample
        )
        return replace(keys, band_keys=self.store.stored_keys(keys.band_keys), passage_keys=self.store.stored_keys(keys.passage_keys))

    def shingle(self, articles: Sequence[Article]) -> list[np.ndarray]:
        hashes, offsets = shingle_hashes([a.body for a in articles], self.params.signature.shingle_size)
        return [hashes[offsets[i] : offsets[i + 1]] for i in range(len(articles))]

    def _key_rows(self, keys: ArticleKeys, docs: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {"bands": (keys.band_keys, docs[keys.band_docs]), "passages": (keys.passage_keys, docs[keys.passage_docs])}

    # -- adding ------------------------------------------------------------------------

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
                passage_weight_tiers(self.params.rare_bucket, self.params.max_bucket) if table == "passages" else (self.params.max_bucket,)
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

    # -- candidates, links, groups --------------------------------------------------------

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

    def _candidates(self, focus: set[int], buckets: dict[str, tuple[np.ndarray, np.ndarray]]) -> set[tuple[int, int]]:
        """Candidate pairs with at least one focus article, made from whole buckets
        by the same function a batch run uses."""
        involved = np.unique(np.concatenate([docs for _, docs in buckets.values()] + [np.zeros(0, np.int64)]))
        if involved.size < 2:
            return set()
        stored = self.store.sampled_of(involved.tolist())
        sampled = np.array([stored[d] for d in involved.tolist()], np.int64)
        local = {table: (keys, np.searchsorted(involved, docs)) for table, (keys, docs) in buckets.items()}
        pairs = rare_pairs_from_rows(
            ArticleKeys(local["bands"][0], local["bands"][1], local["passages"][0], local["passages"][1], sampled),
            max_bucket=self.params.max_bucket,
            rare_bucket=self.params.rare_bucket,
            rare_share=self.params.rare_share,
        )
        if pairs.size == 0:
            return set()
        pairs = involved[pairs]
        focus_array = np.fromiter(focus, np.int64, len(focus))
        keep = np.isin(pairs[:, 0], focus_array) | np.isin(pairs[:, 1], focus_array)
        return {(int(a), int(b)) for a, b in pairs[keep].tolist()}

    def _verify(self, pairs: Iterable[tuple[int, int]], records: dict[int, StoredArticle]) -> list[EdgeRow]:
        pairs = sorted(pairs)
        if not pairs:
            return []
        docs = sorted({d for pair in pairs for d in pair})
        position = {d: i for i, d in enumerate(docs)}
        shingled = _shingled([records[d].shingles for d in docs])
        local = np.array([(position[a], position[b]) for a, b in pairs], np.int64)
        # Only the template guard reads texts: fetch them for its pairs alone.
        similar = similar_pairs(shingled, local, self.params)
        guarded = {docs[i] for e in similar if needs_guard(e) for i in (e.a, e.b)}
        texts = self.store.paragraphs_of(d for d in guarded if not records[d].article.paragraphs)
        articles = [replace(records[d].article, paragraphs=texts[d]) if d in texts else records[d].article for d in docs]
        edges = guarded_edges(articles, similar, self.params)
        return [_edge_row(docs[e.a], docs[e.b], e) for e in edges]

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
        gone = sorted(set(existing) - candidates)
        wanted = candidates - set(existing)
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

    def _stories_of(self, part: list[int], edge_rows: Sequence[EdgeRow], records: dict[int, StoredArticle]) -> list[list[int]]:
        if len(part) == 1:
            return [part]
        position = {d: i for i, d in enumerate(part)}
        articles = [records[d].article for d in part]
        edges = [_edge(position[a], position[b], row) for row in edge_rows if (a := row[0]) in position and (b := row[1]) in position]
        shingled = _shingled([records[d].shingles for d in part])
        components = link_components(len(part), edges, shingled, self.params, canonical_ranks(articles))
        return [[part[i] for i in members] for members in components]

    def _label(self, docs: list[int], records: dict[int, StoredArticle]) -> str:
        articles = [records[d].article for d in docs]
        if needs_texts(articles, self.params.order_by):
            texts = self.store.paragraphs_of(d for d in docs if not records[d].article.paragraphs)
            articles = [replace(records[d].article, paragraphs=texts[d]) if d in texts else records[d].article for d in docs]
        ordered, _ = order_versions(articles, self.params.order_by)
        return "s" + ordered[0].id[:12]

    # -- reading -----------------------------------------------------------------------

    def _assemble(self, docs: Sequence[int]) -> tuple[Cluster, ...]:
        records = self.store.records(docs)
        docs = sorted(records)
        met = self.store.sightings_of(docs)
        # Each sighting stands beside its article as the batch run would list
        # it: the same text, so the same shingles and the same links.
        copies: list[tuple[int, Article]] = [(d, records[d].article) for d in docs]
        copies += [
            (d, replace(a, paragraphs=records[d].article.paragraphs, id=records[d].article.id)) for d in docs for a in met.get(d, ())
        ]
        positions: dict[int, list[int]] = {}
        for i, (d, _) in enumerate(copies):
            positions.setdefault(d, []).append(i)
        articles = [a for _, a in copies]
        edges = [
            _edge(i, j, r)
            for r in self.store.edges_touching(docs)
            if r[0] in positions and r[1] in positions
            for i in positions[r[0]]
            for j in positions[r[1]]
        ]
        for d, places in positions.items():
            size = int(records[d].shingles.size)
            if len(places) > 1 and size >= self.params.min_shared:
                edges += [Edge(i, j, Similarity(1.0, 1.0), size) for n, i in enumerate(places) for j in places[n + 1 :]]
        by_story: dict[str, list[int]] = {}
        for i, (d, _) in enumerate(copies):
            by_story.setdefault(records[d].story, []).append(i)
        shingled = _shingled([records[d].shingles for d, _ in copies])
        return assemble(articles, list(by_story.values()), edges, shingled, self.params, canonical_ranks(articles))

    def stories(self) -> Clustering:
        """Every story, exactly as ``cluster_articles`` gives for the stored articles."""
        with self.store.reading():
            return Clustering(self.params, self._assemble(self.store.docs_where()))

    def story(self, story_id: str) -> Cluster | None:
        with self.store.reading():
            return self._story(story_id)

    def _story(self, story_id: str) -> Cluster | None:
        docs = self.store.docs_where("story = ?", (story_id,))
        return self._assemble(docs)[0] if docs else None

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
            partners = partners_of(query_doc, rows, sampled_of, max_bucket=self.params.max_bucket).tolist()
            partners = self._rare_partners(query_doc, partners, buckets["passages"], sampled_of)
            candidates = {(min(query_doc, d), max(query_doc, d)) for d in partners}
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
    ) -> list[int]:
        """``partners`` without those whose passages shared with ``doc`` are
        mostly common text; ``passages``: whole buckets of ``doc``'s passage keys."""
        if not partners:
            return partners
        keys, docs = passages
        involved = np.array(sorted({doc, *partners}), np.int64)
        local = {d: i for i, d in enumerate(involved.tolist())}
        weights = passage_weights(bucket_sizes_of(keys), self.params.rare_bucket, self.params.max_bucket)
        mine = np.isin(docs, involved)
        counts = sampled_of(involved.tolist())
        sampled = np.array([counts[d] for d in involved.tolist()], np.int64)
        pairs = np.array([(local[doc], local[p]) for p in partners], np.int64)
        local_docs = np.searchsorted(involved, docs[mine])
        common = mostly_common(pairs, keys[mine], local_docs, weights[mine], sampled, rare_share=self.params.rare_share)
        return [p for p, drop in zip(partners, common.tolist(), strict=True) if not drop]

    # -- removing ------------------------------------------------------------------------

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

    def evictable(self, before: float) -> list[int]:
        """The articles published (else ingested) before ``before`` (epoch seconds)."""
        with self.store.reading():
            return self.store.docs_where("age < ?", (before,))

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

    def evict(self, before: float) -> list[Article]:
        """Remove articles published (else ingested) before ``before`` (epoch seconds)."""
        docs = self.evictable(before)
        removed: list[Article] = []
        for first in range(0, len(docs), 5000):
            removed += self.remove(docs[first : first + 5000])
        return removed

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


def _shingled(sets: Sequence[np.ndarray]) -> Shingled:
    sizes = np.array([s.size for s in sets], np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    hashes = np.concatenate(list(sets)) if sets else np.zeros(0, np.uint32)
    return Shingled(hashes.astype(np.uint32), offsets)


def _edge_row(a: int, b: int, edge: Edge) -> EdgeRow:
    low, high = min(a, b), max(a, b)
    return (low, high, edge.similarity.jaccard, edge.similarity.containment, edge.shared)


def _edge(a: int, b: int, row: EdgeRow) -> Edge:
    return Edge(a, b, Similarity(row[2], row[3]), row[4])


def _merged_rows(one: tuple[np.ndarray, np.ndarray], other: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Two sets of (key, doc) bucket rows as one, each row once."""
    if other[0].size == 0:
        return one
    keys, docs = np.concatenate((one[0], other[0])), np.concatenate((one[1], other[1]))
    order = np.lexsort((docs, keys))
    keys, docs = keys[order], docs[order]
    first = np.ones(keys.size, bool)
    first[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
    return keys[first], docs[first]
