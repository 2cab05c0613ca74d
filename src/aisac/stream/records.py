"""api-log-v1 records as topic messages: a JSON object per record (spec names, RFC 3339 times), keyed by
`account.id` so that one account's requests stay in order on one partition.

Encoding runs inside DuckDB over the whole log. Decoding takes a consumer's batch at once: Arrow's JSON
reader parses it against the spec's schema in C++ and the Requests are built from its columns as a replay
builds them. A batch that does not fit the schema (a bad record, an unknown field) is decoded message by
message with the guard's own lenient request builder instead, so a bad record costs only its batch speed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import duckdb
import orjson
import pyarrow as pa

from aisac.enforce.replay import REQUEST_COLUMNS, requests_of
from aisac.enforce.request import Request, RequestError, from_mapping
from aisac.logs import schema as s
from aisac.logs.checks import literal, quote
from aisac.logs.reader import Log, duck_type

BATCH_ROWS = 65_536
_US = 1e-6


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
    # times to the microsecond as a replay computes them, so both decoders give the very same request
    req.time = round(req.time * 1e6) * _US
    if req.created_at is not None:
        req.created_at = round(req.created_at * 1e6) * _US
    event = d.get(s.EVENT_ID)
    return req, event if type(event) is str and event else None


class Decoder:
    """Decodes a consumer's batch at once: DuckDB parses the JSON values into the spec's columns (one
    thread: the consumer's core is the guard's), and the Requests are built as a replay builds them. A
    batch with any record that does not fit (bad JSON, a wrong type, no account or time, a negative count)
    is decoded message by message instead, where each bad record is set aside with its reason."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET threads = 1")
        shape = {name: duck_type(s.BY_NAME[name].kind) for name in (*REQUEST_COLUMNS, s.EVENT_ID)}
        cols = ", ".join(
            f"{f'epoch_us(r[{literal(name)}])' if name in _TIMES else f'r[{literal(name)}]'} AS {quote(alias)}"
            for name, alias in {**REQUEST_COLUMNS, s.EVENT_ID: "event"}.items()
        )
        parse = f"json_transform_strict(v, {literal(orjson.dumps(shape).decode())})"
        self._sql = f"SELECT {cols} FROM (SELECT {parse} AS r FROM batch)"

    def decode(self, values: Sequence[bytes | None]) -> tuple[list[Request], list[str | None], list[tuple[int, str]]]:
        """(requests, their event ids, [(index in `values`, reason)] of the records set aside)."""
        c = self._columns(values)
        if c is None:
            return _one_by_one(values)
        return requests_of(c), c["event"], []

    def _columns(self, values: Sequence[bytes | None]) -> dict[str, list] | None:
        if any(v is None for v in values):
            return None
        try:
            batch = pa.table({"v": pa.array(values, pa.binary()).cast(pa.string())})  # fails on bad UTF-8
            table = self.con.sql(self._sql).to_arrow_table()
        except (duckdb.Error, pa.ArrowInvalid):
            return None
        c = {name: table.column(name).to_pylist() for name in table.column_names}
        del batch
        account, time = c[REQUEST_COLUMNS[s.ACCOUNT]], c[REQUEST_COLUMNS[s.TIME]]
        if not all(account) or None in time:
            return None
        for name in (s.INPUT_TOKENS, s.OUTPUT_TOKENS):
            if any(v is not None and v < 0 for v in c[REQUEST_COLUMNS[name]]):
                return None
        return c


_TIMES = (s.TIME, s.CREATED_AT)


def _one_by_one(values: Sequence[bytes | None]) -> tuple[list[Request], list[str | None], list[tuple[int, str]]]:
    reqs: list[Request] = []
    ids: list[str | None] = []
    bad: list[tuple[int, str]] = []
    for i, value in enumerate(values):
        try:
            req, eid = decode(value)
        except RecordError as exc:
            bad.append((i, str(exc)))
            continue
        reqs.append(req)
        ids.append(eid)
    return reqs, ids, bad
