"""Read API logs (JSON Lines, .jsonl.gz, Parquet, directories of them) into one checked columnar table.

Records are checked in bulk inside DuckDB, chunk by chunk: a bad record is set aside with its file, line
and reason, a bad optional value is dropped with a note, and everything good is kept. Nothing is parsed
row by row in Python.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from aisac.logs import schema
from aisac.logs.checks import arrow_kind_ok, bad_addresses, checked, literal, quote
from aisac.logs.schema import COLUMNS, Kind

#: Bytes of text read per chunk; a chunk is cut at the last newline inside it.
CHUNK_BYTES = 64 << 20
#: Rows of Parquet read per chunk.
CHUNK_ROWS = 500_000

ISSUE_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("line", pa.int64()),
        ("field", pa.string()),
        ("reason", pa.string()),
        ("action", pa.string()),
    ]
)
REJECTED = "record rejected"
DROPPED = "value dropped"
UNREADABLE = "file unreadable"


class LogError(Exception):
    """Nothing usable could be read (every file unreadable, no log files, ...)."""


@dataclass
class FileReport:
    path: str
    records: int = 0
    rejected: int = 0
    dropped_values: int = 0
    error: str | None = None
    present: set[str] = field(default_factory=set)  # spec columns holding at least one accepted value


@dataclass
class Log:
    """A checked log held in a DuckDB table `requests` (spec column names), with what was set aside."""

    con: duckdb.DuckDBPyConnection
    files: list[FileReport] = field(default_factory=list)
    duplicates: int = 0

    @property
    def records(self) -> int:
        return self.con.execute("SELECT count(*) FROM requests").fetchall()[0][0]

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def complete(self) -> bool:
        """Nothing was set aside: no record rejected and every file read to its end."""
        return self.rejected == 0 and not any(f.error for f in self.files)

    def issues(self) -> pa.Table:
        return self.con.sql("SELECT * FROM issues ORDER BY file, line NULLS FIRST").to_arrow_table()

    def table(self) -> pa.Table:
        """The accepted records in the canonical schema (every spec column, in spec order)."""
        cols = ", ".join(quote(c.name) for c in COLUMNS)
        return self.con.sql(f"SELECT {cols} FROM requests").to_arrow_table().cast(schema.ARROW_SCHEMA)

    def columns_present(self) -> set[str]:
        """Spec columns that hold at least one value: what evidence the log carries (noted while reading)."""
        return set().union(*(f.present for f in self.files))


def log_files(paths: Sequence[str | Path]) -> list[Path]:
    """Expand files and directories into the log files to read, in a stable order."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            inside = sorted(
                f for f in p.rglob("*") if f.is_file() and f.name.endswith(schema.LOG_SUFFIXES)
            )
            if not inside:
                raise LogError(f"{p}: directory holds no .jsonl, .jsonl.gz or .parquet file")
            found.extend(inside)
        elif p.exists():
            found.append(p)
        else:
            raise LogError(f"{p}: no such file or directory")
    return found


