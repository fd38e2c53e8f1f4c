"""Bytes to text: UTF-8 first, then a guess that prefers cp1252 for Western text."""

from __future__ import annotations

import codecs
import re

from .base import BadInput


def decode(data: bytes) -> tuple[str, str | None]:
    """Bytes to text: UTF-8 (BOM or not), UTF-16 with BOM, else detected.

    Returns the text and a warning when the encoding had to be guessed.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _check_text(data[3:].decode("utf-8", errors="replace")), None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _check_text(data.decode("utf-16")), None
        except UnicodeDecodeError as exc:
            raise BadInput("invalid UTF-16 despite its byte-order mark; re-save the file as UTF-8") from exc
    if not data.strip():
        raise BadInput("empty file; nothing to load")
    if b"\x00" in data[:8192]:
        raise BadInput("binary file, not text; pass article files (.txt .md .html .json .jsonl)")
    try:
        return _check_text(data.decode("utf-8")), None
    except UnicodeDecodeError:
        pass
    return guess_decode(data)


#: A file this close to valid UTF-8 is UTF-8 with a few damaged bytes, not another encoding.
MAX_BAD_UTF8_SHARE = 0.002


#: What cp1252 adds to Latin-1 at 0x80-0x9F and the Latin-1 letters and signs Western text uses.
_WESTERN = re.compile(r"[\x20-\x7e\t\n\r\f\u00a0-\u00ff€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]*")


def guess_decode(data: bytes) -> tuple[str, str]:
    """Text that is not valid UTF-8, and the warning that says how it was read.

    Nearly valid UTF-8 (a few bad bytes in a long file) stays UTF-8 with the
    bad bytes replaced; Western text that cp1252 reads without an undefined
    byte is cp1252 (charset-normalizer often calls it cp1250 or a Mac code
    page, turning ``naïve`` into ``naďve``); anything else is detected."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    if bad <= max(8, MAX_BAD_UTF8_SHARE * len(data)) and _multibyte_utf8(data) > bad:
        warning = f"{bad} byte{'s' if bad != 1 else ''} not valid UTF-8, shown as U+FFFD; re-save the file as UTF-8 to fix them"
        return _check_text(text), warning
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = ""
    if western and _WESTERN.fullmatch(western) and _reads_as_western(western):
        return _check_text(western), "not UTF-8; read as cp1252 (Western European), re-save as UTF-8 to be sure"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise BadInput("unknown text encoding; re-save the file as UTF-8")
    return _check_text(str(best)), f"not UTF-8; read as {best.encoding} (detected), re-save as UTF-8 to be sure"


def _reads_as_western(text: str) -> bool:
    """Western European text has mostly plain letters, and no sign (¿ ³ ¹ ± ¶ ¼)
    inside a word: Polish or Russian bytes read as cp1252 have both."""
    letters = [c for c in text if c.isalpha()]
    accented = sum(1 for c in letters if ord(c) > 127)
    return accented <= 0.3 * len(letters) and not _SIGN_IN_WORD.search(text)


_SIGN_IN_WORD = re.compile(r"[^\W\d_][\u00a1-\u00bf][^\W\d_]")


def _multibyte_utf8(data: bytes) -> int:
    """How many well-formed multi-byte UTF-8 sequences the bytes hold."""
    return len(re.findall(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}", data))


def _check_text(text: str) -> str:
    if not text.strip():
        raise BadInput("empty file; nothing to load")
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 8:
        raise BadInput("binary file, not text; pass article files (.txt .md .html .json .jsonl)")
    return text
