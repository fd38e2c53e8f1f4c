"""Seeded generator of realistic story corpora of any size.

Text comes from a word-level order-2 Markov chain trained on the shared dev
corpora (about 5 MB of real news prose). Thousands of articles are sampled
at once: each step of the chain is one numpy gather over the whole batch, so
100k articles take seconds, not minutes. Every story gets its own names and
numbers (capitalised words and figures are remapped per story), which keeps
unrelated articles apart the way real stories are.

Each story has 1-5 versions; a new version copies the previous one and then
edits a few paragraphs, drops some, adds new ones and sometimes moves one.

``--shared F`` draws that share of each story's sentences from a common pool
of background and boilerplate sentences, the way archives repeat background
paragraphs and stock text across unrelated stories: pool sentences are picked
by a Zipf law, so some sit in hundreds of articles and most in a few.
``--sources N`` files the stories under N sources, each with its own block
of furniture (three short lines) at the end of every article it runs.

    python benchmarks/corpus.py --articles 10000 --out /tmp/corpus-10k.jsonl --check
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PARAGRAPH = "\u00b6"
MIN_WORDS, MAX_WORDS = 400, 1200
DEFAULT_DATA = os.environ.get("STORYDIFF_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "dar",
    "vos",
    "tel",
    "an",
    "bri",
    "cor",
    "del",
    "fen",
    "gal",
    "hur",
    "is",
    "jo",
    "kem",
    "lin",
    "mor",
    "nas",
    "ol",
    "pra",
    "quin",
    "rus",
    "sol",
    "tam",
    "ur",
    "vel",
    "wen",
    "yor",
    "zan",
]


@dataclass(frozen=True)
class Chain:
    """Successor lists (CSR arrays) for word pairs and for single words."""

    vocabulary: np.ndarray  # word id -> word (object array)
    pair_codes: np.ndarray  # sorted codes w1 * V + w2 of the pairs seen
    pair_offsets: np.ndarray  # pair -> its successors in pair_next
    pair_next: np.ndarray
    word_offsets: np.ndarray  # word -> its successors in word_next
    word_next: np.ndarray
    is_name: np.ndarray  # word id -> a name to remap per story
    is_number: np.ndarray  # word id -> contains a digit


def training_paragraphs(data: str) -> list[str]:
    paragraphs: list[str] = []
    for name in ("onestopenglish", "ecbplus", "devgold"):
        root = Path(data) / name
        for file in sorted(root.rglob("*.txt")):
            blocks = re.split(r"\n\s*\n", file.read_text(encoding="utf-8", errors="replace"))
            paragraphs += [" ".join(b.split()) for b in blocks[1:] if len(b.split()) >= 8]
    if not paragraphs:
        raise SystemExit(f"no training text under {data}; set STORYDIFF_DATA or --data to the shared data folder")
    return paragraphs


def _csr(keys: np.ndarray, values: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    offsets = np.zeros(n_keys + 1, np.int64)
    np.cumsum(np.bincount(keys, minlength=n_keys), out=offsets[1:])
    return offsets, values[order]


def train(paragraphs: list[str]) -> Chain:
    tokens: list[str] = []
    for paragraph in paragraphs:
        tokens += paragraph.split()
        tokens.append(PARAGRAPH)
    vocabulary, ids = np.unique(np.array(tokens, dtype=object), return_inverse=True)
    ids = ids.astype(np.int64)
    n_words = vocabulary.size
    codes = ids[:-2] * n_words + ids[1:-1]
    pair_codes, pair_of = np.unique(codes, return_inverse=True)
    pair_offsets, pair_next = _csr(pair_of, ids[2:], pair_codes.size)
    word_offsets, word_next = _csr(ids[:-1], ids[1:], n_words)
    words = vocabulary.tolist()
    known = set(words)
    # A name: capitalised, and never seen in lower case (so not "The" or "Police").
    is_name = np.array([w[:1].isupper() and len(w) > 1 and w.lower() not in known for w in words])
    is_number = np.array([any(c.isdigit() for c in w) for w in words])
    return Chain(vocabulary, pair_codes, pair_offsets, pair_next, word_offsets, word_next, is_name, is_number)


def _pick(offsets: np.ndarray, values: np.ndarray, keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    start, count = offsets[keys], offsets[keys + 1] - offsets[keys]
    chosen = start + (rng.random(keys.size) * np.maximum(count, 1)).astype(np.int64)
    fallback = rng.integers(0, values.size, keys.size)
    return np.where(count > 0, values[np.minimum(chosen, values.size - 1)], values[fallback])


def sample(chain: Chain, lengths: np.ndarray, rng: np.random.Generator, backoff: float = 0.7) -> list[np.ndarray]:
    """One word-id sequence per requested length, all sampled together.

    Each step follows the last two words, or with probability ``backoff``
    only the last one: pure order-2 text copies long runs of the training
    prose, which would make unrelated synthetic articles share 5-grams."""
    batch, steps = lengths.size, int(lengths.max())
    n_words = chain.vocabulary.size
    out = np.empty((batch, steps), np.int64)
    previous = chain.word_next[rng.integers(0, chain.word_next.size, batch)]
    current = _pick(chain.word_offsets, chain.word_next, previous, rng)
    for step in range(steps):
        code = previous * n_words + current
        pair = np.minimum(np.searchsorted(chain.pair_codes, code), chain.pair_codes.size - 1)
        seen = chain.pair_codes[pair] == code
        by_pair = _pick(chain.pair_offsets, chain.pair_next, pair, rng)
        by_word = _pick(chain.word_offsets, chain.word_next, current, rng)
        following = np.where(seen & (rng.random(batch) >= backoff), by_pair, by_word)
        previous, current = current, following
        out[:, step] = following
    return [out[i, : lengths[i]] for i in range(batch)]


class Story:
    """Renders word ids with this story's own names and numbers."""

    def __init__(self, chain: Chain, rng: np.random.Generator) -> None:
        self.chain = chain
        self.salt = int(rng.integers(1, 2**31))

    def _name(self, word_id: int) -> str:
        h = (word_id * 0x9E3779B1 + self.salt * 0x85EBCA77) & 0xFFFFFFFF
        parts = []
        for _ in range(2 + h % 2):
            parts.append(_SYLLABLES[h % len(_SYLLABLES)])
            h //= len(_SYLLABLES)
        return "".join(parts).capitalize()

    def _number(self, word: str, word_id: int) -> str:
        digits = str((word_id * 0x27D4EB2F + self.salt * 0x165667B1) & 0xFFFFFFFF).zfill(10)
        counter = iter(range(10**6))
        return re.sub(r"\d", lambda _: digits[next(counter) % 10], word)

    def paragraphs(self, ids: np.ndarray) -> list[str]:
        chain = self.chain
        words = chain.vocabulary[ids].tolist()
        names, numbers = chain.is_name[ids], chain.is_number[ids]
        out: list[list[str]] = [[]]
        for position, (word, word_id) in enumerate(zip(words, ids.tolist(), strict=True)):
            if word == PARAGRAPH:
                if len(out[-1]) >= 12:
                    out.append([])
                continue
            if names[position]:
                tail = re.sub(r"^[\w'-]+", "", word)
                word = self._name(word_id) + tail
            elif numbers[position]:
                word = self._number(word, word_id)
            out[-1].append(word)
        return [" ".join(p) for p in out if p]


