"""storydiff's speed benchmarks, beside the common ways of doing the same work.

    python benchmarks/run.py                  # 1k, 10k and 100k articles (about 15 minutes)
    python benchmarks/run.py --sizes 1000     # one size
    python benchmarks/run.py --quick          # a smoke run of every benchmark (CI)

Measures signature throughput (one core and all cores) against datasketch
``MinHash.update`` per shingle, datasketch ``MinHash.bulk`` with xxhash and
rensa; end-to-end ``storydiff cluster`` wall time and peak RSS; ``diff`` of
25- and 300-paragraph articles; and report time per story. Results go to
``--results`` as JSON and to stdout as Markdown (paste into docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus as generator  # noqa: E402

from storydiff.corpus import LoadOptions, load  # noqa: E402
from storydiff.model import Article  # noqa: E402
from storydiff.signature import SignatureParams, default_workers, minhash_matrix, shingle_hashes  # noqa: E402
from storydiff.text import build_paragraphs  # noqa: E402


def corpus_file(work: Path, size: int, chain: generator.Chain) -> Path:
    path = work / f"corpus-{size}.jsonl"
    if not path.exists():
        temporary = path.with_suffix(".partial")
        generator.write_jsonl(generator.generate(chain, size, seed=7), str(temporary))
        temporary.replace(path)
    return path


def _mb(texts: list[str]) -> float:
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


def _best(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def signature_throughput(texts: list[str], baseline_docs: int) -> dict[str, object]:
    """Signatures per second on one core for storydiff and the usual libraries."""
    params = SignatureParams()
    mb = _mb(texts)

    def ours() -> None:
        hashes, offsets = shingle_hashes(texts, params.shingle_size)
        minhash_matrix(hashes, offsets, params)

    seconds = _best(ours)
    results: dict[str, object] = {
        "storydiff": {"articles_per_s": round(len(texts) / seconds), "mb_per_s": round(mb / seconds, 1), "articles": len(texts)}
    }
    sample = texts[:baseline_docs]
    sample_mb = _mb(sample)

    def shingled() -> list[list[bytes]]:
        # Tokenising is part of the work: storydiff's rate includes it too.
        return [[s.encode("utf-8") for s in _shingles(t)] for t in sample]

    from datasketch import MinHash, MinHashLSH

    def update_each() -> None:
        lsh = MinHashLSH(threshold=0.5, num_perm=128)
        for i, doc in enumerate(shingled()):
            m = MinHash(num_perm=128)
            for s in doc:
                m.update(s)
            lsh.insert(i, m)

    def record(name: str, seconds: float) -> None:
        ours_rate = results["storydiff"]["mb_per_s"]  # type: ignore[index]
        rate = sample_mb / seconds
        results[name] = {
            "articles_per_s": round(len(sample) / seconds),
            "mb_per_s": round(rate, 2),
            "articles": len(sample),
            "storydiff_speedup": round(ours_rate / rate, 1),
        }

    record("datasketch update + MinHashLSH", _best(update_each, 1))
    try:
        import xxhash

        def bulk() -> None:
            MinHash.bulk(shingled(), num_perm=128, hashfunc=lambda b: xxhash.xxh32_intdigest(b))

        record("datasketch MinHash.bulk (xxhash)", _best(bulk, 2))
    except ImportError:
        results["datasketch MinHash.bulk (xxhash)"] = "xxhash not installed"
    try:
        from rensa import RMinHash

        def rensa_run() -> None:
            for text in sample:
                m = RMinHash(num_perm=128, seed=1)
                m.update(_shingles(text))

        record("rensa RMinHash", _best(rensa_run, 2))
    except ImportError:
        results["rensa RMinHash"] = "rensa not installed"
    return results


def _shingles(text: str, k: int = 5) -> list[str]:
    from storydiff.signature import comparison_words

    words = comparison_words(text)
    return [" ".join(words[i : i + k]) for i in range(max(1, len(words) - k + 1))]


def all_cores_signatures(articles: list[Article]) -> dict[str, float]:
    from storydiff.cluster import ClusterParams, shingle_articles, signatures_of

    params = ClusterParams()
    mb = _mb([a.body for a in articles])
    started = time.perf_counter()
    signatures_of(shingle_articles(articles, params), params)
    seconds = time.perf_counter() - started
    return {"workers": default_workers(), "seconds": round(seconds, 2), "mb_per_s": round(mb / seconds, 1)}


def _pss_kb(pid: int) -> int:
    """Proportional set size: pages shared after fork() count once across the processes."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            return next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


def _sample_tree_pss(pid: int, peak: list[int], stop: threading.Event) -> None:
    while True:
        peak[0] = max(peak[0], sum(_pss_kb(p) for p in [pid, *_children(pid)]))
        if stop.wait(0.2):
            return


def cluster_run(path: Path, out: Path) -> dict[str, float]:
    """``storydiff cluster`` as a user runs it, twice. The first run gives
    the wall time and the peak RSS of the largest process (the main one, or
    a forked worker that shares its pages). The second gives the process
    tree's memory: the peak of its summed PSS, sampled every 0.2 s where
    /proc has it (0 elsewhere). Sampling takes runs of its own because each
    read of /proc/PID/smaps_rollup walks the whole address space: 25-30 ms
    of CPU for a 1.8 GB process, about a third of a core at that rate, taken
    from the run it measures (measured at 100k articles)."""
    timed = _run_cluster(path, out, sample_pss=False)
    sampled = _run_cluster(path, out, sample_pss=True)
    return {**timed, "peak_tree_pss_mb": sampled["peak_tree_pss_mb"]}


