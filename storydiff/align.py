"""Paragraph alignment between two versions of a story (pure functions).

Every paragraph of both versions ends up in exactly one entry: a link
(``copied``, ``edited``, ``split``, ``merged``) or ``added``/``removed``.

Scores are over lower-cased ``\\w+`` tokens. Pair scores come from rapidfuzz's
Indel distance on token strings (one character per distinct token), the
longest common subsequence, computed for the whole matrix at once. Two
paragraphs link when that ratio is at least :data:`MIN_EDIT_SIMILARITY`, or
when most of the shorter one lies in blocks of the longer one (an excerpt, a
condensed or an expanded paragraph). Word diffs and reuse numbers come from
:mod:`storydiff.words`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz.distance import Indel
from rapidfuzz.process import cdist

from .model import Article
from .text import Paragraph, normalise
from .verdict import Change, VersionWords, has_figure, has_quote, is_note, judge_words
from .words import WordOp, encode, equal_blocks, lcs_ratio, reuse_cover, word_diff

MIN_EDIT_SIMILARITY = 0.5
#: An excerpt or a condensed paragraph: this share of the shorter paragraph's
#: words lies in blocks of at least CONTAINED_BLOCK words of the longer one.
MIN_CONTAINMENT = 0.6
CONTAINED_BLOCK = 3
MIN_CONTAINED_WORDS = 6
#: A part of a split or merge: this share of its words lies in blocks of the whole.
MIN_PART_COVERAGE = 0.5
MAX_RUN = 5
#: An added (removed) paragraph names the old (new) paragraphs it shares word
#: blocks with when one supplies this many of its words, or half of them.
SHARED_WORDS = 8

_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


LinkOp = Literal["copied", "edited", "split", "merged", "added", "removed"]
#: How much an edited link's words changed ("" for links without two sides).
Significance = Literal["", "identical", "cosmetic", "copyedit", "rewritten", "substantive"]
#: Words in one changed run from which an edit is a rewrite, not a copy edit
#: (copy edits touch a word or three: case, spelling, a number's style).
REWRITE_WORDS = 6
SilentEditKind = Literal["fact", "removed quote", "removed figure", "removed quote and figure"]
_REMOVED: dict[tuple[str, ...], SilentEditKind] = {
    ("quote",): "removed quote",
    ("figure",): "removed figure",
    ("quote", "figure"): "removed quote and figure",
}


@dataclass(frozen=True)
class Link:
    op: LinkOp
    old: tuple[int, ...]
    new: tuple[int, ...]
    moved: bool = False
    similarity: float = 0.0
    significance: Significance = ""
    changes: tuple[str, ...] = ()
    words: tuple[WordOp, ...] = ()
    #: For an added (removed) paragraph: the old (new) paragraphs whose word blocks it shares.
    shares_with: tuple[int, ...] = ()
    #: Each non-equal run of ``words``, judged (cosmetic, copyedit, fact, added, removed).
    edits: tuple[Change, ...] = ()


@dataclass(frozen=True)
class SilentEdit:
    """Evidence for the silent-edit verdict: where, what, and before -> after."""

    kind: SilentEditKind
    what: tuple[str, ...]
    old: tuple[int, ...]
    new: tuple[int, ...]
    before: str
    after: str


@dataclass(frozen=True)
class MovedSentence:
    text: str
    old: int
    new: int


@dataclass(frozen=True)
class Section:
    heading: int
    paragraphs: tuple[int, ...]


@dataclass(frozen=True)
class Summary:
    copied: int
    edited: int
    split: int
    merged: int
    moved: int
    added: int
    removed: int
    reuse_of_new: float
    coverage_of_old: float
    silent_substantive_edits: int


@dataclass(frozen=True)
class Alignment:
    old: Article
    new: Article
    links: tuple[Link, ...]
    moved_sentences: tuple[MovedSentence, ...]
    sections_added: tuple[Section, ...]
    summary: Summary
    #: Fact changes and quotes or figures cut from kept paragraphs, whatever the notes say.
    substantive_edits: tuple[SilentEdit, ...] = ()
    #: The correction or update notes the new version carries (paragraph text or editor's note).
    notes: tuple[str, ...] = ()
    #: Removed paragraphs that held a quote or a figure the new version no longer states:
    #: (old paragraph, "quote" | "figure" | "quote and figure").
    removed_quotes_and_figures: tuple[tuple[int, str], ...] = ()

    @property
    def silent_edits(self) -> tuple[SilentEdit, ...]:
        return () if self.notes else self.substantive_edits

    @property
    def equivalent(self) -> bool:
        return all(link.op == "copied" and not link.moved for link in self.links)


# --- tokens ----------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    return _normalised_tokens(normalise(text))


def _normalised_tokens(normalised: str) -> list[str]:
    """:func:`tokens` of a text already normalised: normalising it again
    would change only characters between words."""
    return [w.lower() for w in _WORD.findall(normalised)]


def _lcs_matrix(old: list[str], new: list[str]) -> np.ndarray:
    if not old or not new:
        return np.zeros((len(old), len(new)))
    dist = cdist(old, new, scorer=Indel.distance, dtype=np.int32)
    lengths_old = np.array([len(s) for s in old])[:, None]
    lengths_new = np.array([len(s) for s in new])[None, :]
    shared: np.ndarray = (lengths_old + lengths_new - dist) / 2.0
    return shared


def _lcs(a: str, b: str) -> float:
    return (len(a) + len(b) - Indel.distance(a, b)) / 2.0


def _ratio_of(lcs: float, la: int, lb: int) -> float:
    return 2 * lcs / (la + lb) if la + lb else 1.0


# --- matching -------------------------------------------------------------------


def _match(old_codes: list[str], new_codes: list[str]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Pairs of paragraph groups: 1:1, 1:n (split) and n:1 (merged)."""
    lcs = _lcs_matrix(old_codes, new_codes)
    lo = np.array([len(s) for s in old_codes], dtype=float)
    ln = np.array([len(s) for s in new_codes], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(lo[:, None] + ln[None, :] > 0, 2 * lcs / (lo[:, None] + ln[None, :]), 0.0)
    cover_new = np.where(ln[None, :] > 0, lcs / np.maximum(ln[None, :], 1), 0.0)  # share of new j inside old i
    cover_old = np.where(lo[:, None] > 0, lcs / np.maximum(lo[:, None], 1), 0.0)  # share of old i inside new j

    groups: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []
    nonempty = (lo[:, None] > 0) & (ln[None, :] > 0)
    for i, j in np.argwhere(nonempty & (ratio >= MIN_EDIT_SIMILARITY)):
        groups.append((float(ratio[i, j]), (int(i),), (int(j),)))
    # excerpts, condensed and expanded paragraphs: ranked by their (low) ratio, after the close edits
    shorter = np.minimum(lo[:, None], ln[None, :])
    maybe_contained = nonempty & (ratio < MIN_EDIT_SIMILARITY) & (shorter >= MIN_CONTAINED_WORDS) & (lcs >= MIN_CONTAINMENT * shorter)
    for i, j in np.argwhere(maybe_contained):
        if contained_share(old_codes[i], new_codes[j]) >= MIN_CONTAINMENT:
            groups.append((float(ratio[i, j]), (int(i),), (int(j),)))
    # splits: a run of new paragraphs, each mostly inside old i, that together cover it
    groups += _runs(old_codes, new_codes, cover_new, lo, ln, split=True)
    groups += [(score, o, n) for score, n, o in _runs(new_codes, old_codes, cover_old.T, ln, lo, split=False)]
    groups.sort(key=lambda g: (-g[0], len(g[1]) + len(g[2]), g[1], g[2]))
    used_old: set[int] = set()
    used_new: set[int] = set()
    chosen: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    for _score, olds, news in groups:
        if used_old.intersection(olds) or used_new.intersection(news):
            continue
        used_old.update(olds)
        used_new.update(news)
        chosen.append((olds, news))
    return chosen


def contained_share(a: str, b: str) -> float:
    """Share of the shorter code string's tokens in matched blocks of at least
    :data:`CONTAINED_BLOCK` tokens of the other (single shared words are chance)."""
    shorter = min(len(a), len(b))
    if not shorter:
        return 0.0
    return sum(size for _, _, size in equal_blocks(a, b) if size >= CONTAINED_BLOCK) / shorter


def _runs(
    whole_codes: list[str], part_codes: list[str], cover: np.ndarray, lw: np.ndarray, lp: np.ndarray, *, split: bool
) -> list[tuple[float, tuple[int, ...], tuple[int, ...]]]:
    """Groups where one ``whole`` paragraph became a run of ``part`` paragraphs.

    Sentence-level evidence: every part must lie (mostly) inside the whole, and
    the joined parts must match the whole better than any one part does. The
    parts are a consecutive run, or all the parts inside the whole when they
    are not consecutive (a paragraph spread over the story, or gathered from it).
    """
    found: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []
    for w in range(len(whole_codes)):
        if not lw[w]:
            continue
        maybe = [p for p in range(len(part_codes)) if lp[p] >= MIN_CONTAINED_WORDS and cover[w, p] >= MIN_PART_COVERAGE]
        if len(maybe) < 2:
            continue  # a split or merge needs two parts; the block check below is the costly one
        inside = [p for p in maybe if contained_share(part_codes[p], whole_codes[w]) >= MIN_PART_COVERAGE]
        inside_set = set(inside)
        for start in inside:
            if start - 1 in inside_set:
                continue
            run = [start]
            while run[-1] + 1 in inside_set and len(run) < MAX_RUN:
                run.append(run[-1] + 1)
            if len(run) < 2:
                continue
            for end in range(2, len(run) + 1):
                found.extend(_joined_group(whole_codes, part_codes, w, run[:end]))
        if 2 <= len(inside) <= MAX_RUN and inside[-1] - inside[0] >= len(inside):
            found.extend(_joined_group(whole_codes, part_codes, w, inside))
    return found


def _joined_group(
    whole_codes: list[str], part_codes: list[str], w: int, parts: list[int]
) -> list[tuple[float, tuple[int, ...], tuple[int, ...]]]:
    whole = whole_codes[w]
    best_single = max(_ratio_of(_lcs(whole, part_codes[p]), len(whole), len(part_codes[p])) for p in parts)
    joined = "".join(part_codes[p] for p in parts)
    score = _ratio_of(_lcs(whole, joined), len(whole), len(joined))
    if score >= 0.8 and score > best_single + 0.05:
        return [(score + 0.001 * len(parts), (w,), tuple(parts))]
    return []


# --- moved -------------------------------------------------------------------------


def moved_flags(links: Sequence[tuple[tuple[int, ...], tuple[int, ...], int]]) -> list[bool]:
    """Links outside the longest order-preserving sequence (ties: most words kept).

    ``links`` are (old indices, new indices, words); sort by smallest old index
    and find the longest increasing run of smallest new indices.
    """
    order = sorted(range(len(links)), key=lambda k: (min(links[k][0]), min(links[k][1])))
    n = len(order)
    best: list[tuple[int, int]] = [(1, links[k][2]) for k in order]
    previous = [-1] * n
    for b in range(n):
        nb = min(links[order[b]][1])
        for a in range(b):
            if min(links[order[a]][1]) < nb:
                candidate = (best[a][0] + 1, best[a][1] + links[order[b]][2])
                if candidate > best[b]:
                    best[b] = candidate
                    previous[b] = a
    keep: set[int] = set()
    if n:
        tail = max(range(n), key=lambda b: (best[b], -b))
        while tail != -1:
            keep.add(order[tail])
            tail = previous[tail]
    return [k not in keep for k in range(len(links))]


# --- the aligner -------------------------------------------------------------------


def _join(paragraphs: Sequence[Paragraph], indices: Sequence[int]) -> str:
    return " ".join(paragraphs[i].text for i in indices)


def _case_words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def align(old: Article, new: Article) -> Alignment:
    # Once each: a stored article's paragraphs are built anew on every index.
    po, pn = tuple(old.paragraphs), tuple(new.paragraphs)
    tok_old = [tokens(p.text) for p in po]
    tok_new = [tokens(p.text) for p in pn]
    vocabulary: dict[str, str] = {}
    codes_old = encode(tok_old, vocabulary)
    codes_new = encode(tok_new, vocabulary)
    groups = _match(codes_old, codes_new)
    weights = [(o, n, sum(len(tok_new[j]) for j in n)) for o, n in groups]
    flags = moved_flags(weights)
    said_old = VersionWords.of(p.text for p in po if p.is_content or p.kind == "headline")
    said_new = VersionWords.of(p.text for p in pn if p.is_content or p.kind == "headline")
    links: list[Link] = []
    for (olds, news), moved in zip(groups, flags, strict=True):
        old_text, new_text = _join(po, olds), _join(pn, news)
        same_words = _case_words(old_text) == _case_words(new_text)
        op: LinkOp = (
            ("copied" if same_words else "edited") if len(olds) == 1 and len(news) == 1 else "split" if len(olds) == 1 else "merged"
        )
        similarity = round(lcs_ratio("".join(codes_old[i] for i in olds), "".join(codes_new[j] for j in news)), 4)
        words = word_diff(old_text, new_text) if old_text != new_text else ()
        edits = judge_words(words, said_old, said_new)
        significance, changes = _significance(old_text, new_text, edits)
        links.append(Link(op, olds, news, moved, similarity, significance, changes, words, edits=edits))
    content_old = [t if p.is_content else [] for p, t in zip(po, tok_old, strict=True)]
    content_new = [t if p.is_content else [] for p, t in zip(pn, tok_new, strict=True)]
    reused_old, sources_old = reuse_cover(content_old, content_new)
    reused_new, sources_new = reuse_cover(content_new, content_old)
    linked_old = {i for link in links for i in link.old}
    linked_new = {j for link in links for j in link.new}
    links += [
        Link("removed", (i,), (), shares_with=_sharing(sources_old[i], len(tok_old[i]))) for i in range(len(po)) if i not in linked_old
    ]
    links += [Link("added", (), (j,), shares_with=_sharing(sources_new[j], len(tok_new[j]))) for j in range(len(pn)) if j not in linked_new]
    links = _reading_order(links)
    moved_sentences = find_moved_sentences(po, pn, links)
    sections = sections_added(pn, links)
    substantive = _substantive_edits(links)
    notes = _notes(new, pn, links)
    summary = summarise(po, pn, reused_old, reused_new, links, 0 if notes else len(substantive))
    cut = _removals(po, links, said_new)
    return Alignment(old, new, tuple(links), moved_sentences, sections, summary, substantive, notes, cut)


def _significance(old_text: str, new_text: str, edits: Sequence[Change]) -> tuple[Significance, tuple[str, ...]]:
    """identical | cosmetic | copyedit | rewritten (a clause's worth of words
    added, cut or reworded) | substantive (a fact changed, or a quote or figure
    was cut), and what changed among number, date, name, quote, figure."""
    if old_text == new_text:
        return "identical", ()
    counted = [e for e in edits if _counts(e)]
    if counted:
        return "substantive", tuple(sorted({w for e in counted for w in e.what}))
    if any(_rewrites(e) for e in edits):
        return "rewritten", ()
    if any(e.kind != "cosmetic" for e in edits):
        return "copyedit", ()
    return "cosmetic", ()


def _rewrites(change: Change) -> bool:
    """Words added, cut or reworded at the length of a clause, with no fact changed."""
    if change.kind not in ("added", "removed") and change.what != ("wording",):
        return False
    return max(len(change.old.split()), len(change.new.split())) >= REWRITE_WORDS


def _counts(change: Change) -> bool:
    return change.kind == "fact" or (change.kind == "removed" and bool(change.what))


def _substantive_edits(links: Sequence[Link]) -> tuple[SilentEdit, ...]:
    found = []
    for link in links:
        for change in link.edits:
            if _counts(change):
                kind: SilentEditKind = "fact" if change.kind == "fact" else _REMOVED[change.what]
                found.append(SilentEdit(kind, change.what, link.old, link.new, change.old, change.new))
    return tuple(found)


def _notes(new: Article, pn: Sequence[Paragraph], links: Sequence[Link]) -> tuple[str, ...]:
    """The correction and update notes the new version adds: a correction or
    update paragraph (an "Updated ..." stamp is one), or an editor's note that
    says so (ninjs ``ednote``)."""
    notes = [pn[link.new[0]].text for link in links if link.op == "added" and pn[link.new[0]].kind in ("correction", "update")]
    if is_note(new.editorial_note):
        notes.append(str(new.editorial_note))
    return tuple(notes)


def _removals(po: Sequence[Paragraph], links: Sequence[Link], said_new: VersionWords) -> tuple[tuple[int, str], ...]:
    out = []
    for link in links:
        if link.op != "removed" or not po[link.old[0]].is_content:
            continue
        text = po[link.old[0]].text
        what = [w for w, present in (("quote", has_quote(text)), ("figure", has_figure(text, said_new))) if present]
        if what:
            out.append((link.old[0], " and ".join(what)))
    return tuple(out)


def _sharing(words_from: dict[int, int], length: int) -> tuple[int, ...]:
    """The paragraphs that supply enough of a paragraph's words to name."""
    return tuple(k for k, words in words_from.items() if words >= SHARED_WORDS or 2 * words >= length)


def _reading_order(links: list[Link]) -> list[Link]:
    """The new version's reading order, each removed paragraph placed after
    the entry that holds the old paragraph before it."""
    placed = sorted((link for link in links if link.new), key=lambda link: min(link.new))
    slot_of_old = {i: k for k, link in enumerate(placed) for i in link.old}
    removed = sorted((link for link in links if not link.new), key=lambda link: link.old[0])
    anchored: dict[int, list[Link]] = {}
    for link in removed:
        before = [slot_of_old[i] for i in range(link.old[0]) if i in slot_of_old]
        anchored.setdefault(max(before) if before else -1, []).append(link)
    ordered = list(anchored.get(-1, []))
    for k, link in enumerate(placed):
        ordered.append(link)
        ordered.extend(anchored.get(k, []))
    return ordered


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(normalise(text)) if s.strip()]


