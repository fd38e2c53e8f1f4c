"""Loader: every format, every encoding, every kind of bad input."""

from __future__ import annotations

import codecs
import io
import json
import os
from pathlib import Path

import pytest
from conftest import FIXTURES, SEEDS

from storydiff.corpus import LoadOptions, load
from storydiff.model import Article
from storydiff.text import segment

BODY = "The council approved the new bridge on Tuesday after a long debate about its cost and design."


def _one(path: Path, **options: object) -> Article:
    corpus = load([str(path)], LoadOptions(**options))  # type: ignore[arg-type]
    assert not corpus.skipped, corpus.skipped
    assert len(corpus.articles) == 1
    return corpus.articles[0]


def _skip_reason(path: Path, **options: object) -> str:
    corpus = load([str(path)], LoadOptions(**options))  # type: ignore[arg-type]
    assert not corpus.articles
    assert len(corpus.skipped) == 1
    return corpus.skipped[0].reason


def test_txt_seed_headline_and_kinds() -> None:
    article = _one(SEEDS / "000_32805d528c66c277.txt")
    assert article.headline == "Aleppo"
    assert [p.kind for p in article.paragraphs[:3]] == ["headline", "credit", "body"]
    assert article.path.endswith("seeds/000_32805d528c66c277.txt")


def test_txt_opening_with_a_caption_has_no_headline_paragraph() -> None:
    article = _one(SEEDS / "002_672c4604ee927781.txt")
    assert article.paragraphs[0].kind == "credit"
    assert all(p.kind != "headline" for p in article.paragraphs)


