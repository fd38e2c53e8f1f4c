"""Time each stage of ``storydiff cluster`` in one process, with the RSS after it.

    python benchmarks/stages.py corpus.jsonl

Loads as the command does, then runs :func:`storydiff.cluster.cluster_articles`
and times the stages it reports, so that a change can be measured on the
stage it touches. The table goes to stderr.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from storydiff.cluster import ClusterParams, cluster_articles
from storydiff.corpus import LoadOptions, load
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
    started = time.perf_counter()
    running = "load"

    def lap(next_stage: str, count: int) -> None:
        """Close the running stage, which made ``count`` things (articles, pairs, links, stories)."""
        nonlocal started, running
        now = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"{running:10s} {now - started:7.2f} s  rss {_rss_mb():5d} MB  peak {peak:5d} MB  out {count:,}", file=sys.stderr, flush=True)
        started, running = now, next_stage

    articles = load(args.paths, LoadOptions(workers=default_workers())).articles
    clustering = cluster_articles(articles, ClusterParams(), progress=lambda stage, _, total: lap(stage, total))
    lap("", len(clustering.clusters))


if __name__ == "__main__":
    main()