def connect(database: str = ":memory:", memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection in UTC; with `memory_limit` (e.g. "4GB") DuckDB spills to disk beyond it."""
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'UTC'")
    if memory_limit:
        con.execute(f"SET memory_limit = {literal(memory_limit)}")
    return con


def read_log(
    paths: Sequence[str | Path],
    *,
    keep_unknown: bool = False,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Callable[[int], None] | None = None,
) -> Log:
    """Read and check every record of the given files or directories.

    `keep_unknown` keeps columns the spec does not name, as JSON text in `_extra`, for tools that pass
    records on (convert). `progress` is called with the number of bytes or rows just consumed.
    """
    con = con or connect()
    _create_tables(con)
    log = Log(con)
    views: list[str] = []  # healthy Parquet files are scanned in place, not copied (see _read_parquet)
    for path in log_files(paths):
        report = FileReport(str(path))
        log.files.append(report)
        try:
            if path.name.endswith(".parquet"):
                _read_parquet(con, path, report, keep_unknown, progress, views)
            else:
                _read_jsonl(con, path, report, keep_unknown, progress)
        except _Unreadable as exc:
            report.error = str(exc)
            con.execute(
                "INSERT INTO issues VALUES (?, ?, NULL, ?, ?)", [str(path), exc.line, str(exc), UNREADABLE]
            )
    con.execute("CREATE OR REPLACE TEMP VIEW requests AS " + " UNION ALL ".join(["SELECT * FROM _stored", *views]))
    log.duplicates = _drop_duplicate_events(con)
    for report in log.files:
        report.rejected, report.dropped_values = con.execute(
            "SELECT count(*) FILTER (action = ?), count(*) FILTER (action = ?) FROM issues WHERE file = ?",
            [REJECTED, DROPPED, report.path],
        ).fetchall()[0]
    if all(r.error and r.records == 0 for r in log.files):
        raise LogError("; ".join(f"{r.path}: {r.error}" for r in log.files))
    return log


class _Unreadable(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    cols = ", ".join(f"{quote(c.name)} {duck_type(c.kind)}" for c in COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS _stored ({cols}, _extra VARCHAR)")
    con.execute(
        "CREATE TABLE IF NOT EXISTS issues "
        "(file VARCHAR, line BIGINT, field VARCHAR, reason VARCHAR, action VARCHAR)"
    )


def duck_type(kind: Kind) -> str:
    """The DuckDB type a column of this kind is held in."""
    return {
        Kind.COUNT: "BIGINT",
        Kind.INTEGER: "BIGINT",
        Kind.NUMBER: "DOUBLE",
        Kind.TIME: "TIMESTAMPTZ",
    }.get(kind, "VARCHAR")


# --- JSON Lines -------------------------------------------------------------------------------------


#: Bytes of compressed input fed to the decompressor at a time.
RAW_BLOCK = 1 << 20


class _Broken(Exception):
    """The byte stream of a file stopped being readable part-way (truncated or corrupt compression)."""


def _gzip_blocks(f) -> Iterator[bytes]:
    """Decompressed blocks of a (possibly multi-member) gzip stream, yielded as soon as they are inflated.

    zlib is driven directly rather than through `gzip.open` so that everything inflated before a break is
    handed on: `GzipFile.read` raises on truncation and loses the data of that read.
    """
    inflater, fed = zlib.decompressobj(zlib.MAX_WBITS | 16), False
    while raw := f.read(RAW_BLOCK):
        while raw:
            if inflater.eof:
                inflater, fed = zlib.decompressobj(zlib.MAX_WBITS | 16), False
            try:
                yield inflater.decompress(raw)
            except zlib.error as exc:
                raise _Broken(f"corrupt gzip data: {exc}") from exc
            fed = True
            raw = inflater.unused_data if inflater.eof else b""
    if fed and not inflater.eof:
        raise _Broken("truncated gzip file: compressed data ended before the end-of-stream marker")


def _plain_blocks(f) -> Iterator[bytes]:
    while block := f.read(CHUNK_BYTES):
        yield block


def _line_chunks(path: Path) -> Iterator[tuple[int, bytes, int]]:
    """(number of the chunk's first line, whole lines of bytes, bytes of the file read so far), reading plain or
    gzip files in blocks; the file position lets a progress bar count compressed bytes for .gz."""
    blocks = _gzip_blocks if path.name.endswith(".gz") else _plain_blocks
    try:
        with open(path, "rb") as f:
            yield from _whole_lines(blocks(f), f.tell)
    except OSError as exc:  # read errors are turned into _Unreadable inside; this is the open failing
        raise _Unreadable(f"cannot open: {exc}") from exc


def _whole_lines(blocks: Iterator[bytes], position: Callable[[], int]) -> Iterator[tuple[int, bytes, int]]:
    """Regroup blocks into chunks of whole lines of about CHUNK_BYTES, numbering their first lines.

    On a break the whole lines before it are still yielded, then `_Unreadable` names the line it hit.
    """
    first_line, pending = 1, bytearray()

    def flush(cut: int) -> tuple[int, bytes, int]:
        nonlocal first_line
        chunk = bytes(pending[:cut])
        del pending[:cut]
        line, first_line = first_line, first_line + chunk.count(b"\n")
        return line, chunk, position()

    try:
        for block in blocks:
            pending += block
            if len(pending) >= CHUNK_BYTES and (cut := pending.rfind(b"\n") + 1):
                yield flush(cut)
    except (_Broken, OSError) as exc:
        if cut := pending.rfind(b"\n") + 1:
            yield flush(cut)
        raise _Unreadable(f"unreadable from line {first_line} on: {exc}", first_line) from exc
    if pending:
        if not pending.endswith(b"\n"):
            pending += b"\n"  # a last line without its newline is still a line
        yield flush(len(pending))


def _lines_table(first_line: int, buf: bytes) -> pa.Table:
    """An Arrow table (lineno, line) over a buffer of whole lines, without copying or a Python loop."""
    data = np.frombuffer(buf, dtype=np.uint8)
    ends = np.flatnonzero(data == 10) + 1
    offsets = np.concatenate([[0], ends]).astype(np.int64)
    lines = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(ends), [None, pa.py_buffer(offsets), pa.py_buffer(buf)]
    )
    numbers = pa.array(np.arange(first_line, first_line + len(ends), dtype=np.int64))
    return pa.table({"lineno": numbers, "line": lines})


def _json_word(jtype: str) -> str:
    """SQL naming a JSON type in JSON's own words (DuckDB says VARCHAR, UBIGINT, ...)."""
    return (f"CASE {jtype} WHEN 'VARCHAR' THEN 'string' WHEN 'BIGINT' THEN 'integer' "
            f"WHEN 'UBIGINT' THEN 'integer' WHEN 'DOUBLE' THEN 'number' ELSE lower({jtype}) END")


def _json_columns() -> tuple[str, list[str], list[str]]:
    """The per-line extraction (every column's JSON type and text, two parses per line) and, per column,
    (value, error) SQL over its type `t<i>` and text `x<i>`.

    Each line is parsed twice in all (json_type and json_extract_string over every path at once) rather
    than several times per column: this is what makes JSON Lines ingestion fast.
    """
    paths = "[" + ", ".join(literal('$."' + c.name + '"') for c in COLUMNS) + "]"
    split = ", ".join(f"ty[{i}] AS t{i}, tx[{i}] AS x{i}" for i in range(1, len(COLUMNS) + 1))
    extract = (f"SELECT *, {split} FROM (SELECT *, CASE WHEN line_error IS NULL THEN json_type(txt, {paths}) END "
               f"AS ty, CASE WHEN line_error IS NULL THEN json_extract_string(txt, {paths}) END AS tx FROM _parsed)")
    values, errors = [], []
    for i, column in enumerate(COLUMNS, start=1):
        jtype, text = f"t{i}", f"x{i}"
        present = f"({jtype} IS NOT NULL AND {jtype} <> 'NULL')"
        got = f"'expected {column.kind.value}, got ' || {_json_word(jtype)}"
        if column.kind in (Kind.COUNT, Kind.INTEGER):
            typed = f"TRY_CAST({text} AS BIGINT)"
            type_ok = f"{jtype} IN ('BIGINT', 'UBIGINT') AND {typed} IS NOT NULL"
            got = f"CASE WHEN {jtype} = 'UBIGINT' THEN 'integer out of range: ' || {text} ELSE {got} END"
        elif column.kind is Kind.NUMBER:
            typed = f"TRY_CAST({text} AS DOUBLE)"
            type_ok = f"{jtype} IN ('BIGINT', 'UBIGINT', 'DOUBLE')"
        else:
            typed = text
            type_ok = f"{jtype} = 'VARCHAR'"
        value, error = checked(column, present, type_ok, typed, got)
        values.append(value)
        errors.append(error)
    return extract, values, errors


_JSON_EXTRACT, _JSON_VALUES, _JSON_ERRORS = _json_columns()
_KNOWN_KEYS = "[" + ", ".join(literal(c.name) for c in COLUMNS) + "]"


def _read_jsonl(con, path: Path, report: FileReport, keep_unknown: bool, progress) -> None:
    read = 0
    for first_line, buf, position in _line_chunks(path):
        con.register("_lines", _lines_table(first_line, buf))
        extra = (
            "CASE WHEN line_error IS NULL THEN CASE WHEN "
            f"len(list_filter(json_keys(txt), lambda k: NOT list_contains({_KNOWN_KEYS}, k))) > 0 THEN txt END END"
            if keep_unknown
            else "NULL"
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _parsed AS
            SELECT lineno, txt,
                   CASE WHEN txt IS NULL THEN 'not valid UTF-8'
                        WHEN kind IS NULL THEN 'not valid JSON'
                        WHEN kind <> 'OBJECT' THEN 'not a JSON object' END AS line_error
            FROM (SELECT lineno, txt, TRY(json_type(txt)) AS kind  -- one parse tells valid and object apart
                  FROM (SELECT lineno, TRY(decode(line)) AS txt FROM _lines)
                  WHERE txt IS NULL OR NOT regexp_full_match(txt, '\\s*'))
            """
        )
        typed = ", ".join(
            f"{v} AS {quote(c.name)}, {e} AS {quote('err:' + c.name)}"
            for c, v, e in zip(COLUMNS, _JSON_VALUES, _JSON_ERRORS, strict=True)
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW _typed AS
            SELECT lineno, line_error, {typed}, {extra} AS _extra FROM ({_JSON_EXTRACT})
            """
        )
        con.unregister("_lines")
        _settle_chunk(con, report, "line_error")
        if progress:
            progress(position - read)
        read = position


# --- Parquet ----------------------------------------------------------------------------------------


def _read_parquet(con, path: Path, report: FileReport, keep_unknown: bool, progress, views: list[str]) -> None:
    """Check a Parquet file batch by batch; a healthy file is then scanned in place through a view.

    Copying a log into DuckDB costs more than checking it; Parquet is already columnar and typed, so the
    accepted records are read straight from the file (DuckDB reads only the columns a query needs).
    """
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise _Unreadable(f"cannot read Parquet: {exc}") from exc
    arrow_schema = pf.schema_arrow
    present = {name: arrow_schema.field(name).type for name in arrow_schema.names}
    file_error = None
    select: list[str] = []
    values_sql: list[str] = []
    for column in COLUMNS:
        name = quote(column.name)
        if column.name not in present:
            if column.required:
                file_error = f"{column.name}: required column missing from the file"
            select.append(f"NULL AS {name}, {'NULL' if not column.required else literal('missing')} AS "
                          f"{quote('err:' + column.name)}")
            values_sql.append("NULL")
            continue
        dtype = present[column.name]
        if not arrow_kind_ok(column.kind, dtype):
            reason = f"column has type {dtype}, expected {column.kind.value}"
            if column.required:
                file_error = f"{column.name}: {reason}"
            else:
                con.execute("INSERT INTO issues VALUES (?, NULL, ?, ?, ?)",
                            [str(path), column.name, reason + "; column ignored", DROPPED])
            select.append(f"NULL AS {name}, NULL AS {quote('err:' + column.name)}")
            values_sql.append("NULL")
            continue
        if column.kind is Kind.TIME and pa.types.is_timestamp(dtype):
            # Already a time: a naive Parquet timestamp is taken as UTC (the session's time zone).
            missing = literal("missing") if column.required else "NULL"
            value, error = f"{name}::TIMESTAMPTZ", f"CASE WHEN {name} IS NULL THEN {missing} END"
        else:
            typed = f"CAST({name} AS VARCHAR)" if pa.types.is_dictionary(dtype) else name
            value, error = checked(column, f"{name} IS NOT NULL", "true", typed, "NULL")
        select.append(f"{value} AS {name}, {error} AS {quote('err:' + column.name)}")
        values_sql.append(value)
    if file_error:
        raise _Unreadable(f"{file_error}; no record of the file can be read")
    unknown = [n for n in arrow_schema.names if n not in schema.BY_NAME]
    extra = (
        "to_json(struct_pack(" + ", ".join(f"{quote(n)} := {quote(n)}" for n in unknown) + "))::VARCHAR"
        if keep_unknown and unknown
        else "NULL"
    )
    sql = f"SELECT lineno, NULL::VARCHAR AS line_error, {', '.join(select)}, {extra} AS _extra FROM _batch"
    damaged = _check_parquet(con, pf, path, report, sql, progress, store=False)
    if not damaged:
        # Every row group read: scan the file in place from now on; only the rejected rows are left out.
        values = ", ".join(f"CAST({v} AS {duck_type(c.kind)}) AS {quote(c.name)}"
                           for c, v in zip(COLUMNS, values_sql, strict=True))
        views.append(
            f"SELECT {values}, {extra} AS _extra FROM read_parquet({literal(str(path))}, file_row_number = true) "
            f"WHERE file_row_number + 1 NOT IN (SELECT line FROM issues WHERE file = {literal(str(path))} "
            f"AND action = '{REJECTED}')"
        )
        return
    # A damaged file: keep what its readable row groups hold, copied, and report the rest.
    con.execute("DELETE FROM issues WHERE file = ? AND line IS NOT NULL", [str(path)])  # the pass repeats them
    report.records, report.error = 0, None
    _check_parquet(con, pf, path, report, sql, None, store=True)


def _check_parquet(con, pf, path: Path, report: FileReport, sql: str, progress, store: bool) -> bool:
    """Check every row group; with `store`, copy the accepted records. Returns whether a group was damaged."""
    damaged = False
    group_start = 1
    for group in range(pf.num_row_groups):
        group_rows = pf.metadata.row_group(group).num_rows
        first_row = group_start
        try:  # a damaged row group costs only its own rows: the groups after it are still read
            for batch in pf.iter_batches(batch_size=CHUNK_ROWS, row_groups=[group]):
                table = pa.Table.from_batches([batch])
                report.present |= {n for n in table.column_names
                                   if n in schema.BY_NAME and table[n].null_count < len(table)}
                table = table.append_column("lineno", pa.array(np.arange(first_row, first_row + len(table))))
                con.register("_batch", table)
                con.execute(f"CREATE OR REPLACE TEMP VIEW _typed AS {sql}")  # computed once, by _settle_chunk
                _settle_chunk(con, report, "line_error", store=store)
                con.unregister("_batch")
                first_row += len(table)
                if progress:
                    progress(len(table))
        except Exception as exc:  # pyarrow raises several types for damaged pages
            damaged = True
            last = group_start + group_rows - 1
            reason = f"rows {first_row}-{last} (row group {group + 1}) unreadable: {' '.join(str(exc).split())}"
            report.error = reason if report.error is None else report.error
            con.execute("INSERT INTO issues VALUES (?, ?, NULL, ?, ?)", [str(path), first_row, reason, UNREADABLE])
        group_start += group_rows
    return damaged


# --- shared: move a checked chunk into `requests` and `issues` ---------------------------------------

#: What checking needs of a chunk when the records themselves are not copied.
_CHECK_COLUMNS = ", ".join(["lineno", "line_error", quote(schema.ADDRESS)] + [quote("err:" + c.name) for c in COLUMNS])


def _settle_chunk(con, report: FileReport, line_error: str, store: bool = True) -> None:
    """Reject records with a bad required value, note dropped optional values, keep (`store`) the rest."""
    file = literal(report.path)
    required_errors = ", ".join(
        f"CASE WHEN {quote('err:' + c.name)} IS NOT NULL THEN '{c.name}: ' || {quote('err:' + c.name)} END"
        for c in schema.REQUIRED
    )
    required_fields = ", ".join(
        f"CASE WHEN {quote('err:' + c.name)} IS NOT NULL THEN '{c.name}' END" for c in schema.REQUIRED
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _chunk AS
        SELECT {"*" if store else _CHECK_COLUMNS},
               coalesce({line_error}, nullif(concat_ws('; ', {required_errors}), '')) AS _reject,
               CASE WHEN {line_error} IS NULL THEN nullif(concat_ws(',', {required_fields}), '') END
                   AS _reject_fields
        FROM _typed
        """
    )
    address = quote(schema.ADDRESS)
    candidates = con.execute(f"SELECT DISTINCT {address} FROM _chunk WHERE _reject IS NULL").fetchall()
    bad = bad_addresses(v for (v,) in candidates)
    if bad:
        con.register("_bad_addresses", pa.table({"a": pa.array(bad, pa.string())}))
        con.execute(
            f"""
            UPDATE _chunk SET _reject = '{schema.ADDRESS}: not an IPv4 or IPv6 address: ' || left({address}, 60),
                              _reject_fields = '{schema.ADDRESS}'
            WHERE _reject IS NULL AND {address} IN (SELECT a FROM _bad_addresses)
            """
        )
        con.unregister("_bad_addresses")
    if store:
        cols = ", ".join(quote(c.name) for c in COLUMNS)
        con.execute(f"INSERT INTO _stored SELECT {cols}, _extra FROM _chunk WHERE _reject IS NULL")
        has = con.execute("SELECT " + ", ".join(f"count({quote(c.name)}) > 0" for c in COLUMNS)
                          + " FROM _chunk WHERE _reject IS NULL").fetchall()[0]
        report.present |= {c.name for c, h in zip(COLUMNS, has, strict=True) if h}
    dropped = " UNION ALL ".join(
        f"SELECT {file}, lineno, '{c.name}', {quote('err:' + c.name)}, '{DROPPED}' FROM _chunk "
        f"WHERE _reject IS NULL AND {quote('err:' + c.name)} IS NOT NULL"
        for c in schema.OPTIONAL
    )
    con.execute(
        f"""
        INSERT INTO issues
        SELECT {file}, lineno, _reject_fields, _reject, '{REJECTED}' FROM _chunk WHERE _reject IS NOT NULL
        UNION ALL {dropped}
        """
    )
    report.records += con.execute("SELECT count(*) FROM _chunk WHERE _reject IS NULL").fetchall()[0][0]


def _drop_duplicate_events(con) -> int:
    """Keep one record per `event.id` (the spec: duplicates of one id are counted once)."""
    event = quote(schema.EVENT_ID)
    dup = con.execute(
        f"SELECT count(*) - count(DISTINCT {event}) FROM requests WHERE {event} IS NOT NULL"
    ).fetchall()[0][0]
    if dup:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE _deduplicated AS
            SELECT * FROM requests
            QUALIFY {event} IS NULL OR row_number() OVER (PARTITION BY {event} ORDER BY time) = 1
            """
        )
        con.execute("CREATE OR REPLACE TEMP VIEW requests AS SELECT * FROM _deduplicated")
    return dup
