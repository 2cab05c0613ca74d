"""api-log-v1 records as topic messages: a JSON object per record (spec names, RFC 3339 times), keyed by
`account.id` so that one account's requests stay in order on one partition.

Encoding runs inside DuckDB over the whole log; decoding is one orjson parse and the guard's own lenient
request builder per message, with the rules a log reader applies to a record that cannot be decided at all.
"""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from aisac.enforce.request import Request, RequestError, from_mapping
from aisac.logs import schema as s
from aisac.logs.checks import quote
from aisac.logs.reader import Log

BATCH_ROWS = 65_536


class RecordError(ValueError):
    """A message that cannot be decided (not a JSON object, no account, no usable time); names the rule."""


def encoded(log: Log) -> Iterator[tuple[list[str], list[str]]]:
    """The log's records in time order as (keys, JSON values) batches; times as RFC 3339 UTC with 'Z'."""
    present = {r[0] for r in log.con.execute("SELECT name FROM pragma_table_info('requests')").fetchall()}
    fields = []
    for c in s.COLUMNS:
        if c.name not in present:
            continue
        value = quote(c.name)
        if c.kind is s.Kind.TIME:
            value = f"strftime({value}, '%Y-%m-%dT%H:%M:%S.%fZ')"
        fields.append(f"'{c.name}', {value}")
    query = (
        f"SELECT {quote(s.ACCOUNT)} AS k, json_object({', '.join(fields)})::VARCHAR AS v "
        f"FROM requests ORDER BY {quote(s.TIME)}"
    )
    log.con.execute("SET TimeZone = 'UTC'")
    for batch in log.con.sql(query).to_arrow_reader(BATCH_ROWS):
        yield batch.column("k").to_pylist(), batch.column("v").to_pylist()


def decode(value: bytes | None) -> tuple[Request, str | None]:
    """(request, event id) of a message value; RecordError when the record cannot be decided."""
    if value is None:
        raise RecordError("empty message (no value)")
    try:
        d = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise RecordError(f"not JSON: {exc}") from None
    try:
        req = from_mapping(d)
    except RequestError as exc:
        raise RecordError(str(exc)) from None
    if req.time is None:
        why = next((f for f in req.faults if f.startswith(s.TIME)), f"{s.TIME}: required")
        raise RecordError(why)
    event = d.get(s.EVENT_ID)
    return req, event if type(event) is str and event else None
