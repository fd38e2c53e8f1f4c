"""The text model: normalisation, paragraph segmentation and paragraph kinds.

Everything here is a pure function of strings. The original text is always kept
for display; normalised text is only used to compare.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

KINDS = (
    "headline",
    "kicker",
    "heading",
    "caption",
    "credit",
    "byline",
    "dateline",
    "update",
    "correction",
    "boilerplate",
    "quote",
    "body",
)
#: Only these kinds count towards similarity and reuse numbers.
CONTENT_KINDS = frozenset({"body", "quote"})


@dataclass(frozen=True, slots=True)
class Paragraph:
    index: int
    kind: str
    text: str

    def __reduce__(self) -> tuple[type[Paragraph], tuple[int, str, str]]:
        # Plain constructor arguments pickle several times faster than the
        # generated state functions; articles cross process pools in bulk.
        return (Paragraph, (self.index, self.kind, self.text))

    @property
    def normalised(self) -> str:
        return normalise(self.text)

    @property
    def is_content(self) -> bool:
        return self.kind in CONTENT_KINDS


_KIND_CODES = {kind: code for code, kind in enumerate(KINDS)}
_CONTENT_CODES = frozenset(_KIND_CODES[kind] for kind in CONTENT_KINDS)
#: Byte ``code`` is 1 where kind code ``code`` is a content kind (see :meth:`Paragraphs.store`).
CONTENT_CODE_TABLE = bytes(1 if code in _CONTENT_CODES else 0 for code in range(256))


class Paragraphs(Sequence[Paragraph]):
    """An article's paragraphs, numbered from 0, held in one UTF-8 buffer.

    A loaded corpus keeps every article in memory. As Python strings its text
    takes two bytes a character as soon as one curly quote appears, and one
    ``Paragraph`` object per paragraph costs more to pickle between processes
    than the text itself; here an article's paragraphs are three flat
    buffers, and ``Paragraph`` objects are built when read.
    """

    __slots__ = ("_data", "_ends", "_kinds", "_byte_ends")

    def __init__(self, paragraphs: Iterable[Paragraph] = ()) -> None:
        items = tuple(paragraphs)
        for position, paragraph in enumerate(items):
            if paragraph.index != position:
                raise ValueError(f"paragraph {position} has index {paragraph.index}; paragraphs are numbered from 0 in order")
        texts = [p.text for p in items]
        self._fill(texts, [p.kind for p in items], self.encode(texts))

    @classmethod
    def from_texts(cls, texts: Sequence[str], kinds: Sequence[str], *, utf8: bytes | None = None) -> Paragraphs:
        """Paragraphs numbered from 0, without a ``Paragraph`` for each.
        ``utf8``: ``Paragraphs.encode(texts)``, when the caller has it."""
        if len(texts) != len(kinds):
            raise ValueError(f"{len(texts)} texts but {len(kinds)} kinds")
        made = cls.__new__(cls)
        made._fill(texts, kinds, cls.encode(texts) if utf8 is None else utf8)
        return made

    @staticmethod
    def encode(texts: Sequence[str]) -> bytes:
        """The texts as a :class:`Paragraphs` holds them: joined, as UTF-8."""
        # surrogatepass: a JSON feed may carry lone surrogates; they must survive the round trip
        return "".join(texts).encode("utf-8", "surrogatepass")

    def _fill(self, texts: Sequence[str], kinds: Sequence[str], utf8: bytes) -> None:
        try:
            codes = bytes(map(_KIND_CODES.__getitem__, kinds))
        except (KeyError, TypeError):
            position, kind = next((p, k) for p, k in enumerate(kinds) if not isinstance(k, str) or k not in _KIND_CODES)
            raise ValueError(f"paragraph {position} has kind {kind!r}; kinds are {', '.join(KINDS)}") from None
        self._data = utf8
        self._ends = array("I", itertools.accumulate(map(len, texts)))
        self._kinds = codes
        self._byte_ends: array[int] | None = None

    @classmethod
    def _restore(cls, data: bytes, ends: array[int], kinds: bytes) -> Paragraphs:
        restored = cls.__new__(cls)
        restored._data, restored._ends, restored._kinds, restored._byte_ends = data, ends, kinds, None
        return restored

    def store(self) -> tuple[bytes, array[int], bytes]:
        """The raw store, for code that reads many articles at once: the
        paragraphs' UTF-8 (lone surrogates as surrogatepass writes them), the
        character offset where each paragraph ends, and each one's kind code
        (:data:`CONTENT_CODE_TABLE` marks the content kinds)."""
        return self._data, self._ends, self._kinds

    def __reduce__(self) -> tuple[object, tuple[bytes, array[int], bytes]]:
        return (Paragraphs._restore, (self._data, self._ends, self._kinds))

    def texts(self) -> list[str]:
        whole = self._data.decode("utf-8", "surrogatepass")
        start, out = 0, []
        for end in self._ends:
            out.append(whole[start:end])
            start = end
        return out

    def kinds(self) -> tuple[str, ...]:
        """Each paragraph's kind, without decoding the text."""
        return tuple(KINDS[code] for code in self._kinds)

    def content_texts(self) -> tuple[str, ...]:
        """The texts of the body and quote paragraphs (see :data:`CONTENT_KINDS`)."""
        return tuple(text for text, code in zip(self.texts(), self._kinds, strict=True) if code in _CONTENT_CODES)

    def __len__(self) -> int:
        return len(self._kinds)

    def __iter__(self) -> Iterator[Paragraph]:
        for index, (text, code) in enumerate(zip(self.texts(), self._kinds, strict=True)):
            yield Paragraph(index, KINDS[code], text)

    @overload
    def __getitem__(self, index: int) -> Paragraph: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Paragraph, ...]: ...

    def __getitem__(self, index: int | slice) -> Paragraph | tuple[Paragraph, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        position = range(len(self))[index]  # IndexError and negative indices as for a tuple
        ends = self._byte_offsets()
        text = self._data[ends[position - 1] if position else 0 : ends[position]].decode("utf-8", "surrogatepass")
        return Paragraph(position, KINDS[self._kinds[position]], text)

    def _byte_offsets(self) -> array[int]:
        """Where each paragraph ends in the UTF-8 buffer: the character ends
        when the text is ASCII, else worked out once, on the first index, so
        that reading one paragraph decodes that paragraph alone."""
        if self._byte_ends is None:
            if len(self._data) == (self._ends[-1] if self._ends else 0):
                self._byte_ends = self._ends
            else:
                self._byte_ends = array("I", itertools.accumulate(len(t.encode("utf-8", "surrogatepass")) for t in self.texts()))
        return self._byte_ends

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Paragraphs):
            return (self._kinds, self._data, self._ends) == (other._kinds, other._data, other._ends)
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        # As the equal tuple hashes: a Paragraphs equals the tuple of its paragraphs.
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Paragraphs({list(self)!r})"