def find_moved_sentences(po: Sequence[Paragraph], pn: Sequence[Paragraph], links: Sequence[Link]) -> tuple[MovedSentence, ...]:
    partners: dict[int, set[int]] = {}
    for link in links:
        for i in link.old:
            partners.setdefault(i, set()).update(link.new)
    new_sentences = [(j, {" ".join(_normalised_tokens(s)) for s in _sentences(p.text)}) for j, p in enumerate(pn)]
    found = []
    for i, p in enumerate(po):
        if not p.is_content:
            continue
        for sentence in _sentences(p.text):
            key = " ".join(_normalised_tokens(sentence))
            if len(key.split()) < 5:
                continue
            homes = [j for j, sentences in new_sentences if key in sentences]
            if homes and not partners.get(i, set()).intersection(homes):
                found.append(MovedSentence(sentence, i, homes[0]))
    return tuple(found)


def sections_added(pn: Sequence[Paragraph], links: Sequence[Link]) -> tuple[Section, ...]:
    added = {link.new[0] for link in links if link.op == "added"}
    sections = []
    for j, p in enumerate(pn):
        if p.kind == "heading" and j in added:
            under = []
            for k in range(j + 1, len(pn)):
                if pn[k].kind == "heading":
                    break
                under.append(k)
            sections.append(Section(j, tuple(under)))
    return tuple(sections)


