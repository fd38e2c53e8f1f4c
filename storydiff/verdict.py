"""The editorial verdict, part of the align stage (pure functions).

Each change of a word diff between linked paragraphs is one of:

- ``cosmetic``: white space, quote and dash style, punctuation between words;
- ``copyedit``: case, spelling, an abbreviation written out, the same number
  written another way (11th/eleventh, 10/ten, 30.000/30,000, 0600/06:00,
  3.2m/3.2 million), word order, or a rewording that touches no fact;
- ``fact``: a number, date or amount whose value changed, a name replaced or
  respelled, the words of a quote changed;
- ``added`` / ``removed``: words inserted into or cut from a kept paragraph
  (``what`` names a quote or a figure among them).

Numbers compare by value and names as names: a value or name that the other
version still carries elsewhere (a sentence that moved) is no change.
A *silent edit* is a fact change, or a quote or figure cut from a paragraph
that stays, in a version that carries no correction or update note.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from .text import normalise
from .words import WordOp, ends_sentence

ChangeKind = Literal["cosmetic", "copyedit", "fact", "added", "removed"]


@dataclass(frozen=True)
class Change:
    """One non-equal run of a word diff, judged."""

    kind: ChangeKind
    #: What decided it: number, date, name, quote, figure, case, spelling, abbreviation, order, wording, punctuation.
    what: tuple[str, ...]
    old: str
    new: str


# --- numbers -----------------------------------------------------------------------

# "one" is left out: far more often a pronoun ("no one", "one of them") than a figure.
_UNITS = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "_",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
    if w != "_"
}
_TENS = {
    w: 10 * n for n, w in enumerate(["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]) if w != "_"
}
_ORDINALS = {
    w: n
    for n, w in enumerate(
        [
            "zeroth",
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
        ]
    )
}
_ORDINALS.update({"twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "hundredth": 100})
# "first" and "second" are far more often order and time ("a second look") than figures.
del _ORDINALS["first"], _ORDINALS["second"]
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 1_000_000_000_000}
_SUFFIX_SCALES = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000, "b": 1_000_000_000, "tn": 1_000_000_000_000}
_DIGITS = re.compile(r"^[$€£¥]?(\d+(?:[.,:]\d+)*)(st|nd|rd|th|k|m|mn|bn|b|tn|%|am|pm|a\.m\.|p\.m\.)?$", re.I)


@functools.lru_cache(maxsize=1 << 14)
def _number_values(token: str) -> frozenset[float]:
    """Every value a written number may stand for ("0600" is 600 or 06:00;
    "30.000" is thirty thousand in German style or 30 in English)."""
    word = token.strip("\"'()[],;:!?").lower()
    word = word[:-1] if word.endswith(".") and not word.endswith(("a.m.", "p.m.")) else word
    if word in _UNITS:
        return frozenset({float(_UNITS[word])})
    if word in _TENS:
        return frozenset({float(_TENS[word])})
    if word in _ORDINALS:
        return frozenset({float(_ORDINALS[word])})
    if "-" in word:
        tens, _, unit = word.partition("-")
        if tens in _TENS and unit in _UNITS:
            return frozenset({float(_TENS[tens] + _UNITS[unit])})
        if tens in _TENS and unit in _ORDINALS:
            return frozenset({float(_TENS[tens] + _ORDINALS[unit])})
    match = _DIGITS.match(word)
    if not match:
        return frozenset()
    digits, suffix = match.group(1), (match.group(2) or "").lower()
    values: set[float] = set()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
        values.add(float(re.sub(r"[.,]", "", digits)))
    if re.fullmatch(r"\d+(?:[.,]\d+)?", digits):
        values.add(float(digits.replace(",", ".")))
    if re.fullmatch(r"\d{1,2}:\d{2}", digits):
        hours, minutes = digits.split(":")
        values.add(float(int(hours) * 100 + int(minutes)))  # 06:00 as 0600
    if not values:
        values.add(float(re.sub(r"\D", "", digits) or 0))
    if suffix in ("am", "pm", "a.m.", "p.m."):
        # "11am" is the clock time 1100, as "11 a.m." is (see numbers_in)
        evening = 1200 if suffix.startswith("p") else 0
        return frozenset(v * 100 + evening for v in values if v < 13)
    scale = _SUFFIX_SCALES.get(suffix, 1)
    return frozenset(v * scale for v in values)


def numbers_in(tokens: Sequence[str]) -> list[frozenset[float]]:
    """The numbers a run of words states, each as its possible values; "3.2
    million" and "two hundred" are one number."""
    found: list[frozenset[float]] = []
    for token in tokens:
        word = token.strip("\"'()[],;:!?.").lower()
        if word in _SCALES and found and found[-1]:
            found[-1] = frozenset(v * _SCALES[word] for v in found[-1])
            continue
        if word == "and" and found:
            continue
        if word in ("am", "pm", "a.m", "p.m") and found and found[-1]:
            # "5 am" is the time 0500, "8 p.m." 2000: a clock time, not a count
            evening = 1200 if word.startswith("p") else 0
            found[-1] = frozenset(v * 100 + evening for v in found[-1] if v < 13)
            continue
        values = _number_values(token)
        if values:
            found.append(values)
    return found


