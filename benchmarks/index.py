"""Archive index benchmarks: ingest rate and story-lookup latency.

Two measurements per backend:

* end to end (``--corpus FILE``): ``Archive.add`` of a synthetic corpus in
  bulk batches (loading excluded, signing, storing, linking and grouping
  included), then ``Archive.query`` of held-back articles, the library call
  a desk would make (no process start, no diff);
* storage (``--storage N``): N articles with synthetic signatures written
  straight to the store in bulk, then the band and passage lookups a query
  makes, at a size (1M) where building real articles would take too long.

Usage:
    python benchmarks/index.py --corpus /tmp/c100k.jsonl --index /tmp/bench.db
    python benchmarks/index.py --storage 1000000 --index /tmp/bench-1m.db
    python benchmarks/index.py --storage 1000000 --index postgresql://postgres@127.0.0.1:5432/bench
    python benchmarks/index.py --storage 1000000 --throwaway-postgres   # initdb/pg_ctl in a temp dir
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from storydiff.archive import Archive
from storydiff.corpus import LoadOptions, load
from storydiff.store import SqlStore
from storydiff.store.sql import NewArticle
from storydiff.text import Paragraph


def _fresh(location: str) -> None:
    if "://" not in location:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(location + suffix):
                os.remove(location + suffix)


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3),
    }


def end_to_end(corpus: str, location: str, held_back: int = 200) -> dict[str, object]:
    _fresh(location)
    articles = list(load([corpus], LoadOptions(workers=2)).articles)
    random.Random(1).shuffle(articles)
    stored, queries = articles[:-held_back], articles[-held_back:]
    with Archive.open(location, create=True, workers=0) as archive:
        start = time.perf_counter()
        archive.add(stored, now=time.time(), batch_size=5000)
        ingest = time.perf_counter() - start
        timings, found = [], 0
        for article in queries:
            start = time.perf_counter()
            result = archive.query(article)
            timings.append(time.perf_counter() - start)
            found += result.story is not None
        stats = archive.stats()
    return {
        "articles": len(stored),
        "ingest_s": round(ingest, 1),
        "ingest_articles_per_s": round(len(stored) / ingest),
        "query": {**_percentiles(timings), "queries": len(queries), "found_a_story": found},
        "size_mb": round(stats["size_bytes"] / 1e6, 1),  # type: ignore[operator]
    }


def storage(n: int, location: str, batch: int = 50_000, queries: int = 500) -> dict[str, object]:
    """Synthetic signatures straight into the store: the band table at scale."""
    _fresh(location)
    paragraph = (Paragraph(0, "body", "synthetic"),)
    from storydiff.model import Article

    with Archive.open(location, create=True) as archive:
        store = archive.store
        bands, passages = archive.params.bands, 30
        start = time.perf_counter()
        for first in range(0, n, batch):
            size = min(batch, n - first)
            with store.writing():
                items = [
                    NewArticle(
                        Article(path=f"synthetic/{first + i}", paragraphs=paragraph, id=f"{first + i:016x}"),
                        np.zeros(0, np.uint32),
                        passages,
                        0.0,
                    )
                    for i in range(size)
                ]
                docs = np.array(store.insert_articles(first + 1, items), np.int64)
                store.insert_keys("bands", synthetic_keys(docs, bands, "bands"), np.repeat(docs, bands))
                store.insert_keys("passages", synthetic_keys(docs, passages, "passages"), np.repeat(docs, passages))
            print(f"{first + size:,} articles stored, {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        ingest = time.perf_counter() - start
        timings = story_lookups(store, n, bands, passages, queries)
        size_bytes = store.size_bytes()
    return {
        "articles": n,
        "ingest_s": round(ingest, 1),
        "ingest_articles_per_s": round(n / ingest),
        "story_lookup": _percentiles(timings),
        "size_mb": round(size_bytes / 1e6, 1),
        "bytes_per_article": round(size_bytes / n),
    }


@contextlib.contextmanager
def throwaway_postgres(shared_buffers: str) -> Iterator[str]:
    """A PostgreSQL server in a temporary directory (the tests' helper), with
    the shared buffers a dedicated index server would be given."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pgserver import Server, server_binaries

    binaries = server_binaries()
    if binaries is None:
        sys.exit("no PostgreSQL server binaries (initdb, pg_ctl); apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="storydiff-bench-pg-"))
    server = Server(binaries, root, extra_options=f"-c shared_buffers={shared_buffers}")
    server.start()
    try:
        yield server.create_database("bench")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


#: Key width and salt of each synthetic key table (passage keys are 32-bit shingle hashes).
_SYNTHETIC = {"bands": (63, 0x5BD1E995), "passages": (32, 0x27D4EB2F)}


def synthetic_keys(docs: np.ndarray, per_doc: int, table: str) -> np.ndarray:
    """Random-looking keys that a lookup can regenerate from the doc (splitmix64)."""
    bits, salt = _SYNTHETIC[table]
    x = np.repeat(docs.astype(np.uint64), per_doc) * np.uint64(per_doc) + np.tile(np.arange(per_doc, dtype=np.uint64), docs.size)
    with np.errstate(over="ignore"):
        z = x + np.uint64(salt) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z >> np.uint64(64 - bits)  # type: ignore[no-any-return]


def story_lookups(store: SqlStore, n: int, bands: int, passages: int, queries: int = 500) -> list[float]:
    """The story lookup of a stored article: its band and passage keys, their
    whole buckets, and the stories of the articles found."""
    rng = np.random.default_rng(2)
    timings = []
    with store.reading():
        for doc in rng.integers(1, n + 1, queries).tolist():
            docs = np.array([doc], np.int64)
            start = time.perf_counter()
            found = np.concatenate(
                [
                    store.bucket_rows("bands", synthetic_keys(docs, bands, "bands"))[1],
                    store.bucket_rows("passages", synthetic_keys(docs, passages, "passages"))[1],
                ]
            )
            stories = store.groups(np.unique(found).tolist())
            timings.append(time.perf_counter() - start)
            assert doc in stories, f"article {doc} not found by its own keys"
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--index", help="SQLite file or postgresql:// URL (replaced)")
    where.add_argument("--throwaway-postgres", action="store_true", help="start a PostgreSQL server in a temporary directory")
    parser.add_argument("--shared-buffers", default="2GB", help="shared_buffers of the throwaway server")
    parser.add_argument("--corpus", help="JSONL corpus for the end-to-end run (benchmarks/corpus.py)")
    parser.add_argument("--storage", type=int, help="articles for the synthetic storage run")
    parser.add_argument("--batch", type=int, default=50_000, help="articles per transaction in the storage run")
    parser.add_argument("--lookups", type=int, help="only time story lookups in an existing storage index of this many articles")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        location = stack.enter_context(throwaway_postgres(args.shared_buffers)) if args.throwaway_postgres else args.index
        result: dict[str, object] = {}
        if args.corpus:
            result["end_to_end"] = end_to_end(args.corpus, location)
        if args.storage:
            result["storage"] = storage(args.storage, location, batch=args.batch)
        if args.lookups:
            with Archive.open(location) as archive:
                result["story_lookup"] = _percentiles(story_lookups(archive.store, args.lookups, archive.params.bands, 30))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
