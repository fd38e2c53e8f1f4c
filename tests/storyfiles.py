"""Small synthetic story corpora written as files, for index and engine tests.

Each story has 1-4 versions: later versions keep most paragraphs, edit a few
words, drop one and add one, as a live desk's updates do. Words are invented
syllable strings, so unrelated stories share next to nothing.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

_SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vo", "pel", "dri", "sun", "gar", "ne", "bo", "li", "qua", "tor", "fen"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))


def _paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(_word(rng) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def story_versions(rng: random.Random, versions: int) -> list[list[str]]:
    paragraphs = [_paragraph(rng, rng.randint(25, 45)) for _ in range(rng.randint(5, 9))]
    out = [paragraphs]
    for _ in range(versions - 1):
        current = list(out[-1])
        edited = rng.randrange(len(current))
        words = current[edited].split()
        words[rng.randrange(len(words))] = _word(rng)
        current[edited] = " ".join(words)
        if len(current) > 4:
            current.pop(rng.randrange(len(current)))
        current.insert(rng.randrange(len(current) + 1), _paragraph(rng, rng.randint(25, 45)))
        out.append(current)
    return out


def write_stories(root: Path, stories: int, seed: int = 7) -> list[Path]:
    """Files ``root/sNNN-vK.txt``; returns them in name order."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in range(stories):
        for v, paragraphs in enumerate(story_versions(rng, rng.randint(1, 4)), 1):
            path = root / f"s{s:03d}-v{v}.txt"
            path.write_text(f"Story {s} update {v}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
            paths.append(path)
    return sorted(paths)


def write_feed(path: Path, stories: int, seed: int = 7) -> int:
    """The same kind of corpus as one JSONL feed; returns the line count."""
    rng = random.Random(seed)
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for s in range(stories):
            for v, paragraphs in enumerate(story_versions(rng, rng.randint(1, 4)), 1):
                out.write(json.dumps({"id": f"s{s}-v{v}", "headline": f"Story {s} update {v}", "body": "\n\n".join(paragraphs)}) + "\n")
                lines += 1
    return lines


def write_reuse(root: Path, carriers: int, seed: int = 11, words: int = 80) -> tuple[list[Path], list[Path]]:
    """Two rewrites of one story that share only a reused passage of
    ``words`` words (80: about a sixth of each), and ``carriers`` unrelated
    articles that carry the same passage among their own text, as background
    text is carried. Returns (rewrites, carriers)."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    passage = _paragraph(rng, words)

    def write(name: str) -> Path:
        paragraphs = [_paragraph(rng, 35) for _ in range(11)]
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), passage)
        path = root / f"{name}.txt"
        path.write_text(f"{name}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
        return path

    return [write("rewrite-a"), write("rewrite-b")], [write(f"carrier-{n:02d}") for n in range(carriers)]
