"""Regenerate docs/quality.md: storydiff and the baselines on every labelled set.

    python benchmarks/quality.py                 # prints the Markdown
    python benchmarks/quality.py --write         # rewrites docs/quality.md

The same numbers come from `storydiff evaluate clusters DIR` and
`storydiff evaluate alignment DIR`; this script only runs them all at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from storydiff.evaluate import read_answer_key  # noqa: E402
from storydiff.quality import evaluate_alignment, evaluate_clusters  # noqa: E402
from storydiff.quality_edits import evaluate_edits  # noqa: E402
from storydiff.render.quality import alignment_markdown, clusters_markdown, edits_markdown  # noqa: E402

DEFAULT_DATA = os.environ.get("STORYDIFF_DATA", str(HERE.parents[1] / "shared" / "data"))
INTRO = """# Quality

Regenerate with `python benchmarks/quality.py --write` (data folder: `STORYDIFF_DATA`,
default `../shared/data`). Each table is what `storydiff evaluate clusters DIR` or
`storydiff evaluate alignment DIR` / `storydiff evaluate edits DIR` prints with `--format markdown`.

Baselines, scored by the same code: **datasketch MinHashLSH@0.5** is the text-dedup default
(word 5-grams, `MinHash.update` per shingle, LSH at Jaccard 0.5, union-find over query
results); **difflib** is `SequenceMatcher` over the paragraph lists, pairing the paragraphs
of each replaced block in order when their word ratio is at least 0.5.

What the datasets measure:

- **devgold** (hand-labelled, 39 files): versions vs near misses (two outlets on one event,
  shared footers, template reports, a translation). Alignment gold for 15 version pairs.
- **onestopenglish** (270 articles): each story rewritten at three reading levels, so versions
  share little verbatim text. The 3 false merges are the answer key's known error
  (`Royal-Baby-ele.txt` is byte-identical to `Skydiver-ele.txt`, see its PROVENANCE.md).
- **iterater-news-dev** (83 Wikinews revisions, IteraTeR-HUMAN): one-paragraph ledes with every
  edit span labelled by people. The edits table scores the words `diff` marks as changed
  against those spans (both sides, micro-averaged); the baseline is `difflib.SequenceMatcher`
  over whitespace tokens.
- **ecbplus** (772 articles): different outlets' reports of the same event. These are not
  versions of one article, so storydiff is built to keep them apart; what matters here is
  that it never merges different events (precision), not recall. Pairs that do share a
  wire passage (containment 0.3-0.45) are held apart by the chain guard when the rest of
  their groups share nothing.

CI keeps floors on these numbers (`tests/quality-floors.json`); a change that drops below
them fails.
"""


def build(data: str) -> str:
    parts = [INTRO, "## Clustering\n"]
    for name in ("devgold", "onestopenglish", "ecbplus"):
        root = Path(data) / name
        key = read_answer_key(str(root / "clusters.json"))
        result = evaluate_clusters([key.root], key, dataset=name)
        parts.append(f"### {name}\n\n" + clusters_markdown(result.as_dict()))
    parts.append("## Alignment\n")
    parts.append(alignment_markdown(evaluate_alignment(str(Path(data) / "devgold"), dataset="devgold").as_dict()))
    parts.append("## Changed words\n")
    parts.append(edits_markdown(evaluate_edits(str(Path(data) / "iterater-news-dev")).as_dict()))
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--write", action="store_true", help="rewrite docs/quality.md")
    args = parser.parse_args(argv)
    text = build(args.data)
    if args.write:
        (HERE.parent / "docs").mkdir(exist_ok=True)
        (HERE.parent / "docs" / "quality.md").write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
