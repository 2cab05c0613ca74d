"""How times are written in every file aisac reads: RFC 3339 with a required offset."""

from __future__ import annotations

#: RFC 3339 date-time with a required offset (`Z` or `±hh:mm`); fractional seconds optional.
RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