def _clamp(paragraphs: list[str], spare: list[str]) -> list[str]:
    """Top up from ``spare`` (paragraph marks do not count as words) and trim to the word range."""
    body = list(paragraphs)
    for extra in spare:
        if _words(body) >= MIN_WORDS:
            break
        body.append(extra)
    while _words(body) > MAX_WORDS and len(body) > 1:
        body.pop()
    if _words(body) > MAX_WORDS:
        body = [" ".join(body[0].split()[:MAX_WORDS])]
    return body


@dataclass(frozen=True)
class GeneratedArticle:
    story: int
    version: int
    headline: str
    paragraphs: list[str]
    source: str | None = None


def _edit(paragraph: str, rng: np.random.Generator, story: Story, filler: list[str]) -> str:
    words = paragraph.split()
    for _ in range(1 + int(rng.integers(0, 3))):
        if not words:
            break
        at = int(rng.integers(0, len(words)))
        choice = rng.random()
        if choice < 0.4 and filler:
            words[at] = filler[int(rng.integers(0, len(filler)))]
        elif choice < 0.7:
            del words[at]
        else:
            words.insert(at, filler[int(rng.integers(0, len(filler)))] if filler else "also")
    return " ".join(words)


def _words(body: list[str]) -> int:
    return sum(len(p.split()) for p in body)