def _same_numbers(a: list[frozenset[float]], b: list[frozenset[float]]) -> bool:
    if len(a) != len(b):
        return False
    remaining = list(b)
    for values in a:
        match = next((k for k, other in enumerate(remaining) if values & other), None)
        if match is None:
            return False
        remaining.pop(match)
    return True


# --- dates and names ---------------------------------------------------------------

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RELATIVE = {"today", "yesterday", "tomorrow", "tonight", "overnight"}


_DATE_FORMS: dict[str, str] = {}
for _k, _month in enumerate(_MONTHS):
    for _form in {_month, _month[:3], _month[:4]} - {"may", "marc", "june", "july"}:
        _DATE_FORMS[_form] = f"month{_k + 1}"
    _DATE_FORMS[_month] = f"month{_k + 1}"
for _k, _day in enumerate(_DAYS):
    for _form in {_day, _day[:3], _day[:4]} - {"sat", "sun", "wed"}:
        _DATE_FORMS[_form] = f"day{_k + 1}"
_DATE_FORMS.update({word: word for word in _RELATIVE})


@functools.lru_cache(maxsize=1 << 14)
def _date_word(token: str) -> str | None:
    """A weekday, month (or its abbreviation) or a relative day, as one canonical key."""
    bare = token.strip("\"'()[],;:!?").rstrip(".")
    word = bare.lower()
    if word == "may" and not bare[:1].isupper():
        return None  # the verb
    return _DATE_FORMS.get(word)


_NOT_NAMES = {"i", "a", "an", "the", "he", "she", "it", "we", "they", "you", "his", "her", "its", "their", "this", "that", "these", "those"}


@functools.lru_cache(maxsize=1 << 14)
def _name_key(token: str) -> str | None:
    """A capitalised word that is not a date word, folded for comparison."""
    word = token.strip("\"'()[],;:!?.")
    word = re.sub(r"['’]s$", "", word)
    if not word or not word[0].isupper() or not any(c.isalpha() for c in word):
        return None
    if _date_word(word) or word.lower() in _NOT_NAMES:
        return None
    return word.lower()


@dataclass(frozen=True)
class VersionWords:
    """What one whole version says, to tell a moved value from a changed one."""

    numbers: frozenset[float]
    dates: frozenset[str]
    names: frozenset[str]

    @classmethod
    def of(cls, texts: Iterable[str]) -> VersionWords:
        tokens = [t for text in texts for t in normalise(text).split()]
        return cls(
            frozenset(v for values in numbers_in(tokens) for v in values),
            frozenset(d for t in tokens if (d := _date_word(t))),
            frozenset(n for t in tokens if (n := _name_key(t))),
        )


# --- one change --------------------------------------------------------------------

_QUOTE_CHARS = '"'
_PUNCT_EDGE = re.compile(r"^\W+|\W+$")


