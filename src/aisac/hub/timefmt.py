"""Timestamps as integer microseconds since the epoch: exact, sortable, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]00:00)$")


def now_us() -> int:
    """The current time in microseconds since the epoch."""
    return time.time_ns() // 1000


def parse_ts(text: object) -> int:
    """Parse an RFC 3339 UTC timestamp (STIX/TAXII form) into microseconds; digits past the 6th dropped.

    Anything else, an impossible date (February 30th) or a leap second (23:59:60, which the hub's
    microsecond clock cannot order) included, raises ValueError saying why.
    """
    m = _TS.match(text) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"not an RFC 3339 UTC timestamp: {text!r}"[:200])
    y, mo, d, h, mi, s, frac, _ = m.groups()
    if s == "60":
        raise ValueError(f"leap seconds are not accepted: {text!r}")
    try:
        base = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"not a valid date and time: {text!r} ({exc})") from exc
    micros = int((frac or "0")[:6].ljust(6, "0"))
    return int(base.timestamp()) * 1_000_000 + micros


def format_ts(us: int) -> str:
    """Format microseconds as a fixed-width RFC 3339 UTC timestamp (6 fractional digits)."""
    secs, micros = divmod(us, 1_000_000)
    return datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{micros:06d}Z"
