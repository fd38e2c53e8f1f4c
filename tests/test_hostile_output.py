"""Article text with mentions, references, URLs, Jira macros, terminal escapes,
HTML and fence runs goes through every format with nothing live coming out.

Markdown is checked as GitHub shows it: rendered by cmark-gfm with GitHub's
extensions, then the HTML is read.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SEEDS

from storydiff.cli import main

HOSTILE = FIXTURES / "hostile"
OLD, NEW = str(HOSTILE / "old.txt"), str(HOSTILE / "new.txt")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        message = f"{tool} is not installed (Debian package; .ci/run installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def github_html(markdown: str) -> str:
    """What GitHub shows of a comment, near enough: cmark-gfm with its extensions."""
    command = [_need("cmark-gfm"), "--unsafe", *(arg for e in ("autolink", "table", "strikethrough", "tagfilter") for arg in ("-e", e))]
    return subprocess.run(command, input=markdown, capture_output=True, text=True, check=True).stdout


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("fmt", ["markdown", "report"])
def test_markdown_renders_no_mention_reference_link_or_element_from_article_text(fmt: str, tmp_path: Path) -> None:
    if fmt == "markdown":
        markdown = _cli("diff", OLD, NEW, "--format", "markdown")
    else:
        _cli("report", OLD, NEW, "-o", str(tmp_path), "--formats", "markdown", "--min-containment", "0.1")
        markdown = next(p for p in tmp_path.glob("s*.md")).read_text(encoding="utf-8")
    html = github_html(markdown)
    text = _visible_text(html)
    assert "<a " not in html, "autolinked URL, e-mail or link"
    assert "<script" not in html and "<img" not in html, "raw HTML from the article"
    assert html.count("<details>") == html.count("</details>"), "article text closed or opened a <details>"
    assert "&lt;/details&gt;" in html
    for trick in (r"@alice", r"@bob", r"#123", r"GH-45", r"!67", r"\$89", r"~bug", r"%v1", r"https://evil", r"www\.evil", r"leak@example"):
        assert not re.search(trick, text), f"{trick} would link or mention on GitHub/GitLab"
    assert "alice" in text and "123" in text, "the words themselves still show"
    assert "<pre" not in html, "a fence run from the article opened a code block"
    assert not CONTROL.search(html)


def test_jira_escapes_every_spelling_of_the_block_macros_and_mentions() -> None:
    jira = _cli("diff", OLD, NEW, "--format", "jira").replace("{panel:title=Silent edit|borderColor=#c00}", "").replace("{panel}*", "*")
    jira = re.sub(r"\{panel\}$", "", jira, flags=re.M)
    for macro in ("noformat", "NOFORMAT", "Noformat", "noformat:title=x", "code", "CODE:java", "panel", "quote"):
        assert "{" + macro not in jira.replace("\\{" + macro, ""), f"live Jira macro {{{macro}"
    assert "[~bob]" not in jira and "\\[\\~\u2060bob\\]" in jira
    assert "@alice" not in jira
    assert not CONTROL.search(jira)


def test_terminal_shows_control_characters_as_escapes_on_stdout_and_stderr(tmp_path: Path) -> None:
    out = _cli("diff", OLD, NEW)
    assert not CONTROL.search(out)
    assert "\\x1b]0;pwned\\x07" in out and "\\x9b31m" in out
    bad = tmp_path / "bad\x1b[2Jname.txt"
    bad.write_bytes(b"")
    result = CliRunner().invoke(main, ["cluster", str(bad), OLD])
    assert result.exit_code == 0
    assert not CONTROL.search(result.output)
    assert "bad\\x1b[2Jname.txt" in result.output


def test_html_stays_inert() -> None:
    html = _cli("diff", OLD, NEW, "--format", "html")
    assert "<script" not in html and "<img" not in html and "<details" not in html
    assert "&lt;script&gt;" in html
    assert not CONTROL.search(html)


def test_json_keeps_the_article_text_as_it_is() -> None:
    import json

    document = json.loads(_cli("diff", OLD, NEW, "--format", "json"))
    assert any("@alice" in p["text"] for p in document["new"]["paragraphs"])


def test_output_files_honour_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        _cli("diff", OLD, NEW, "--format", "markdown", "-o", str(tmp_path / "comment.md"))
        _cli("report", str(SEEDS), "-o", str(tmp_path / "reports"))
    finally:
        os.umask(previous)
    made = [tmp_path / "comment.md", *(tmp_path / "reports").iterdir()]
    assert made and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in made), {p.name: oct(p.stat().st_mode) for p in made}


@pytest.mark.slow
def test_seeds_report_screenshots(tmp_path: Path) -> None:
    """Chromium screenshots of the seeds comment as GitHub renders it and of the
    HTML report, kept as test artefacts ($STORYDIFF_ARTEFACTS, else a temporary folder)."""
    chromium = _need("chromium")
    artefacts = Path(os.environ.get("STORYDIFF_ARTEFACTS") or tmp_path)
    artefacts.mkdir(parents=True, exist_ok=True)
    _cli("report", str(SEEDS), "-o", str(tmp_path / "reports"))
    markdown = next((tmp_path / "reports").glob("s*.md")).read_text(encoding="utf-8")
    page = tmp_path / "comment.html"
    page.write_text(
        '<!DOCTYPE html><meta charset="utf-8"><style>body{font:14px/1.5 sans-serif;max-width:900px;margin:20px auto}'
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px}</style>" + github_html(markdown),
        encoding="utf-8",
    )
    report = next((tmp_path / "reports").glob("s*.html"))
    for source, name in ((page, "seeds-comment.png"), (report, "seeds-report.png")):
        target = artefacts / name
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--hide-scrollbars",
                "--window-size=1000,1400",
                f"--screenshot={target}",
                source.as_uri(),
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert target.exists() and target.stat().st_size > 20_000, f"no screenshot of {source.name}"
