"""Article text made inert for where reports land: GitHub/GitLab Markdown, Jira
wiki markup and terminals.

GitHub links mentions (``@name``), issue references (``#123``, ``GH-123``) and
bare URLs *after* rendering, so a backslash does not stop them; GitLab adds
``!123`` (merge requests), ``$123`` (snippets), ``~label``, ``%milestone``
and ``&epic``. A WORD JOINER (U+2060, invisible and not a space) after the
sigil, and inside ``://`` and ``www.``, breaks each pattern while the text
reads, copies and searches the same to a person.
"""

from __future__ import annotations

import re
import unicodedata

WORD_JOINER = "\u2060"

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>&~])")
_LEADING_LIST = re.compile(r"^(\s*)(\d+)([.)])(\s)|^(\s*)([-+])(\s)")
#: A sigil that a forge turns into a link when a word or number follows it.
_SIGIL = re.compile(r"([@#~%])(?=\w)|([!$&])(?=\d)|\b(GH|gh)-(?=\d)")
_AUTOLINK = re.compile(r"(?i)(\w)(://)|\b(www)(\.)")


def neutralise(text: str) -> str:
    """Mentions, references and bare URLs in ``text`` no longer link anywhere."""
    text = _SIGIL.sub(lambda m: (m.group(1) or m.group(2) or f"{m.group(3)}-") + WORD_JOINER, text)
    return _AUTOLINK.sub(
        lambda m: f"{m.group(1)}{WORD_JOINER}{m.group(2)}" if m.group(1) else f"{m.group(3)}{WORD_JOINER}{m.group(4)}", text
    )


def escape(text: str) -> str:
    """Article text as inert Markdown: no emphasis, links, mentions, references, HTML or lists."""
    escaped = _MD_SPECIAL.sub(
        lambda m: "&amp;" if m.group(1) == "&" else "&lt;" if m.group(1) == "<" else "&gt;" if m.group(1) == ">" else "\\" + m.group(1),
        neutralise(visible(text)),
    )
    return _LEADING_LIST.sub(
        lambda m: f"{m.group(1)}{m.group(2)}\\{m.group(3)}{m.group(4)}" if m.group(2) else f"{m.group(5)}\\{m.group(6)}{m.group(7)}",
        escaped,
    )


_JIRA_SPECIAL = re.compile(r"([\\{}\[\]|*_+\-^~?#!])")


def escape_jira(text: str) -> str:
    """Article text as inert Jira wiki markup: every brace is escaped, so no
    block macro opens or closes whatever its case or parameters
    (``{noformat}``, ``{NOFORMAT}``, ``{code:title=x}``), and no mention
    (``[~user]``, ``@user``) or link forms."""
    return _JIRA_SPECIAL.sub(r"\\\1", neutralise(visible(text)))


def visible(text: str) -> str:
    """C0 and C1 control characters (ESC, BEL, CSI…) shown as ``\\x1b``-style
    escapes, so text from an article or a file name cannot drive a terminal;
    tab and line feed stay."""
    if text.isprintable():
        return text
    return "".join(
        c if c in "\t\n" or unicodedata.category(c) != "Cc" else f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}" for c in text
    )
