"""Index statistics as a short table or JSON."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from tabulate import tabulate

from . import STATS_FORMATS, json_text, register


def _when(epoch: float | None) -> str:
    return "" if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


@register(STATS_FORMATS, "table")
def render_stats_table(doc: dict[str, Any]) -> str:
    params = doc["params"]
    rows = [
        ["index", f"{doc['index']} ({doc['backend']}, {doc['schema']})"],
        [
            "articles",
            f"{doc['articles']:,}"
            + (
                f" (and {doc['sightings']:,} sighting{'' if doc['sightings'] == 1 else 's'}: the same text elsewhere)"
                if doc["sightings"]
                else ""
            ),
        ],
        ["stories", f"{doc['stories']:,} ({doc['stories_with_versions']:,} with several versions)"],
        ["links", f"{doc['links']:,}"],
        ["key rows", f"{doc['band_rows']:,} band, {doc['passage_rows']:,} passage"],
        ["oldest", _when(doc["oldest"])],
        ["newest", _when(doc["newest"])],
        ["size", f"{doc['size_bytes'] / 1e6:,.1f} MB"],
        [
            "parameters",
            f"{params['num_perm']} permutations, {params['bands']} bands, {params['shingle_size']}-word shingles, "
            f"jaccard {params['min_jaccard']} / containment {params['min_containment']}",
        ],
    ]
    return tabulate(rows, tablefmt="plain", disable_numparse=True) + "\n"


@register(STATS_FORMATS, "json")
def render_stats_json(doc: dict[str, Any]) -> str:
    return json_text(doc, sort_keys=True)