def next_version(previous: list[str], fresh: list[str], rng: np.random.Generator, story: Story) -> list[str]:
    """Drop, edit, move and add paragraphs, staying within 400-1200 words."""
    body = list(previous)
    filler = " ".join(fresh).split()
    for _ in range(int(rng.integers(0, 3))):
        if len(body) > 3:
            victim = int(rng.integers(1, len(body)))
            if _words(body) - len(body[victim].split()) >= MIN_WORDS:
                del body[victim]
    for i in range(len(body)):
        if rng.random() < 0.15:
            body[i] = _edit(body[i], rng, story, filler)
    if len(body) > 4 and rng.random() < 0.3:
        moved = body.pop(int(rng.integers(0, len(body) // 2)))
        body.insert(int(rng.integers(len(body) // 2, len(body))), moved)
    for paragraph in fresh:
        if _words(body) + len(paragraph.split()) <= MAX_WORDS:
            body.insert(int(rng.integers(1, len(body) + 1)), paragraph)
    return body


@dataclass(frozen=True)
class Sharing:
    """What unrelated stories share: background sentences and per-source furniture."""

    #: Share of a story's sentences drawn from the common pool.
    shared: float = 0.0
    sources: int = 0
    pool_size: int = 5000
    zipf: float = 1.3


class _Commons:
    """The pool and the furniture blocks, rendered once (as one story) so they repeat verbatim."""

    def __init__(self, chain: Chain, sharing: Sharing, rng: np.random.Generator) -> None:
        self.sharing = sharing
        renderer = Story(chain, rng)
        lengths = rng.integers(12, 30, sharing.pool_size)
        self.pool = [" ".join(renderer.paragraphs(ids)) for ids in sample(chain, lengths, rng)] if sharing.shared > 0 else []
        blocks = sample(chain, rng.integers(8, 16, sharing.sources * 3), rng) if sharing.sources else []
        self.furniture = [[" ".join(renderer.paragraphs(ids)) for ids in blocks[i * 3 : i * 3 + 3]] for i in range(sharing.sources)]
        ranks = np.arange(1, len(self.pool) + 1, dtype=np.float64)
        weights = ranks**-sharing.zipf
        self.popularity = weights / weights.sum()

    def background(self, body: list[str], rng: np.random.Generator) -> list[str]:
        """``body`` with about ``shared`` of its sentences replaced by pool sentences."""
        if not self.pool:
            return body
        out = []
        for paragraph in body:
            sentences = re.split(r"(?<=[.!?]) ", paragraph)
            picks = rng.random(len(sentences)) < self.sharing.shared
            if picks.any():
                chosen = rng.choice(len(self.pool), int(picks.sum()), p=self.popularity)
                it = iter(chosen.tolist())
                sentences = [self.pool[next(it)] if pick else sentence for sentence, pick in zip(sentences, picks.tolist(), strict=True)]
            out.append(" ".join(sentences))
        return out


def generate(chain: Chain, n_articles: int, seed: int = 7, batch: int = 20000, sharing: Sharing = Sharing()) -> Iterator[GeneratedArticle]:
    """About two thirds of the articles belong to multi-version stories."""
    rng = np.random.default_rng(seed)
    commons = _Commons(chain, sharing, np.random.default_rng(seed + 1)) if sharing.shared or sharing.sources else None
    plan: list[int] = []  # versions per story
    total = 0
    while total < n_articles:
        versions = int(rng.choice([1, 1, 2, 3, 4, 5]))
        versions = min(versions, n_articles - total)
        plan.append(versions)
        total += versions
    story_index = 0
    while story_index < len(plan):
        stories = plan[story_index : story_index + batch]
        lengths = rng.integers(MIN_WORDS, MAX_WORDS + 1, len(stories))
        extra = rng.integers(40, 160, len(stories))
        bodies = sample(chain, lengths, rng)
        additions = sample(chain, extra * 4, rng)
        for k, versions in enumerate(stories):
            story = Story(chain, rng)
            paragraphs = _clamp(story.paragraphs(bodies[k]), story.paragraphs(additions[k]))
            source = None
            if commons is not None:
                paragraphs = commons.background(paragraphs, rng)
                source = int(rng.integers(0, sharing.sources)) if sharing.sources else None
            headline = " ".join(paragraphs[0].split()[:9]).rstrip(",.;:")
            fresh_pool = story.paragraphs(additions[k])
            body = paragraphs
            for version in range(versions):
                if version:
                    take = int(rng.integers(1, 3))
                    fresh, fresh_pool = fresh_pool[:take], fresh_pool[take:]
                    body = next_version(body, fresh, rng, story)
                furniture = commons.furniture[source] if commons is not None and source is not None else []
                yield GeneratedArticle(story_index + k, version, headline, body + furniture, None if source is None else f"source{source}")
        story_index += len(stories)


def write_jsonl(articles: Iterator[GeneratedArticle], out: str) -> tuple[int, int]:
    count = size = 0
    with open(out, "w", encoding="utf-8") as handle:
        for article in articles:
            line = json.dumps(
                {
                    "id": f"story{article.story}-v{article.version + 1}",
                    "headline": article.headline,
                    "body": "\n\n".join(article.paragraphs),
                    "versioncreated": f"2026-01-01T{article.version:02d}:00:00Z",
                    **({"source": article.source} if article.source else {}),
                },
                ensure_ascii=False,
            )
            handle.write(line + "\n")
            count += 1
            size += len(line.encode("utf-8")) + 1
    return count, size


def unrelated_jaccard(path: str, pairs: int = 20000, seed: int = 3, top: int = 5000) -> dict[str, float]:
    """Word-5-gram Jaccard between different stories: the largest among all
    cross-story LSH/passage candidates (the pairs most likely to be close)
    and the mean of random pairs."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from storydiff.candidates import candidate_pairs
    from storydiff.signature import SignatureParams, minhash_matrix, shingle_hashes

    stories, bodies = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            stories.append(item["id"].split("-v")[0])
            bodies.append(item["body"])
    hashes, offsets = shingle_hashes(bodies, 5)
    signatures = minhash_matrix(hashes, offsets, SignatureParams())
    candidates = candidate_pairs(signatures, hashes, offsets, bands=64, passage_sample=8, max_bucket=max(10, len(bodies) // 1000))
    rng = np.random.default_rng(seed)
    random_pairs = rng.integers(0, len(bodies), (pairs, 2))
    everything = np.concatenate([candidates.reshape(-1, 2), random_pairs])

    def jaccard(a: int, b: int) -> float:
        x, y = hashes[offsets[a] : offsets[a + 1]], hashes[offsets[b] : offsets[b + 1]]
        shared = np.intersect1d(x, y, assume_unique=True).size
        return shared / (x.size + y.size - shared)

    story_ids = np.unique(np.array(stories), return_inverse=True)[1]
    everything = everything[story_ids[everything[:, 0]] != story_ids[everything[:, 1]]]
    # Exact Jaccard for the closest pairs by MinHash estimate, so the maximum is exact where it matters.
    estimate = (signatures[everything[:, 0]] == signatures[everything[:, 1]]).mean(axis=1)
    closest = everything[np.argsort(-estimate, kind="stable")[:top]]
    values = np.array([jaccard(a, b) for a, b in closest.tolist()] or [0.0])
    sampled = [jaccard(a, b) for a, b in random_pairs.tolist() if story_ids[a] != story_ids[b]]
    cross = everything
    return {"cross_story_pairs_checked": len(cross), "max": float(values.max()), "mean_random": float(np.mean(sampled))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", default=DEFAULT_DATA, help="shared data folder to train on (default: %(default)s)")
    parser.add_argument("--out", required=True, help="JSONL file to write")
    parser.add_argument("--check", action="store_true", help="measure word-5-gram Jaccard of unrelated articles")
    parser.add_argument("--shared", type=float, default=0.0, help="share of sentences from a common background pool (0-1)")
    parser.add_argument("--sources", type=int, default=0, help="sources, each with a furniture block on its articles")
    args = parser.parse_args(argv)
    if not 0.0 <= args.shared <= 1.0:
        parser.error(f"--shared must be between 0 and 1, got {args.shared}")
    started = time.perf_counter()
    chain = train(training_paragraphs(args.data))
    sharing = Sharing(shared=args.shared, sources=args.sources)
    count, size = write_jsonl(generate(chain, args.articles, args.seed, sharing=sharing), args.out)
    print(f"wrote {count:,} articles, {size / 1e6:.1f} MB to {args.out} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if args.check:
        result = unrelated_jaccard(args.out)
        print(json.dumps(result))
        if result["max"] >= 0.01:
            print(f"unrelated articles too close: max Jaccard {result['max']:.4f}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
