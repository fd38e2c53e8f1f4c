"""Times as loaders read them and as reports write them (ISO 8601 with offset)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (or a YAML date) to an aware datetime; naive times are UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        raw = str(value).strip()
        if raw.endswith(("Z", "z")):
            raw = raw[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def format_time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
