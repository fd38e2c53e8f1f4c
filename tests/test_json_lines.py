"""Feed lines are read by orjson where it reads them as the standard library
does (corpus._fast_json), and by the standard library everywhere else."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from storydiff.corpus import LoadOptions, load
from storydiff.corpus.jsonitems import _FAST_JSON_DECLINED, _fast_json
from storydiff.model import article_id

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
# Number literals as feeds write them, beyond what float repr gives: long
# mantissas, large exponents, integers past 64 bits.
LITERALS = st.from_regex(r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types throughout (1 is not 1.0; -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


def standard(raw: bytes) -> Any:
    return json.loads(raw.decode("utf-8"))


@settings(max_examples=400, deadline=None)
@given(VALUES, st.booleans())
def test_fast_reading_is_the_standard_reading(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    raw = text.encode("utf-8", "surrogatepass")
    fast = _fast_json(raw)
    if fast is not _FAST_JSON_DECLINED:
        assert same(fast, standard(raw))


@settings(max_examples=400, deadline=None)
@given(LITERALS)
def test_fast_reading_of_numbers_is_the_standard_reading(literal: str) -> None:
    raw = ('{"n": [' + literal + "]}").encode()
    fast = _fast_json(raw)
    if fast is not _FAST_JSON_DECLINED:
        assert same(fast, standard(raw))


def test_lines_orjson_reads_otherwise_go_to_the_standard_library() -> None:
    for raw in (
        b'{"id": 123456789012345678901234567890}',  # orjson: a float
        b'{"x": [{"y": -9223372036854775809}]}',
        b'{"x": NaN}',
        b'{"x": 1e400}',
        b'{"x": "\\ud83d"}',
        b'\xef\xbb\xbf{"x": 1}',
        b'{"x": "caf\xe9"}',
        b"   \n",
    ):
        assert _fast_json(raw) is _FAST_JSON_DECLINED, raw


def test_a_feed_reads_the_same_either_way(tmp_path) -> None:
    lines = [
        {"headline": "Port reopens", "body": "The port reopened on Monday after a week.\n\nShips queued.", "id": 2**70},
        {"headline": "Storm", "body": "Winds of 120 km/h hit the coast \ud83d overnight.", "published": "2026-01-02T03:04:05Z"},
        {"title": "Budget", "text": "The council passed the budget, 1.5e3 pages long.", "id": 7},
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"\n".join(json.dumps(item).encode() for item in lines) + b"\n\n")
    loaded = load([str(feed)], LoadOptions(workers=1)).articles
    assert [a.external_id for a in loaded] == [str(2**70), None, "7"]
    assert [a.path for a in loaded] == [f"{feed}:1", f"{feed}:2", f"{feed}:3"]
    assert "\ufffd overnight" in loaded[1].paragraphs[1].text
    assert all(a.id == article_id(a.paragraphs) for a in loaded)
