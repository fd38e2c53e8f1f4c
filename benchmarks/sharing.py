"""Clustering when unrelated stories share text: storydiff beside rensa.

    python benchmarks/sharing.py --sizes 10000,100000 --shared 0.3 --sources 50

For each size, two corpora from ``benchmarks/corpus.py`` with the same seed:
plain, and with ``--shared`` of every story's sentences drawn from a common
pool of background sentences plus one furniture block per source. Each is
clustered by ``storydiff cluster`` (wall time, peak RSS of the process tree
as /usr/bin/time reports the largest) and by rensa (RMinHash over the same
word 5-grams, RMinHashLSH at Jaccard 0.5, union-find over query results), and
both groupings are scored pair by pair against the generator's story ids.
Results go to stdout as a Markdown table and to ``--results`` as JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus as generator  # noqa: E402


def corpus_file(work: Path, size: int, shared: float, sources: int, chain: generator.Chain) -> Path:
    name = f"corpus-{size}.jsonl" if not (shared or sources) else f"shared{shared:g}-{sources}-{size}.jsonl"
    path = work / name
    if not path.exists():
        temporary = path.with_suffix(".partial")
        sharing = generator.Sharing(shared=shared, sources=sources)
        generator.write_jsonl(generator.generate(chain, size, seed=7, sharing=sharing), str(temporary))
        temporary.replace(path)
    return path


def story_ids(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)["id"].split("-v")[0] for line in handle]


def pair_scores(groups: list[list[int]], truth: list[str]) -> dict[str, float | int]:
    tp = fp = 0
    for members in groups:
        for a, b in itertools.combinations(members, 2):
            if truth[a] == truth[b]:
                tp += 1
            else:
                fp += 1
    sizes: dict[str, int] = defaultdict(int)
    for story in truth:
        sizes[story] += 1
    total = sum(n * (n - 1) // 2 for n in sizes.values())
    return {"precision": tp / max(tp + fp, 1), "recall": tp / max(total, 1), "false_pairs": fp}


def run_storydiff(path: Path) -> tuple[dict[str, float | int], list[list[int]]]:
    command = ["/usr/bin/time", "-f", "%e %M", sys.executable, "-m", "storydiff", "cluster", str(path), "--format", "csv"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=HERE.parent)
    wall, rss_kb = done.stderr.strip().splitlines()[-1].split()
    groups: dict[str, list[int]] = defaultdict(list)
    for line in done.stdout.splitlines()[1:]:
        story = line.split(",", 1)[0]
        line_number = re.search(r"\.jsonl:(\d+),", line)
        if line_number:
            groups[story].append(int(line_number.group(1)) - 1)
    return {"wall_s": float(wall), "peak_rss_mb": int(rss_kb) / 1024}, list(groups.values())


def run_rensa(
    path: Path, threshold: float = 0.5, num_perm: int = 128, num_bands: int = 16
) -> tuple[dict[str, float | int], list[list[int]]]:
    from rensa import RMinHash, RMinHashLSH

    started = time.perf_counter()
    with open(path, encoding="utf-8") as handle:
        bodies = [json.loads(line)["body"] for line in handle]
    lsh = RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=num_bands)
    sketches = []
    for i, body in enumerate(bodies):
        words = re.findall(r"\w+", body.lower())
        sketch = RMinHash(num_perm=num_perm, seed=42)
        sketch.update([" ".join(words[j : j + 5]) for j in range(max(len(words) - 4, 1))])
        lsh.insert(i, sketch)
        sketches.append(sketch)
    parent = list(range(len(bodies)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, sketch in enumerate(sketches):
        for j in lsh.query(sketch):
            parent[find(int(j))] = find(i)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(bodies)):
        groups[find(i)].append(i)
    return {"wall_s": time.perf_counter() - started}, list(groups.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--shared", type=float, default=0.3)
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--work", default="/tmp/storydiff-bench")
    parser.add_argument("--data", default=generator.DEFAULT_DATA)
    parser.add_argument("--no-rensa", action="store_true")
    parser.add_argument("--results")
    args = parser.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    chain = generator.train(generator.training_paragraphs(args.data))
    rows = []
    print("| articles | corpus | system | wall s | peak RSS MB | precision | recall | false pairs |")
    print("|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        for shared, sources in ((0.0, 0), (args.shared, args.sources)):
            path = corpus_file(work, size, shared, sources, chain)
            truth = story_ids(path)
            label = "plain" if not shared else f"{shared:.0%} shared, {sources} sources"
            systems = [("storydiff", run_storydiff)] + ([] if args.no_rensa else [("rensa LSH@0.5", run_rensa)])
            for system, run in systems:
                measured, groups = run(path)
                row = {"articles": size, "corpus": label, "system": system, **measured, **pair_scores(groups, truth)}
                rows.append(row)
                rss = f"{row['peak_rss_mb']:.0f}" if "peak_rss_mb" in row else "-"
                print(
                    f"| {size:,} | {label} | {system} | {row['wall_s']:.1f} | {rss} | {row['precision']:.4f} | {row['recall']:.4f} | {row['false_pairs']:,} |",
                    flush=True,
                )
    if args.results:
        Path(args.results).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
