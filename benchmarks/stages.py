"""Time each stage of ``storydiff cluster`` in one process, with the RSS after it.

    python benchmarks/stages.py corpus.jsonl

The same calls as :func:`storydiff.cluster.cluster_articles`, one at a time,
so that a change can be measured on the stage it touches. Progress and the
table go to stderr.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from storydiff import cluster
from storydiff.corpus import LoadOptions, load
from storydiff.index import candidate_pairs
from storydiff.signature import default_workers


def _rss_mb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="article files or folders, as for storydiff cluster")
    args = parser.parse_args()
    workers = default_workers()
    params = cluster.ClusterParams()
    started = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal started
        now = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"{stage:24s} {now - started:7.2f} s  rss {_rss_mb():5d} MB  peak {peak:5d} MB", file=sys.stderr, flush=True)
        started = now

    articles = load(args.paths, LoadOptions(workers=workers)).articles
    lap(f"load ({len(articles)})")
    shingled = cluster.shingle_articles(articles, params)
    lap("shingles")
    signatures = cluster.signatures_of(shingled, params)
    lap("minhash")
    pairs = candidate_pairs(
        signatures,
        shingled.hashes,
        shingled.offsets,
        bands=params.bands,
        passage_sample=params.passage_sample,
        max_bucket=params.max_bucket,
        workers=workers,
    )
    lap(f"candidates ({len(pairs)})")
    similar = cluster.similar_edges(shingled, pairs, params)
    lap(f"similar pairs ({len(similar)})")
    ranks = cluster.canonical_ranks(articles)
    components, edges = cluster.settled_links(articles, similar, shingled, params, ranks)
    lap("settling (guard)")
    stories = cluster.assemble(articles, components, edges, shingled, params, ranks)
    lap(f"assembly ({len(stories)})")


if __name__ == "__main__":
    main()