def test_markdown_front_matter(tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text(
        "---\nheadline: Bridge approved\npublished: 2025-01-02T10:00:00+01:00\nmodified: 2025-01-02T12:30:00+01:00\n"
        "url: https://x.example/a\nid: abc-1\nsource: Gazette\n---\n\n"
        + "Some **bold** [link](http://x) text here.\n\n## Section\n\nMore text.\n",
        encoding="utf-8",
    )
    article = _one(f)
    assert article.headline == "Bridge approved"
    assert article.published is not None and article.published.isoformat() == "2025-01-02T10:00:00+01:00"
    assert article.modified is not None and article.modified.isoformat() == "2025-01-02T12:30:00+01:00"
    assert (article.url, article.external_id, article.source) == ("https://x.example/a", "abc-1", "Gazette")
    assert [p.text for p in article.paragraphs] == ["Bridge approved", "Some bold link text here.", "Section", "More text."]


def test_html_extraction_and_times(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Bridge | Gazette</title>"
        '<meta property="article:published_time" content="2025-01-02T09:15:30Z">'
        '<script type="application/ld+json">{"@type":"NewsArticle","dateModified":"2025-01-02T11:00:00+00:00"}</script>'
        "</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        "<div id='cookie'>We use cookies to improve your experience. Accept all cookies.</div>"
        "<article><h1>Bridge approved</h1>" + "".join(f"<p>{BODY} Paragraph {i}.</p>" for i in range(4)) + "</article>"
        "<footer>© 2025 Gazette. All rights reserved. Contact us.</footer></body></html>"
    )
    f = tmp_path / "page.html"
    f.write_text(page, encoding="utf-8")
    article = _one(f)
    assert article.headline == "Bridge approved"
    assert article.published is not None and article.published.isoformat() == "2025-01-02T09:15:30+00:00"
    assert article.modified is not None and article.modified.isoformat() == "2025-01-02T11:00:00+00:00"
    text = " ".join(p.text for p in article.paragraphs)
    assert "cookies" not in text and "Home" not in text and "All rights reserved" not in text
    assert sum(p.kind == "body" for p in article.paragraphs) == 4


def test_generic_json(tmp_path: Path) -> None:
    f = tmp_path / "a.json"
    f.write_text(
        json.dumps({"title": "Bridge approved", "text": BODY + "\n\nSecond paragraph here.", "published": "2025-01-02"}), encoding="utf-8"
    )
    article = _one(f)
    assert article.headline == "Bridge approved"
    assert article.published is not None and article.published.isoformat() == "2025-01-02T00:00:00+00:00"
    assert len(article.paragraphs) == 3


@pytest.mark.parametrize(
    "item",
    [
        {"headline": "Bridge approved", "body_text": BODY, "versioncreated": "2025-01-02T10:00:00Z"},
        {
            "headlines": [{"role": "main", "value": "Bridge approved"}],
            "bodies": [{"role": "main", "contenttype": "text/plain", "value": BODY}],
            "versioncreated": "2025-01-02T10:00:00Z",
        },
        {
            "headlines": [{"role": "main", "value": "Bridge approved"}],
            "bodies": [{"role": "main", "contentType": "text/html", "value": f"<p>{BODY}</p>"}],
            "versionCreated": "2025-01-02T10:00:00Z",
        },
    ],
    ids=["ninjs-1.x", "ninjs-2.x", "ninjs-3.x"],
)
def test_ninjs_versions(tmp_path: Path, item: dict) -> None:
    f = tmp_path / "item.json"
    f.write_text(json.dumps(item), encoding="utf-8")
    article = _one(f)
    assert article.headline == "Bridge approved"
    assert article.paragraphs[1].text == BODY
    assert article.modified is not None and article.modified.isoformat() == "2025-01-02T10:00:00+00:00"


def test_jsonl_streams_and_names_lines(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"
    f.write_text(
        json.dumps({"headline": "One", "body": BODY}) + "\n{broken\n\n" + json.dumps({"headline": "Two", "body": BODY + " Again."}) + "\n",
        encoding="utf-8",
    )
    corpus = load([str(f)])
    assert [a.path.rsplit("/", 1)[-1] for a in corpus.articles] == ["feed.jsonl:1", "feed.jsonl:4"]
    assert [s.path.rsplit("/", 1)[-1] for s in corpus.skipped] == ["feed.jsonl:2"]
    assert "malformed JSON" in corpus.skipped[0].reason


@pytest.mark.parametrize("ending", ["\n", ""])
def test_parallel_jsonl_gives_the_same_events_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str) -> None:
    import storydiff.corpus.feeds as corpus_module

    lines = [json.dumps({"headline": f"Story {i}", "body": f"{BODY} Number {i}."}) for i in range(2500)]
    lines[7] = "{broken"
    lines[1800] = ""
    lines[2400] = "{broken again"  # a line number counted across many chunks
    feed, blank = tmp_path / "feed.jsonl", tmp_path / "blank.jsonl"
    feed.write_text("\n".join(lines) + ending, encoding="utf-8")
    blank.write_text("\n\n", encoding="utf-8")
    serial = load([str(feed), str(blank)], LoadOptions(workers=1))
    monkeypatch.setattr(corpus_module, "PARALLEL_JSONL_BYTES", 0)
    monkeypatch.setattr(corpus_module, "_JSONL_CHUNK_BYTES", 5000)  # many chunks, so line numbers cross them
    parallel = load([str(feed), str(blank)], LoadOptions(workers=2))
    assert parallel.articles == serial.articles
    assert [a.id for a in parallel.articles] == [a.id for a in serial.articles]
    assert [a.position for a in parallel.articles] == [a.position for a in serial.articles]
    assert parallel.skipped == serial.skipped
    assert [s.reason for s in serial.skipped][-1] == "empty file; nothing to load"


def test_directory_natural_order_and_hidden_files(tmp_path: Path) -> None:
    for name in ("10_b.txt", "2_a.txt", ".hidden.txt", "notes.png"):
        (tmp_path / name).write_text(BODY, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text(BODY, encoding="utf-8")
    corpus = load([str(tmp_path)])
    assert [a.path.rsplit("/", 1)[-1] for a in corpus.articles] == ["2_a.txt", "10_b.txt"]


def test_stdin(tmp_path: Path) -> None:
    corpus = load(["-"], LoadOptions(stdin_format="txt"), stdin=io.BytesIO(("Head line\n\n" + BODY).encode()))
    assert corpus.articles[0].path == "-"
    assert corpus.articles[0].headline == "Head line"


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_encodings_with_bom(tmp_path: Path, bom: bytes, codec: str) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(bom + ("Caf\u00e9 opens\n\n" + BODY).encode(codec))
    assert _one(f).headline == "Caf\u00e9 opens"


def test_legacy_encoding_is_detected_with_a_warning(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(
        (
            "Caf\u00e9 r\u00e9ouvre ses portes\n\n"
            + "Le caf\u00e9 de la gare a rouvert mardi apr\u00e8s des travaux, a d\u00e9clar\u00e9 le maire. " * 3
        ).encode("latin-1")
    )
    corpus = load([str(f)])
    assert corpus.articles[0].headline == "Caf\u00e9 r\u00e9ouvre ses portes"
    assert corpus.warnings and "read as cp1252" in corpus.warnings[0].message


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"   \n\n  ", "empty file"),
        ("bad.json", b'{"headline": "x", ', "malformed JSON"),
        ("list.json", b"[[1, 2], [3]]", "not of article objects"),
        ("nobody.json", b'{"headline": "x"}', "no article text"),
        ("broken.html", b"<html><body><div><<<>>></div>", "no article text found"),
        ("front.md", b"---\nheadline: [unclosed\n---\nBody text.\n", "malformed YAML"),
    ],
)
def test_bad_input_is_skipped_with_a_reason(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    assert expected in _skip_reason(f)


def test_article_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    f.write_text(BODY * 20, encoding="utf-8")
    assert "over --max-article-bytes" in _skip_reason(f, max_article_bytes=100)


def test_missing_path_is_skipped_and_others_still_load(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(BODY, encoding="utf-8")
    corpus = load([str(tmp_path / "nope.txt"), str(good)])
    assert len(corpus.articles) == 1
    assert corpus.skipped[0].reason == "no such file or directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read unreadable files")
def test_unreadable_file(tmp_path: Path) -> None:
    f = tmp_path / "locked.txt"
    f.write_text(BODY, encoding="utf-8")
    f.chmod(0)
    assert "cannot read" in _skip_reason(f)


# --- the devgold loader cases 16-18 ---------------------------------------------


def _blocks(path: Path) -> list[str]:
    return [b.strip() for b in segment(path.read_text(encoding="utf-8"))]


def test_case16_html_page_equals_archive_text(devgold: Path) -> None:
    case = devgold / "cases" / "16-loader-html-swimming-baths"
    article = _one(case / "page.html")
    assert [p.text for p in article.paragraphs] == _blocks(case / "archive.txt")
    assert article.published is not None and article.published.isoformat() == "2025-11-19T22:05:00+00:00"
    assert article.modified is not None and article.modified.isoformat() == "2025-11-20T08:40:00+00:00"


def test_case17_markdown(devgold: Path) -> None:
    article = _one(devgold / "cases" / "17-loader-md-weather-stations" / "post.md")
    assert [p.text for p in article.paragraphs] == _blocks(FIXTURES / "loader" / "case17-post.expected.txt")
    assert [p.kind for p in article.paragraphs].count("heading") == 2
    assert article.published is not None and article.published.isoformat() == "2025-03-14T09:30:00+00:00"


def test_case18_ninjs(devgold: Path) -> None:
    article = _one(devgold / "cases" / "18-loader-ninjs-formula-recall" / "v2.json")
    assert [p.text for p in article.paragraphs] == _blocks(FIXTURES / "loader" / "case18-v2.expected.txt")
    assert article.headline == "Little Acorn widens infant formula recall to five batches"


def test_lone_surrogate_escapes_in_json_become_replacement_characters(tmp_path: Path) -> None:
    """Half of a cut emoji ("\\ud83d") cannot be written as UTF-8; it must not
    stop the load or the reports."""
    from click.testing import CliRunner

    from storydiff.cli import main

    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"headline": "Cut \ud83d", "body": f"{BODY} \udc00 end. Whole \U0001f600 pair."}) + "\n", encoding="utf-8")
    corpus = load([str(feed)])
    assert corpus.articles[0].headline == "Cut \ufffd"
    assert "\ufffd end." in corpus.articles[0].body and "\U0001f600" in corpus.articles[0].body
    result = CliRunner().invoke(main, ["cluster", str(feed), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "Cut \ufffd" in json.loads(result.stdout)["clusters"][0]["label"]


def test_natural_order_counts_digit_runs_and_keeps_other_digits_as_text() -> None:
    from storydiff.corpus import natural_key

    names = ["v10.txt", "v2.txt", "V1.txt", "v1\u00b2.txt", "v\u0662.txt"]
    # "²" is a digit to isdigit() but not a decimal one: it sorts as text, not
    # as a number. Other scripts' decimal digits count ("٢" is 2).
    assert sorted(names, key=natural_key) == ["V1.txt", "v1\u00b2.txt", "v2.txt", "v\u0662.txt", "v10.txt"]


def test_a_superscript_in_a_file_name_loads(tmp_path: Path) -> None:
    (tmp_path / "story1\u00b2.txt").write_text(
        "Headline\n\nA paragraph of the story, long enough to count as body text here.\n", encoding="utf-8"
    )
    (tmp_path / "story1.txt").write_text("Headline\n\nAnother paragraph of the story, long enough to be body text too.\n", encoding="utf-8")
    corpus = load([str(tmp_path)])
    assert [Path(a.path).name for a in corpus.articles] == ["story1.txt", "story1\u00b2.txt"]


def test_parallel_jsonl_leaves_ids_to_the_parent_once_its_kernel_is_warm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import storydiff.corpus.feeds as corpus_module
    from storydiff import normalised

    normalised.warm()
    made: list[int] = []

    class CountingIds(normalised.BodyIds):
        def __call__(self, stores):  # type: ignore[no-untyped-def]
            made.append(len(stores))
            return super().__call__(stores)

    lines = [json.dumps({"headline": f"Story {i}", "body": f"{BODY} Number {i} – “quoted”."}) for i in range(300)]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    serial = load([str(feed)], LoadOptions(workers=1))
    monkeypatch.setattr(corpus_module, "PARALLEL_JSONL_BYTES", 0)
    monkeypatch.setattr(corpus_module, "_JSONL_CHUNK_BYTES", 5000)
    monkeypatch.setattr(normalised, "BodyIds", CountingIds)
    parallel = load([str(feed)], LoadOptions(workers=2))
    assert sum(made) == 300
    assert [a.id for a in parallel.articles] == [a.id for a in serial.articles]