def summarise(
    po: Sequence[Paragraph],
    pn: Sequence[Paragraph],
    reused_old: list[np.ndarray],
    reused_new: list[np.ndarray],
    links: Sequence[Link],
    silent: int,
) -> Summary:
    """Counts of each op, and the reuse numbers from the whole text: the share
    of body and quote words in blocks of at least REUSE_MIN_WORDS words that
    the other version also has, wherever they stand."""

    def share(paragraphs: Sequence[Paragraph], masks: list[np.ndarray]) -> float:
        total = sum(len(m) for p, m in zip(paragraphs, masks, strict=True) if p.is_content)
        hit = sum(int(m.sum()) for p, m in zip(paragraphs, masks, strict=True) if p.is_content)
        return round(hit / total, 4) if total else 0.0

    counts = {op: sum(1 for link in links if link.op == op) for op in ("copied", "edited", "split", "merged", "added", "removed")}
    return Summary(
        copied=counts["copied"],
        edited=counts["edited"],
        split=counts["split"],
        merged=counts["merged"],
        moved=sum(1 for link in links if link.moved),
        added=counts["added"],
        removed=counts["removed"],
        reuse_of_new=share(pn, reused_new),
        coverage_of_old=share(po, reused_old),
        silent_substantive_edits=silent,
    )