def _bare(tokens: Sequence[str]) -> list[str]:
    return [w for w in (_PUNCT_EDGE.sub("", t) for t in tokens) if w]


def _names(tokens: Sequence[str], sentence_start: bool) -> list[str]:
    out = []
    starts = sentence_start
    for token in tokens:
        key = _name_key(token)
        if key and not starts:
            out.append(key)
        starts = ends_sentence(token) or token.rstrip("\"')]").endswith(":")
    return out


def _abbreviation(a: str, b: str) -> bool:
    """ "Mar." -> "March", "St" -> "Street", "U.S." -> "US": one is the other shortened."""
    x, y = a.lower().replace(".", ""), b.lower().replace(".", "")
    if not x or not y:
        return False
    if x == y:
        return True
    short, long = (x, y) if len(x) < len(y) else (y, x)
    return long.startswith(short) and len(short) >= 2 or short == "".join(w[0] for w in re.split(r"[\s-]+", long) if w)


def _within(short: Sequence[str], long: Sequence[str]) -> bool:
    """Every word of ``short``, in order, in the longer ``long``: words were only added."""
    if len(short) >= len(long):
        return False
    rest = iter(long)
    return all(word in rest for word in short)


#: Words whose change inside a quotation reads as grammar, not as new words put in a mouth.
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "so",
        "yet",
        "for",
        "of",
        "in",
        "on",
        "at",
        "to",
        "by",
        "from",
        "with",
        "as",
        "into",
        "onto",
        "upon",
        "about",
        "than",
        "then",
        "when",
        "while",
        "whilst",
        "where",
        "whereas",
        "if",
        "though",
        "although",
        "because",
        "since",
        "until",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "it",
        "its",
        "this",
        "these",
        "those",
        "there",
        "here",
    ]
)


