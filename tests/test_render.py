from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st

from storydiff.align import align
from storydiff.cli import main
from storydiff.model import Article
from storydiff.render import DIFF_FORMATS, json_text
from storydiff.render.diff import render_markdown, render_terminal
from storydiff.render.markdown_text import escape
from storydiff.report import diff_document
from storydiff.text import build_paragraphs

OLD = str(SEEDS / "000_32805d528c66c277.txt")
NEW = str(SEEDS / "002_672c4604ee927781.txt")
HOSTILE = '<script>alert("x")</script> and <img src=x onerror=alert(1)> in a paragraph of the story text here.'


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_diff_json_contract() -> None:
    doc = json.loads(run("diff", OLD, NEW, "--format", "json").stdout)
    assert doc["schema"] == "storydiff.diff/2"
    assert set(doc["old"]) == {"path", "headline", "paragraphs"}
    assert set(doc["old"]["paragraphs"][0]) == {"index", "kind", "text"}
    assert set(doc["summary"]) == {
        "copied",
        "edited",
        "split",
        "merged",
        "moved",
        "added",
        "removed",
        "reuse_of_new",
        "coverage_of_old",
        "silent_substantive_edits",
    }
    for entry in doc["alignment"]:
        assert set(entry) == {"op", "old", "new", "moved", "similarity", "significance", "changes", "words", "shares_with", "edits"}
    assert doc["moved_sentences"][0] == {
        "text": "This is the biggest victory for Bashar-al Assad's regime in the country yet.",
        "old": 3,
        "new": 3,
    }
    assert doc["sections_added"][0]["heading"] == 4


def test_diff_exit_codes(tmp_path: Path) -> None:
    assert run("diff", OLD, OLD, "--exit-code").exit_code == 0
    assert run("diff", OLD, NEW, "--exit-code").exit_code == 1
    assert run("diff", OLD, NEW).exit_code == 0
    result = run("diff", OLD, str(tmp_path / "missing.txt"))
    assert result.exit_code == 2 and "storydiff: skipped" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt", sorted(DIFF_FORMATS))
def test_every_format_is_byte_identical_between_runs(fmt: str) -> None:
    assert run("diff", OLD, NEW, "--format", fmt).stdout == run("diff", OLD, NEW, "--format", fmt).stdout


def test_terminal_has_no_colour_without_a_terminal_and_with_no_color(monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run("diff", OLD, NEW).stdout
    doc = diff_document(align(*_pair("Body text one here today.", "Body text two here today.")))
    assert "\x1b[" in render_terminal(doc, color=True)


def test_markdown_escapes_article_text() -> None:
    assert escape("a | b <x> & *y* _z_ [l](u) `c` #h \\") == "a \\| b &lt;x&gt; &amp; \\*y\\* \\_z\\_ \\[l\\](u) \\`c\\` \\#\u2060h \\\\"
    assert escape("1. not a list") == "1\\. not a list"
    assert escape("- not a bullet") == "\\- not a bullet"


def _pair(old_text: str, new_text: str) -> tuple[Article, Article]:
    return (
        Article("old.txt", build_paragraphs([old_text], "Headline")),
        Article("new.txt", build_paragraphs([new_text], "Headline")),
    )


def test_markdown_budget_never_cuts_inside_a_fence() -> None:
    old = Article("old.txt", build_paragraphs([f"Old paragraph number {i} about the harbour works and boats." for i in range(200)], "H"))
    new = Article(
        "new.txt", build_paragraphs([f"New paragraph {i} with a ```fence``` and more words to fill space." for i in range(200)], "H")
    )
    text = render_markdown(diff_document(align(old, new)), budget=3000)
    assert len(text) <= 3000
    assert "more change" in text and "omitted" in text
    assert text.count("<details>") == text.count("</details>")
    assert all(len(re.findall(r"^````+diff$|^````+$", text, re.M)) % 2 == 0 for _ in [0])


def test_html_keeps_hostile_article_text_as_text() -> None:
    old, new = _pair("A calm paragraph about the council budget for next year.", HOSTILE)
    page = DIFF_FORMATS["html"](diff_document(align(old, new)))
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    assert "http" not in page.split("<body>")[0]  # no external resources


CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI", "").lower() != "true", reason="/usr/bin/chromium is missing (apt-get install chromium)"
)
@pytest.mark.slow
def test_html_report_in_a_real_browser(tmp_path: Path) -> None:
    assert CHROMIUM is not None, "CI must install chromium"
    old, new = _pair("A calm paragraph about the council budget for next year.", HOSTILE)
    page = tmp_path / "report.html"
    page.write_text(DIFF_FORMATS["html"](diff_document(align(old, new))), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
        ).stdout
    assert "<script" not in dom.lower() and "<img" not in dom.lower()
    assert "&lt;script&gt;alert" in dom
    shot = tmp_path / "shot.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1200,900", page.as_uri()],
            capture_output=True,
            timeout=120,
        )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    assert width >= 800
    import zlib

    raw = zlib.decompress(b"".join(_png_chunks(data, b"IDAT")))
    assert len(set(raw[1 : 1 + width * 3])) > 1 or len(set(raw)) > 2, "screenshot is one colour"


def _png_chunks(data: bytes, kind: bytes) -> list[bytes]:
    chunks, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        if data[pos + 4 : pos + 8] == kind:
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return chunks


def test_committed_reports_are_current(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    assert run("report", "seeds/", "-o", str(tmp_path)).exit_code == 0
    committed = sorted(p.name for p in (REPO / "reports").iterdir())
    assert committed == sorted(p.name for p in tmp_path.iterdir())
    for name in committed:
        assert (tmp_path / name).read_bytes() == (REPO / "reports" / name).read_bytes(), (
            f"reports/{name} is stale: run storydiff report seeds/ -o reports/"
        )


def test_report_json_has_story_diffs_and_lineage(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    run("report", "seeds/", "-o", str(tmp_path), "--formats", "json")
    (report,) = [p for p in tmp_path.iterdir() if p.suffix == ".json"]
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert doc["schema"] == "storydiff.report/1"
    assert len(doc["diffs"]) == 1 and doc["diffs"][0]["schema"] == "storydiff.diff/2"
    assert doc["lineage"][2] == {"paragraph": 2, "first_version": 1, "ops": ["edited"]}


# What report documents hold: counts, scores rounded to 4 places, any text.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(0, 1e6).map(lambda x: round(x, 4))
    | st.text(st.characters(blacklist_categories=()))
)
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4))


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, st.booleans())
def test_json_text_writes_what_the_standard_library_writes(document: object, sort_keys: bool) -> None:
    assert json_text(document, sort_keys=sort_keys) == json.dumps(document, ensure_ascii=False, indent=2, sort_keys=sort_keys) + "\n"