def _run_cluster(path: Path, out: Path, *, sample_pss: bool) -> dict[str, float]:
    command = [sys.executable, "-m", "storydiff", "cluster", str(path), "--format", "json", "-o", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, stop = [0], threading.Event()
    sampler = threading.Thread(target=_sample_tree_pss, args=(process.pid, peak, stop), daemon=True)
    if sample_pss:
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stop.set()
    if sample_pss:
        sampler.join()
    if status != 0:
        raise SystemExit(f"storydiff cluster failed on {path}: {process.stderr.read().decode() if process.stderr else ''}")
    stories = json.loads(out.read_text())["clusters"]
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "peak_tree_pss_mb": round(peak[0] / 1024),
        "stories": len(stories),
    }


def diff_timings(chain: generator.Chain) -> dict[str, float]:
    """Median ``align`` + ``diff_document`` time for two versions of one story."""
    from storydiff.align import align
    from storydiff.report import diff_document

    rng = np.random.default_rng(11)
    out = {}
    for paragraphs in (25, 300):
        story = generator.Story(chain, rng)
        body: list[str] = []
        while len(body) < paragraphs:
            body += story.paragraphs(generator.sample(chain, np.array([2000]), rng)[0])
        body = body[:paragraphs]
        fresh = story.paragraphs(generator.sample(chain, np.array([200]), rng)[0])[:2]
        newer = generator.next_version(body, fresh, rng, story)
        old = Article("old.txt", build_paragraphs(body, "Old headline"))
        new = Article("new.txt", build_paragraphs(newer, "New headline"))
        runs = 30 if paragraphs == 25 else 3
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            diff_document(align(old, new))
            times.append(time.perf_counter() - started)
        out[f"{paragraphs}_paragraphs_ms"] = round(statistics.median(times) * 1000, 2)
    return out


def report_timing(articles: list[Article]) -> dict[str, float]:
    from storydiff.align import align
    from storydiff.cluster import cluster_articles
    from storydiff.render import REPORT_FORMATS
    from storydiff.report import diff_document, report_document

    stories = [c for c in cluster_articles(articles).clusters if len(c.members) > 1][:200]
    started = time.perf_counter()
    for story in stories:
        versions = story.articles
        diffs = [diff_document(align(a, b), story.order_source) for a, b in zip(versions, versions[1:], strict=False)]
        document = report_document(story, diffs)
        for render in REPORT_FORMATS.values():
            render(document)
    seconds = time.perf_counter() - started
    return {"stories": len(stories), "ms_per_story": round(seconds / max(1, len(stories)) * 1000, 1)}


def machine() -> dict[str, str]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True).stdout.strip()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line), "")
    return {
        "date": time.strftime("%Y-%m-%d"),
        "commit": commit,
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
    }


def markdown(results: dict[str, object]) -> str:
    lines = [f"Machine: {results['machine']}", ""]
    lines += [
        "| articles | MB | cluster wall s | peak RSS MB (largest process) | peak PSS MB (all processes) | signatures MB/s (all cores) | stories |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["sizes"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {row['articles']:,} | {row['mb']} | {row['cluster']['seconds']} | {row['cluster']['peak_rss_mb']} | "
            f"{row['cluster'].get('peak_tree_pss_mb', '')} | "
            f"{row['signatures_all_cores']['mb_per_s']} | {row['cluster']['stories']:,} |"
        )
    lines += ["", "| signatures, one core | articles/s | MB/s | storydiff is faster by |", "|---|---|---|---|"]
    for name, row in results["signature_one_core"].items():  # type: ignore[attr-defined]
        if isinstance(row, dict):
            lines.append(f"| {name} | {row['articles_per_s']:,} | {row['mb_per_s']} | {row.get('storydiff_speedup', '')} |")
        else:
            lines.append(f"| {name} | {row} | | |")
    diff = results["diff"]
    lines += ["", f"diff: 25 paragraphs {diff['25_paragraphs_ms']} ms, 300 paragraphs {diff['300_paragraphs_ms']} ms (median)"]  # type: ignore[index]
    report = results["report"]
    lines += [f"report: {report['ms_per_story']} ms per story (markdown + html + json, {report['stories']} stories)"]  # type: ignore[index]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated corpus sizes (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that every benchmark runs")
    parser.add_argument("--work", default="/tmp/storydiff-bench", help="where generated corpora are cached")
    parser.add_argument("--data", default=generator.DEFAULT_DATA, help="shared data folder the text generator trains on")
    parser.add_argument("--results", help="write the results as JSON to this file")
    args = parser.parse_args(argv)
    sizes = [300] if args.quick else [int(s) for s in args.sizes.split(",")]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    chain = generator.train(generator.training_paragraphs(args.data))
    results: dict[str, object] = {"machine": machine(), "sizes": []}
    largest_articles: list[Article] = []
    for size in sizes:
        path = corpus_file(work, size, chain)
        # First, while this process holds no corpus: the user's machine runs storydiff alone.
        cluster = cluster_run(path, work / f"clusters-{size}.json")
        articles = list(load([str(path)], LoadOptions(workers=default_workers())).articles)
        row = {
            "articles": size,
            "mb": round(_mb([a.body for a in articles]), 1),
            "signatures_all_cores": all_cores_signatures(articles),
            "cluster": cluster,
        }
        results["sizes"].append(row)  # type: ignore[attr-defined]
        print(f"{size:,} articles: {row}", file=sys.stderr)
        if not largest_articles or size <= 10000:
            largest_articles = articles
    texts = [a.body for a in largest_articles[:5000]]
    results["signature_one_core"] = signature_throughput(texts, baseline_docs=50 if args.quick else 400)
    results["diff"] = diff_timings(chain)
    results["report"] = report_timing(largest_articles[:2000])
    if args.results:
        Path(args.results).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