_NEGATIONS = frozenset({"not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "cannot"})


def _negations(words: Sequence[str]) -> int:
    return sum(1 for w in words if w in _NEGATIONS or w.endswith(("n't", "n’t")))


def _letters(words: Sequence[str]) -> str:
    return "".join(c for w in words for c in w if c.isalnum())


def _respelled(a: Sequence[str], b: Sequence[str]) -> bool:
    """Word for word the same but for typing: "officialy" -> "officially"."""
    return len(a) == len(b) and all(x == y or fuzz.ratio(x, y) >= 80 for x, y in zip(a, b, strict=True))


def _acronym_of(short: Iterable[str], words: Sequence[str]) -> bool:
    """ "FCC" and "Federal Communications Commission": an acronym written out."""
    initials = "".join(w[0] for w in _bare(words) if w[:1].isupper()).lower()
    return any(len(s) >= 2 and s.replace(".", "") in initials for s in short)


def classify(op: WordOp, old: VersionWords, new: VersionWords, *, sentence_start: bool = False, in_quote: bool = False) -> Change:
    """Judge one non-equal run of a word diff."""
    a, b = normalise(op.old).split(), normalise(op.new).split()
    bare_a, bare_b = _bare(a), _bare(b)
    if bare_a == bare_b:
        return Change("cosmetic", ("punctuation",), op.old, op.new)
    what: list[str] = []
    numbers_a, numbers_b = numbers_in(a), numbers_in(b)
    changed_numbers = not _same_numbers(numbers_a, numbers_b)
    dates_a = {d for t in a if (d := _date_word(t))}
    dates_b = {d for t in b if (d := _date_word(t))}
    names_a, names_b = set(_names(a, sentence_start)), set(_names(b, sentence_start))
    lower_a, lower_b = [w.lower() for w in bare_a], [w.lower() for w in bare_b]
    if _within(lower_a, lower_b):  # "season." -> "season, most likely in January.": words added
        a = []
    elif _within(lower_b, lower_a):
        b = []
    negations_a, negations_b = _negations(lower_a), _negations(lower_b)
    if negations_a != negations_b and (a and b or not a and negations_b or not b and negations_a):
        # "will" -> "will not", "never" dropped: the sentence now says the opposite.
        return Change("fact", ("negation",), op.old, op.new)
    if not b:
        # One or two words in quote marks are scare quotes or a title, not a quotation.
        cut = ["quote"] if (in_quote or _QUOTE_CHARS in op.old) and len(bare_a) >= 3 else []
        cut += ["figure"] if any(values - new.numbers for values in numbers_a) and numbers_a else []
        return Change("removed", tuple(cut), op.old, op.new)
    if not a:
        return Change("added", tuple(["quote"] if _QUOTE_CHARS in op.new else []), op.old, op.new)
    if changed_numbers:
        lost = [values for values in numbers_a if not values & new.numbers]
        gained = [values for values in numbers_b if not values & old.numbers]
        if lost or gained:
            what.append("number")
    if dates_a != dates_b and (dates_a - new.dates or dates_b - old.dates):
        what.append("date")
    lost_names, gained_names = names_a - new.names - names_b, names_b - old.names - names_a
    same_letters = sorted(_letters(lower_a)) == sorted(_letters(lower_b))  # "BingDian (Freezing Point" -> "Freezing Point (Bing Dian"
    if lost_names and gained_names and not same_letters and not _acronym_of(lost_names, b) and not _acronym_of(gained_names, a):
        what.append("name")
    quoted_words_changed = {*lower_a, *lower_b} - (set(lower_a) & set(lower_b)) - _FUNCTION_WORDS
    if in_quote and quoted_words_changed and not same_letters and not _respelled(lower_a, lower_b):
        what.append("quote")
    if what:
        return Change("fact", tuple(what), op.old, op.new)
    if lower_a == lower_b:
        return Change("copyedit", ("case",), op.old, op.new)
    if numbers_a and _same_numbers(numbers_a, numbers_b):
        return Change("copyedit", ("number",), op.old, op.new)
    if sorted(lower_a) == sorted(lower_b):
        return Change("copyedit", ("order",), op.old, op.new)
    if len(lower_a) == len(lower_b) and all(_abbreviation(x, y) for x, y in zip(bare_a, bare_b, strict=True)):
        return Change("copyedit", ("abbreviation",), op.old, op.new)
    if _respelled(lower_a, lower_b):
        return Change("copyedit", ("spelling",), op.old, op.new)
    if _acronym_of(names_a, b) or _acronym_of(names_b, a):
        return Change("copyedit", ("abbreviation",), op.old, op.new)
    return Change("copyedit", ("wording",), op.old, op.new)


def judge_words(words: Sequence[WordOp], old: VersionWords, new: VersionWords) -> tuple[Change, ...]:
    """Every non-equal run of a link's word diff, judged in its context (the
    start of a sentence, inside a quotation)."""
    changes = []
    sentence_start, quotes_open = True, 0
    for op in words:
        if op.op != "equal":
            changes.append(classify(op, old, new, sentence_start=sentence_start, in_quote=quotes_open % 2 == 1))
        text = normalise(op.old)
        quotes_open += text.count(_QUOTE_CHARS)
        tokens = text.split()
        if tokens:
            sentence_start = ends_sentence(tokens[-1])
    return tuple(changes)


def has_figure(text: str, other: VersionWords) -> bool:
    """A number the other version no longer states anywhere."""
    return any(not values & other.numbers for values in numbers_in(normalise(text).split()))


def has_quote(text: str) -> bool:
    """Quoted words (three or more between quote marks)."""
    return re.search(r'"[^"]*\w+\W+\w+\W+\w+[^"]*"', normalise(text)) is not None


_NOTE = re.compile(
    r"\b(correct(s|ed|ion)?|updat(e|es|ed|ing)|clarif(y|ies|ied|ication)|writethru|write-through|refiles?|adds|fixes|recasts|amends?)\b",
    re.I,
)


def is_note(text: str | None) -> bool:
    """An editor's note that announces a correction or an update (ninjs ednote, an "Updated" stamp)."""
    return bool(text and _NOTE.search(text))
