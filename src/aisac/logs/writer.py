"""Write logs in api-log-v1 containers: Parquet, JSON Lines, .jsonl.gz."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from aisac.logs.checks import quote
from aisac.logs.schema import Kind

FORMATS = ("parquet", "jsonl", "jsonl.gz")


def write_table(table: pa.Table, path: Path, fmt: str, time_columns: tuple[str, ...] = ()) -> None:
    """Write an Arrow table; JSON Lines get RFC 3339 times (UTC, 'Z') for `time_columns`."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd", row_group_size=250_000)
        return
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("_part", table)
    cols = ", ".join(
        f"strftime({quote(n)}, '%Y-%m-%dT%H:%M:%S.%fZ') AS {quote(n)}" if n in time_columns else quote(n)
        for n in table.column_names
    )
    compression = "gzip" if fmt.endswith(".gz") else "none"
    target = str(path).replace("'", "''")
    con.execute(f"COPY (SELECT {cols} FROM _part) TO '{target}' (FORMAT json, COMPRESSION {compression})")
    con.close()


def time_columns_of(columns) -> tuple[str, ...]:
    """Names of the spec's time columns among `columns` (api-log-v1 Column objects)."""
    return tuple(c.name for c in columns if c.kind is Kind.TIME)
