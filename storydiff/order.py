"""Ordering stage: which version of a story came first, and why.

Receives the articles of one story; gives them oldest first with the name of
what decided the order (``order_source``):

* ``version``: the versions are one item's (the same ninjs ``uri``), each with
  its own version number;
* ``modified`` / ``published``: every version carries a time;
* ``evidence``: what the texts say: the version with a correction or update
  note the other lacks, a killed version (ninjs ``pubstatus`` withheld or
  canceled), or a version holding the other's text plus additions is the later;
* ``filename`` (``path`` when names repeat): natural order of the file names,
  where a name that is another's plus "revised", "updated", "v2"… or that says
  "corrected" against "original" counts as later. Reports hedge their verdict
  when the order rests on names.

Only the articles themselves are read, so a story orders the same whatever
else was loaded beside it (the archive index relies on that).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from .corpus import natural_key
from .model import Article
from .text import normalise

#: Stories larger than this are ordered without comparing texts pair by pair.
MAX_TEXT_EVIDENCE_VERSIONS = 12
#: "The other's text plus additions": this much of the older's word trigrams in
#: the newer, which is this much longer.
SUPERSET_COVER = 0.8
SUPERSET_GROWTH = 1.1

_EDNOTE = "\x00ednote "  # marks the editor's note among the note paragraphs
_KILLED = frozenset({"withheld", "canceled", "cancelled"})
_LATER_WORDS = re.compile(
    r"(?:^|[-_. ])(revised|revision|updated?|corrected|correction|final|rewrite|writethru|v[2-9]|\d+(?:st|nd|rd|th)?-?(?:update|version))(?=$|[-_. ])",
    re.I,
)
_EARLIER_WORDS = re.compile(r"(?:^|[-_. ])(original|orig|draft|first|initial|v1|v0)(?=$|[-_. ])", re.I)


def order_versions(articles: list[Article], order_by: str) -> tuple[list[Article], str]:
    """Oldest first, and which source decided the order (see the module's docstring)."""
    if order_by == "given":
        return sorted(articles, key=lambda a: a.position), "given"
    if len(articles) == 1:
        return list(articles), "filename"  # what the rules below give, without their sort keys
    if order_by == "time":
        numbers = _version_numbers(articles)
        if numbers is not None:
            return _by_time(articles, numbers), "version"
        if all(a.modified for a in articles):
            return _by_time(articles, [(a.modified, a.published or a.modified) for a in articles]), "modified"
        if all(a.published for a in articles):
            return _by_time(articles, [a.published for a in articles]), "published"
        if all(a.modified or a.published for a in articles):
            return _by_time(articles, [a.modified or a.published for a in articles]), "modified"
    by_name = sorted(articles, key=_filename_key)
    names = [a.path.rsplit("/", 1)[-1] for a in articles]
    name_source = "path" if len(set(names)) < len(names) else "filename"
    if order_by != "time":
        return by_name, name_source
    evidence = _lateness(by_name, editorial_later)
    if any(evidence):
        return _stable_by(by_name, evidence), "evidence"
    named = _lateness(by_name, named_later)
    return _stable_by(by_name, named), name_source


def needs_texts(articles: Sequence[Article], order_by: str) -> bool:
    """Whether :func:`order_versions` reads these articles' texts (no complete
    times or version numbers to go by), so callers holding bare records fetch them."""
    if order_by != "time" or len(articles) < 2 or len(articles) > MAX_TEXT_EVIDENCE_VERSIONS:
        return False
    if _version_numbers(articles) is not None:
        return False
    return not all(a.modified or a.published for a in articles)


def editorial_later(a: Article, b: Article) -> int:
    """+1 when ``b`` is evidently the later of the two, -1 when ``a`` is, 0 when nothing says."""
    return _editorial(a, b)[0]


def why_later(a: Article, b: Article) -> str | None:
    """What in the texts makes ``b`` the later version, in words (None when nothing does)."""
    verdict, reason = _editorial(a, b)
    return reason if verdict > 0 else None


def _editorial(a: Article, b: Article) -> tuple[int, str]:
    name_a, name_b = _name(a), _name(b)
    killed_a, killed_b = (a.status or "").lower() in _KILLED, (b.status or "").lower() in _KILLED
    if killed_a != killed_b:
        killed, status = (name_b, b.status) if killed_b else (name_a, a.status)
        return (1 if killed_b else -1), f"{killed} is killed (status {status})"
    notes_a, notes_b = _notes(a), _notes(b)
    only_a, only_b = notes_a - notes_b, notes_b - notes_a
    if bool(only_a) != bool(only_b):
        later, earlier, note = (name_b, name_a, min(only_b)) if only_b else (name_a, name_b, min(only_a))
        shown = f"editor's note {_opening(note.removeprefix(_EDNOTE))}" if note.startswith(_EDNOTE) else _opening(note)
        return (1 if only_b else -1), f"{later} carries a correction or update note that {earlier} lacks: {shown}"
    stamp_a, stamp_b = _stamp(only_a), _stamp(only_b)
    if stamp_a is not None and stamp_b is not None and stamp_a != stamp_b:
        later, earlier = (name_b, name_a) if stamp_b > stamp_a else (name_a, name_b)
        return (1 if stamp_b > stamp_a else -1), f"{later}'s update stamp gives a later time than {earlier}'s"
    grams_a, grams_b = _trigrams(a), _trigrams(b)
    if grams_a and grams_b:
        shared = len(grams_a & grams_b)
        for sign, (older, newer, name_old, name_new) in ((1, (grams_a, grams_b, name_a, name_b)), (-1, (grams_b, grams_a, name_b, name_a))):
            if shared >= SUPERSET_COVER * len(older) and len(newer) >= SUPERSET_GROWTH * len(older):
                return sign, (
                    f"{name_new} holds {shared / len(older):.0%} of {name_old}'s text plus {len(newer) / len(older) - 1:.0%} more"
                )
    return 0, ""


def _name(article: Article) -> str:
    return article.path.rsplit("/", 1)[-1]


def _opening(text: str, words: int = 8) -> str:
    parts = text.split()
    return "“" + " ".join(parts[:words]) + ("…" if len(parts) > words else "") + "”"


def named_later(a: Article, b: Article) -> int:
    """What the file names say: ``quake-revised`` after ``quake``, ``corrected`` after ``original``."""
    stem_a, stem_b = _stem(a.path), _stem(b.path)
    if stem_b.startswith(stem_a) and _LATER_WORDS.search(stem_b[len(stem_a) :]):
        return 1
    if stem_a.startswith(stem_b) and _LATER_WORDS.search(stem_a[len(stem_b) :]):
        return -1
    score = _says(_LATER_WORDS, stem_b) - _says(_LATER_WORDS, stem_a) + _says(_EARLIER_WORDS, stem_a) - _says(_EARLIER_WORDS, stem_b)
    return (score > 0) - (score < 0)


def _says(words: re.Pattern[str], stem: str) -> int:
    return 1 if words.search(stem) else 0


def _lateness(by_name: list[Article], later: Any) -> list[int]:
    """Each article's count of others it follows minus others it precedes."""
    if len(by_name) > MAX_TEXT_EVIDENCE_VERSIONS:
        return [0] * len(by_name)
    scores = [0] * len(by_name)
    for i, a in enumerate(by_name):
        for j in range(i + 1, len(by_name)):
            verdict = later(a, by_name[j])
            scores[j] += verdict
            scores[i] -= verdict
    return scores


def _stable_by(by_name: list[Article], scores: list[int]) -> list[Article]:
    return [by_name[i] for i in sorted(range(len(by_name)), key=lambda i: (scores[i], i))]


def _notes(article: Article) -> frozenset[str]:
    """The article's correction and update notes (paragraphs and editor's note)."""
    from .verdict import is_note

    found = {normalise(p.text) for p in article.paragraphs if p.kind in ("correction", "update")}
    if is_note(article.editorial_note):
        found.add(_EDNOTE + normalise(str(article.editorial_note)))
    return frozenset(found)


_CLOCK = re.compile(r"\b([01]?\d|2[0-3])[:.]([0-5]\d)(?:\s*([ap])\.?\s?m\b\.?)?", re.I)


def _stamp(notes: frozenset[str]) -> int | None:
    """The latest clock time the notes give, in minutes after midnight (one day assumed)."""
    minutes = []
    for note in notes:
        for hour, minute, half in _CLOCK.findall(note):
            h = int(hour) % 12 + (12 if half.lower() == "p" else 0) if half else int(hour)
            minutes.append(h * 60 + int(minute))
    return max(minutes) if minutes else None


def _trigrams(article: Article) -> frozenset[tuple[str, ...]]:
    words = re.findall(r"\w+", normalise(article.body).lower())
    return frozenset(zip(words, words[1:], words[2:], strict=False))


def _version_numbers(articles: Sequence[Article]) -> list[float] | None:
    """The versions' own numbers, when they are versions of one item (the same
    ninjs ``uri`` or id) and each has a distinct number; else None."""
    ids = {a.external_id for a in articles}
    if len(ids) != 1 or None in ids:
        return None
    numbers = [_version_number(a.version) for a in articles]
    if any(n is None for n in numbers) or len(set(numbers)) != len(numbers):
        return None
    return numbers  # type: ignore[return-value]


def _version_number(label: str | None) -> float | None:
    if label is None:
        return None
    match = re.fullmatch(r"\s*v?(\d+(?:\.\d+)?)\s*", label, re.I)
    return float(match.group(1)) if match else None


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    return name.rsplit(".", 1)[0] if "." in name else name


def _filename_key(article: Article) -> tuple[object, ...]:
    return _path_key(article.path)


# Settling orders every story once a round and assembly once more; the keys
# of 100k paths took 0.6 s of serial work each time.
@functools.lru_cache(maxsize=1 << 17)
def _path_key(path: str) -> tuple[object, ...]:
    name = path.rsplit("/", 1)[-1]
    key = natural_key(name)
    return (key, key if name == path else natural_key(path))


def _by_time(articles: Sequence[Article], times: Sequence[Any]) -> list[Article]:
    """``articles`` sorted by ``times``, file names breaking ties. The file
    name keys are made only when two times are equal: versions rarely share
    one, and making the keys of 100k paths took 0.5 s of serial work."""
    if len(set(times)) == len(times):
        keys: Sequence[Any] = times
    else:
        keys = [(time, _filename_key(article)) for time, article in zip(times, articles, strict=True)]
    return [articles[i] for i in sorted(range(len(articles)), key=keys.__getitem__)]
