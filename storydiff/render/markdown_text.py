"""Escaping article text for GitHub/GitLab Markdown and Jira wiki markup."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>&~])")
_LEADING_LIST = re.compile(r"^(\s*)(\d+)([.)])(\s)|^(\s*)([-+])(\s)")


def escape(text: str) -> str:
    """Article text as inert Markdown: no emphasis, links, HTML or lists."""
    escaped = _MD_SPECIAL.sub(
        lambda m: "&amp;" if m.group(1) == "&" else "&lt;" if m.group(1) == "<" else "&gt;" if m.group(1) == ">" else "\\" + m.group(1),
        text,
    )
    return _LEADING_LIST.sub(
        lambda m: f"{m.group(1)}{m.group(2)}\\{m.group(3)}{m.group(4)}" if m.group(2) else f"{m.group(5)}\\{m.group(6)}{m.group(7)}",
        escaped,
    )


def fence_for(text: str, char: str = "`") -> str:
    """A code fence longer than any run of the fence character in ``text``."""
    longest = max((len(run) for run in re.findall(re.escape(char) + "+", text)), default=0)
    return char * max(3, longest + 1)


_JIRA_SPECIAL = re.compile(r"([\\{}\[\]|*_+\-^~?#!])")


def escape_jira(text: str) -> str:
    return _JIRA_SPECIAL.sub(r"\\\1", text)
