"""The archive index's core: opening an index with its parameters, signing
articles into keys, and the candidate, verification and grouping steps that
ingest and query share (:mod:`.ingest`, :mod:`.query`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import TypeVar

import numpy as np

from .. import __version__
from ..candidates import (
    ArticleKeys,
    Candidates,
    article_keys,
    rare_pairs_from_rows,
)
from ..cluster import (
    Cluster,
    ClusterParams,
    Edge,
    Shingled,
    Similarity,
    assemble,
    canonical_ranks,
    guarded_edges,
    link_components,
    needs_guard,
    passes_floors,
    similar_pairs,
)
from ..model import Article
from ..order import needs_texts, order_versions
from ..signature import SignatureParams, minhash_matrix, shingle_hashes
from ..store import IndexMismatch, SqlStore, StoredArticle, open_store
from ..store.sql import SCHEMA_VERSION

BAND_KEY_SCHEME = "storydiff-band/1"


EdgeRow = tuple[int, int, float, float, int]
#: What a candidate pair's shared passages say: how many are reused passages, and their mean weight.
Evidence = tuple[int, float]


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


_A = TypeVar("_A", bound="ArchiveCore")


class ArchiveCore:
    """An index opened with the parameters it was built with."""

    def __init__(self, store: SqlStore, params: ClusterParams) -> None:
        self.store = store
        self.params = params

    @classmethod
    def open(cls: type[_A], location: str, params: ClusterParams | None = None, *, create: bool = False, workers: int = 1) -> _A:
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

    def __enter__(self: _A) -> _A:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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

    def _candidates(self, focus: set[int], buckets: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[tuple[int, int], Evidence]:
        """Candidate pairs with at least one focus article, each with what
        its shared passages say, made from whole buckets by the same function
        a batch run uses."""
        involved = np.unique(np.concatenate([docs for _, docs in buckets.values()] + [np.zeros(0, np.int64)]))
        if involved.size < 2:
            return {}
        stored = self.store.sampled_of(involved.tolist())
        sampled = np.array([stored[d] for d in involved.tolist()], np.int64)
        local = {table: (keys, np.searchsorted(involved, docs)) for table, (keys, docs) in buckets.items()}
        found = rare_pairs_from_rows(
            ArticleKeys(local["bands"][0], local["bands"][1], local["passages"][0], local["passages"][1], sampled),
            max_bucket=self.params.max_bucket,
            rare_bucket=self.params.rare_bucket,
            reuse_bucket=self.params.reuse_bucket,
            rare_share=self.params.rare_share,
        )
        if len(found) == 0:
            return {}
        pairs = involved[found.pairs]
        focus_array = np.fromiter(focus, np.int64, len(focus))
        keep = np.isin(pairs[:, 0], focus_array) | np.isin(pairs[:, 1], focus_array)
        rows = zip(pairs[keep].tolist(), found.rare_passages[keep].tolist(), found.rarity[keep].tolist(), strict=True)
        return {(int(a), int(b)): (int(rare), float(rarity)) for (a, b), rare, rarity in rows}

    def _still_linked(self, row: EdgeRow, evidence: Evidence) -> bool:
        """Whether a stored edge whose pair is still a candidate still passes
        the floors, which read its shared passages' weights: those change when
        a passage bucket crosses a tier (:meth:`_crossed_buckets` put its pair in focus)."""
        rare, rarity = evidence
        one = np.ones(1)
        return bool(passes_floors(one * row[2], one * row[3], one * rare, one * rarity, self.params)[0])

    def _verify(self, candidates: Mapping[tuple[int, int], Evidence], records: dict[int, StoredArticle]) -> list[EdgeRow]:
        pairs = sorted(candidates)
        if not pairs:
            return []
        docs = sorted({d for pair in pairs for d in pair})
        position = {d: i for i, d in enumerate(docs)}
        shingled = _shingled([records[d].shingles for d in docs])
        local = np.array([(position[a], position[b]) for a, b in pairs], np.int64)
        rare = np.array([candidates[pair][0] for pair in pairs], np.int64)
        rarity = np.array([candidates[pair][1] for pair in pairs], np.float64)
        # Only the template guard reads texts: fetch them for its pairs alone.
        similar = similar_pairs(shingled, Candidates(local, rare, rarity), self.params)
        guarded = {docs[i] for e in similar if needs_guard(e) for i in (e.a, e.b)}
        texts = self.store.paragraphs_of(d for d in guarded if not records[d].article.paragraphs)
        articles = [replace(records[d].article, paragraphs=texts[d]) if d in texts else records[d].article for d in docs]
        edges = guarded_edges(articles, similar, self.params)
        return [_edge_row(docs[e.a], docs[e.b], e) for e in edges]

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

    def _story(self, story_id: str) -> Cluster | None:
        docs = self.store.docs_where("story = ?", (story_id,))
        return self._assemble(docs)[0] if docs else None

    def evictable(self, before: float) -> list[int]:
        """The articles published (else ingested) before ``before`` (epoch seconds)."""
        with self.store.reading():
            return self.store.docs_where("age < ?", (before,))