_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": "",
        "\u200b": "",
        "\ufeff": "",
    }
)
_WORD = re.compile(r"\w+")


_FOLD_PAIRS = tuple((chr(code), folded or "") for code, folded in _FOLD.items())


def fold_quotes_and_dashes(text: str) -> str:
    """The quote and dash folding of :func:`normalise` alone."""
    return text.translate(_FOLD)


def _single_spaced(text: str) -> str:
    """``" ".join(text.split())``, skipped when it would change nothing:
    every character ``split()`` breaks on except the plain space is
    unprintable (tests/test_text.py checks all of Unicode)."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def _nfkc_by_line(text: str) -> str:
    """NFKC, run only on the lines that need it. A line break is a starter
    that nothing composes with and no character decomposes to, so lines
    normalise apart exactly; a whole body usually needs it for one "…" or
    "ﬁ", and NFKC of a 5 kB body took 100 µs."""
    if "\n" not in text:
        return unicodedata.normalize("NFKC", text)
    return "\n".join(line if unicodedata.is_normalized("NFKC", line) else unicodedata.normalize("NFKC", line) for line in text.split("\n"))


def normalise(text: str) -> str:
    """Fold a text for comparison: NFKC, one quote and dash style, one space."""
    # Every article is normalised while loading and again in each comparison,
    # so the common cases take shortcuts: ASCII text is already NFKC and holds
    # only one foldable character, and a text holds few of the foldable ones.
    if text.isascii():
        folded = text.replace("`", "'") if "`" in text else text
    else:
        if not unicodedata.is_normalized("NFKC", text):
            text = _nfkc_by_line(text)
        folded = text
        for character, replacement in _FOLD_PAIRS:
            if character in folded:
                folded = folded.replace(character, replacement)
    if "--" in folded:
        folded = folded.replace("--", "-")
    if "\n" in folded:
        # A whole body (paragraphs joined by newlines, as for the article id)
        # then takes the single-spaced shortcut; split() sees no difference.
        folded = folded.replace("\n", " ")
    return _single_spaced(folded)


def words(text: str) -> list[str]:
    """Word tokens (``\\w+``) of the normalised text, case kept."""
    return _WORD.findall(normalise(text))


# --- segmentation -----------------------------------------------------------

_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")
_FINAL_PUNCT = tuple(".!?:;\"'\u201d\u2019)…")


def _ends_sentence(line: str) -> bool:
    return line.rstrip().endswith(_FINAL_PUNCT)


def _is_short_title(line: str, max_words: int = 8) -> bool:
    return len(line) <= 8 * max_words and len(line.split()) <= max_words and not _ends_sentence(line)


def segment(text: str) -> list[str]:
    """Split a plain text into paragraph blocks (original text, lines joined).

    Blank lines separate blocks; a text with no blank line at all has one
    paragraph per line. Inside a block, a short first line without final
    punctuation followed by a long line is a kicker or headline glued on top
    of the paragraph (seed 000 starts "Aleppo" then a caption) and is split off.
    """
    if "\r" in text:  # one quick scan; the two replacements scan slowly even when they find nothing
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BLANK_LINE.search(text):
        raw_blocks = [b for b in _BLANK_LINE.split(text)]
        blocks: list[str] = []
        for block in raw_blocks:
            if "\n" not in block:  # most blocks are one line: what the general case gives, sooner
                if stripped := block.strip():
                    blocks.append(stripped)
                continue
            lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
            if not lines:
                continue
            if len(lines) >= 2 and _is_short_title(lines[0]) and len(lines[1]) > 2 * len(lines[0]):
                blocks.append(lines[0])
                lines = lines[1:]
            blocks.append(" ".join(lines))
        return blocks
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


# --- paragraph kinds --------------------------------------------------------

_CREDIT_ONLY = re.compile(
    r"^[\(\[]?\s*(photo|photograph|picture|image|credit|video|graphic|illustration|foto)s?"
    r"\s*(credit)?\s*[:/-]\s*[^.]{2,80}[\)\]]?$",
    re.I,
)
_CREDIT_TAIL = re.compile(r"\[[^\]]{0,40}(image|photo|picture|file)[^\]]{0,20}\]\s*[\w .&-]{2,40}$", re.I)
_CAPTION_TAIL = re.compile(r"\(\s*(photo|photograph|picture|image|credit)s?\s*:[^)]{2,80}\)\s*$", re.I)
_BYLINE = re.compile(r"^(?i:by|von|par|por)\s+[A-Z\u00c0-\u024f][\w'.\- ]+(,|\band\b|$)", re.U)
_WIRE_CREDIT = re.compile(r"^\(?\s*(reporting|writing|editing|additional reporting) by\b", re.I)
_DATELINE = re.compile(r"^[A-Z][A-Z .'\-]{2,40}(,\s*[A-Z][\w .]{1,30})?\s*(\([\w .&-]{2,30}\))?\s*[-\u2013\u2014]*$")
_UPDATE = re.compile(r"^(update[sd]?|updated|last updated|editor'?s note)\b[^\n]{0,40}?[:,.\s]", re.I)
_CORRECTION = re.compile(r"^(correction|clarification|corrected|an earlier version of this)\b", re.I)
_BOILERPLATE = re.compile(
    r"(read more|related|see also|more:|also read|sign up|subscribe|follow us|share this|"
    r"share on|click here|download our app|got a story|contact us|this story was generated automatically|"
    r"this article is based on reporting|this is a breaking news story|©|\(c\)\s*\d{4}|copyright\b)",
    re.I,
)
_BOILERPLATE_ANYWHERE = re.compile(r"all rights reserved\.?$|newsletter|check back (later )?for updates")


def _is_boilerplate(text: str) -> bool:
    if _BOILERPLATE.match(text):
        return True
    lowered = text.lower()
    # Cheap substring tests first: the regex only runs when one could match.
    if any(word in lowered for word in _BOILERPLATE_WORDS):
        return _BOILERPLATE_ANYWHERE.search(lowered) is not None
    return False


#: Substrings one of which a boilerplate paragraph holds when its opening does not say so.
_BOILERPLATE_WORDS = ("newsletter", "all rights reserved", "check back")

#: Site furniture that says what it is wherever it stands and however long it
#: runs (searched in the lower-cased text of paragraphs up to 80 words):
#: rights lines, e-mail alert and registration widgets, tip lines, app and
#: social promos. Crawled pages share these across unrelated stories.
_FURNITURE = re.compile(
    r"\bcopyright\s+(?:\(c\)\s*|\u00a9\s*)?(?:19|20)\d\d\b"
    r"|crime ?stoppers\b.{0,200}?(?:\btip|\d{3}\W{1,2}\d{3,4}\b)"
    r"|notifications?\b.{0,60}\b(?:saved|sent|daily|once a day)|your notification\b|delivered to your inbox"
    r"|registration information|thank you for registering|verification (?:message|e-?mail)"
    r"|confirmation e-?mail|already have an account|seeing you on \[website\]"
    r"|\b(?:download|grab|get|try) (?:our|the) (?:free |new )?[\w ]{0,30}\bapp[ .]"
    r"|^istock\b"
)
#: Substrings one of which every :data:`_FURNITURE` match holds (lower-cased):
#: an article without any skips the search, and a paragraph is searched only
#: for those its article holds (tests/test_text.py checks). Each costs about
#: 2.5 us an article, so they are few and short ones stand for several phrases.
_FURNITURE_WORDS = (
    "copyright",
    "stoppers",
    "ification",
    "inbox",
    "regist",
    "confirmation e",
    "have an account",
    "[website]",
    "istock",
    "app ",
    "app.",
)
_FURNITURE_WORD_BYTES = tuple(word.encode() for word in _FURNITURE_WORDS)
#: A video playlist entry: its running time, then its title (not "10:30 a.m. Police said…").
_PLAYLIST = re.compile(r"\d{1,2}:\d{2}\s+(?![aApP]\.?[mM]\b)[A-Z\"'\u2018\u201c]")
MAX_FURNITURE_WORDS = 80


def _is_furniture(stripped: str, words: tuple[str, ...] = _FURNITURE_WORDS) -> bool:
    """Whether the paragraph is site furniture; ``words``: those of
    :data:`_FURNITURE_WORDS` its article holds (no other can be in it)."""
    lowered = stripped.lower()
    if not any(word in lowered for word in words):
        return False
    return _FURNITURE.search(lowered) is not None and _word_count(stripped, MAX_FURNITURE_WORDS + 1) <= MAX_FURNITURE_WORDS


#: Matches where any of the four patterns matches (they all ignore case).
_SPECIAL_OPENING = re.compile("|".join(f"(?:{p.pattern})" for p in (_CREDIT_ONLY, _CORRECTION, _UPDATE, _WIRE_CREDIT)), re.I)
#: Matches wherever a pattern read at the start of a paragraph can: the four
#: above, boilerplate openings and the word that opens a byline. Wider than
#: they are (the byline's word in any case); one failed match rules all out.
_ANY_OPENING = re.compile(f"{_SPECIAL_OPENING.pattern}|{_BOILERPLATE.pattern}|(?:by|von|par|por)\\s", re.I)
_TAIL_CHARS = 300
_QUOTE_START = tuple("\"\u201c\u201e\u00ab'\u2018")
_BOILERPLATE_WORD_BYTES = tuple(word.encode() for word in _BOILERPLATE_WORDS)


def _word_count(stripped: str, up_to: int = 41) -> int:
    """``len(stripped.split())``, exact up to ``up_to`` (41: the largest count
    a kind depends on but furniture's)."""
    return len(stripped.split(maxsplit=up_to))


def _may_hold_words(utf8: bytes) -> tuple[bool, tuple[str, ...]]:
    """Whether any paragraph's ``lower()`` may hold one of
    :data:`_BOILERPLATE_WORDS`, and which of :data:`_FURNITURE_WORDS`, told
    from the article's paragraphs joined and encoded (as :class:`Paragraphs`
    holds them; a word made across two paragraphs only costs the slower path).
    ``str.lower`` makes an ASCII letter only from an ASCII letter, KELVIN SIGN
    or CAPITAL I WITH DOT ABOVE (tests/test_text.py checks all of Unicode);
    without those two, lower-casing the bytes (ASCII letters only) finds the
    same words, several times faster than lower-casing each paragraph's text."""
    if _KELVIN_SIGN in utf8 or _CAPITAL_I_WITH_DOT in utf8:
        return True, _FURNITURE_WORDS
    lowered = utf8.lower()
    furniture = tuple(word for word, encoded in zip(_FURNITURE_WORDS, _FURNITURE_WORD_BYTES, strict=True) if encoded in lowered)
    return any(word in lowered for word in _BOILERPLATE_WORD_BYTES), furniture


_KELVIN_SIGN = "\u212a".encode()
_CAPITAL_I_WITH_DOT = "\u0130".encode()


def classify(text: str, *, first: bool = False, has_headline: bool = False) -> str:
    """The kind of one paragraph, from its text and its place in the article.

    ``first``: the paragraph opens the article; ``has_headline``: the caller
    already knows the headline (front matter, HTML ``<h1>``, ninjs), so the
    first block is never promoted to one.
    """
    return _kind(text.strip(), first and not has_headline, True)


def _kind(
    stripped: str, may_be_headline: bool, may_hold_boilerplate_words: bool, furniture_words: tuple[str, ...] = _FURNITURE_WORDS
) -> str:
    """:func:`classify` of a stripped text. Tests that need a word count come
    after a cheaper test that rules them out for most paragraphs, because
    counting words takes longer than everything else here (2 us of 3 for a
    paragraph of 70 words)."""
    if not stripped:
        return "boilerplate"
    # The tail patterns are anchored at the end and span at most ~130
    # characters; searching only the tail keeps long paragraphs cheap.
    tail = stripped[-_TAIL_CHARS:]
    opens_special = opens_any = False
    if _ANY_OPENING.match(stripped) is not None:
        opens_any = True
        opens_special = _SPECIAL_OPENING.match(stripped) is not None
    if (opens_special and _CREDIT_ONLY.match(stripped)) or ("]" in tail and _CREDIT_TAIL.search(tail)):
        return "credit"
    if stripped.endswith(")") and _CAPTION_TAIL.search(tail):
        return "caption"
    if may_be_headline and _is_short_title(stripped, max_words=20):
        return "headline"
    if opens_special and _CORRECTION.match(stripped):
        return "correction"
    if opens_special and _UPDATE.match(stripped):
        return "update"
    if (opens_special and _WIRE_CREDIT.match(stripped)) or (opens_any and _BYLINE.match(stripped) and _word_count(stripped) <= 12):
        return "byline"
    if (opens_any or may_hold_boilerplate_words) and _word_count(stripped) <= 40 and _is_boilerplate(stripped):
        return "boilerplate"
    if furniture_words and _is_furniture(stripped, furniture_words):
        return "boilerplate"
    if stripped[:1].isdigit() and _PLAYLIST.match(stripped) and _word_count(stripped) <= 25:
        return "boilerplate"
    # A dateline opens with two characters in capitals or one and a space or
    # stop, which isupper() accepts; most paragraphs fail that before the regex.
    if stripped[:2].isupper() and _DATELINE.match(stripped) and _word_count(stripped) <= 6:
        if stripped.isupper() and len(stripped.split()) <= 3 and "," not in stripped:
            return "kicker"
        return "dateline"
    if stripped.startswith(_QUOTE_START) and _word_count(stripped) >= 5:
        return "quote"
    # A heading: short, capitalised, no final punctuation.
    if len(stripped) <= 90 and not _ends_sentence(stripped) and stripped[0].isupper() and _word_count(stripped) <= 12:
        return "heading"
    return "body"


def build_paragraphs(blocks: list[str], headline: str | None = None) -> Paragraphs:
    """Paragraphs with kinds for a list of blocks.

    With a known ``headline`` it becomes paragraph 0 unless the body already
    opens with it.
    """
    return kinded_paragraphs(blocks, headline)[0]


def kinded_paragraphs(blocks: list[str], headline: str | None = None) -> tuple[Paragraphs, list[str], list[str]]:
    """:func:`build_paragraphs`, and the texts and kinds it holds (for the
    article id, which loaders make from them)."""
    texts = list(blocks)
    known_headline = headline is not None and headline.strip() != ""
    if known_headline:
        assert headline is not None
        if not texts or normalise(texts[0]) != normalise(headline):
            texts.insert(0, headline.strip())
    utf8 = Paragraphs.encode(texts)
    may_hold_words, furniture_words = _may_hold_words(utf8)
    kinds = ["headline" if known_headline else _kind(text.strip(), True, may_hold_words, furniture_words) for text in texts[:1]]
    kinds += [_kind(text.strip(), False, may_hold_words, furniture_words) for text in texts[1:]]
    kinds = _neighbour_kinds(texts, kinds)
    return Paragraphs.from_texts(texts, kinds, utf8=utf8), texts, kinds


def _neighbour_kinds(texts: list[str], kinds: list[str]) -> list[str]:
    """Kinds that depend on neighbours: a short body line above a stand-alone
    credit is a caption; a heading sits above body paragraphs; a short line
    in capitals right under the headline is a kicker."""
    if "credit" not in kinds and "heading" not in kinds:
        return kinds
    out: list[str] = []
    for i, (text, kind) in enumerate(zip(texts, kinds, strict=True)):
        if kind == "body" and i + 1 < len(kinds) and kinds[i + 1] == "credit" and len(text.split()) <= 40:
            kind = "caption"
        if kind == "heading":
            if not any(later in CONTENT_KINDS for later in kinds[i + 1 :]):
                kind = "boilerplate" if i == len(kinds) - 1 else "body"
            elif i <= 1 and text.isupper():
                kind = "kicker"
        out.append(kind)
    return out


def headline_of(paragraphs: Sequence[Paragraph]) -> str:
    for p in paragraphs:
        if p.kind == "headline":
            return p.text
    for p in paragraphs:
        if p.kind in CONTENT_KINDS:
            return p.text if len(p.text) <= 80 else p.text[:77].rstrip() + "..."
    return ""


def content_text(paragraphs: Sequence[Paragraph]) -> str:
    """The body and quote text that similarity is computed on."""
    return "\n".join(content_texts(paragraphs))


def content_texts(paragraphs: Sequence[Paragraph]) -> tuple[str, ...]:
    """The texts of the body and quote paragraphs, in order."""
    if isinstance(paragraphs, Paragraphs):
        return paragraphs.content_texts()
    return tuple(p.text for p in paragraphs if p.is_content)
