"""How `storydiff diff` holds on one very long paragraph, beside a plain rapidfuzz script.

Two one-paragraph versions of 50,000 words (seeded), the second with 300
scattered word edits (replace, insert, delete); once with sentence ends and
once without any. Reports the seconds of ``align`` + ``diff_document`` and of
rapidfuzz ``Indel.opcodes`` over the same word lists (the floor any word diff
pays), and how many of the 300 edits the word diff shows as separate changes.

    python benchmarks/long_diff.py [--words 50000] [--edits 300] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rapidfuzz.distance import Indel  # noqa: E402

from storydiff.align import align  # noqa: E402
from storydiff.corpus import article_from_text  # noqa: E402
from storydiff.report import diff_document  # noqa: E402

VOCABULARY = (HERE.parent / "seeds" / "002_672c4604ee927781.txt").read_text(encoding="utf-8").split()


def versions(words: int, edits: int, sentences: bool, seed: int = 7) -> tuple[str, str]:
    rng = random.Random(seed)
    pool = [w.strip('.,"') or "word" for w in VOCABULARY]
    old = [rng.choice(pool) for _ in range(words)]
    if sentences:
        k = 0
        while k < len(old):
            k += rng.randint(12, 30)
            if k < len(old):
                old[k] += "."
    new = list(old)
    for position in sorted(rng.sample(range(10, words - 10), edits), reverse=True):
        kind = position % 3
        if kind == 0:
            new[position] = f"edit{position}"
        elif kind == 1:
            new.insert(position, f"added{position}")
        else:
            del new[position]
    return " ".join(old), " ".join(new)


def plain_rapidfuzz(old: str, new: str) -> int:
    a, b = old.split(), new.split()
    codes: dict[str, str] = {}
    for w in a + b:
        codes.setdefault(w, chr(0x100 + len(codes)))
    ops = Indel.opcodes("".join(map(codes.__getitem__, a)), "".join(map(codes.__getitem__, b)))
    return sum(1 for op in ops if op.tag != "equal")


def timed(function, *args, runs: int = 3):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def storydiff_diff(old: str, new: str) -> dict:  # type: ignore[type-arg]
    return diff_document(align(article_from_text(old, "old.txt"), article_from_text(new, "new.txt")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument("--edits", type=int, default=300)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    results = {}
    for sentences in (True, False):
        old, new = versions(args.words, args.edits, sentences)
        seconds, document = timed(storydiff_diff, old, new)
        floor, plain_changes = timed(plain_rapidfuzz, old, new)
        shown = sum(1 for entry in document["alignment"] for w in entry["words"] if w["op"] != "equal")
        name = "with sentence ends" if sentences else "without sentence ends"
        results[name] = {
            "storydiff_seconds": round(seconds, 3),
            "rapidfuzz_opcodes_seconds": round(floor, 3),
            "ratio": round(seconds / floor, 1),
            "changes_shown": shown,
            "rapidfuzz_changes": plain_changes,
            "reuse_of_new": document["summary"]["reuse_of_new"],
        }
        print(
            f"{name}: storydiff {seconds:.2f} s, rapidfuzz opcodes {floor:.2f} s ({seconds / floor:.1f}x); "
            f"{shown} changes shown (rapidfuzz: {plain_changes}) for {args.edits} edits"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
