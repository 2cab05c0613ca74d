"""`aisac logs`: validate and convert API logs (api-log-v1)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import typer
from rich.table import Table

from aisac.console import EXIT_FOUND, fail, out, progress
from aisac.logs import schema
from aisac.logs.checks import literal, quote
from aisac.logs.reader import Log, LogError, connect, log_files, read_log
from aisac.logs.writer import FORMATS, time_columns_of, write_table

app = typer.Typer(help="Validate and convert API logs (api-log-v1).", no_args_is_help=True)


def load(paths: list[Path], *, keep_unknown: bool = False, memory_limit: str | None = None) -> Log:
    """Read logs with a progress bar (bytes for JSON Lines, rows for Parquet); exit 2 if nothing is readable."""
    try:
        files = log_files(paths)
        total = sum(f.stat().st_size for f in files if not f.name.endswith(".parquet"))
        with progress("reading logs", total or None) as advance:
            return read_log(paths, keep_unknown=keep_unknown, progress=advance, con=connect(memory_limit=memory_limit))
    except LogError as exc:
        fail(exc)


def report(log: Log, limit: int | None) -> None:
    """Counts per file, then each set-aside record and dropped value with its file, line and reason."""
    table = Table(title="API log check")
    for col in ("file", "accepted", "rejected", "values dropped", "error"):
        table.add_column(col, justify="left" if col in ("file", "error") else "right")
    for f in log.files:
        table.add_row(f.path, str(f.records), str(f.rejected), str(f.dropped_values), f.error or "")
    out.print(table)
    issues = log.issues().to_pylist()
    for issue in issues[:limit]:
        where = f"{issue['file']}:{issue['line']}" if issue["line"] is not None else issue["file"]
        field = f" [{issue['field']}]" if issue["field"] else ""
        out.print(f"{where}{field}: {issue['reason']} ({issue['action']})", highlight=False, markup=False)
    if limit is not None and len(issues) > limit:
        out.print(f"... and {len(issues) - limit} more (raise --limit to see them)")
    dup = f", {log.duplicates} duplicate event ids counted once" if log.duplicates else ""
    out.print(f"{log.records} records accepted, {log.rejected} rejected{dup}")


@app.command()
def validate(
    paths: list[Path] = typer.Argument(..., help="Log files or directories."),
    strict: bool = typer.Option(False, help="Exit 1 if any record is rejected or any file is cut short."),
    limit: int = typer.Option(None, help="Show at most this many set-aside records (default: all)."),
) -> None:
    """Check every record; report counts and every rejected record (file, line, reason)."""
    log = load(paths)
    report(log, limit)
    if log.records == 0 or (strict and not log.complete):
        raise typer.Exit(EXIT_FOUND)


@app.command()
def convert(
    paths: list[Path] = typer.Argument(..., help="Log files or directories."),
    to: str = typer.Option("parquet", help=f"Output format: {', '.join(FORMATS)}."),
    out_path: Path = typer.Argument(..., metavar="OUT", help="Output file."),
    strict: bool = typer.Option(False, help="Refuse to write if any record is rejected or any file is cut short."),
) -> None:
    """Convert logs to one file; rejected records are reported and left out, unknown columns kept."""
    log = load(paths, keep_unknown=True)
    if log.rejected:
        report(log, limit=20)
    if log.records == 0 or (strict and not log.complete):
        raise typer.Exit(EXIT_FOUND)
    table = _with_unknown_columns(log)
    write_table(table, out_path, to, time_columns_of(schema.COLUMNS))
    out.print(f"wrote {table.num_rows} records to {out_path}")


def _with_unknown_columns(log: Log) -> pa.Table:
    """The canonical table plus any columns the spec does not name, as JSON text, in one scan."""
    keys = [k for (k,) in log.con.execute(
        "SELECT DISTINCT unnest(json_keys(_extra)) AS k FROM requests WHERE _extra IS NOT NULL ORDER BY k"
    ).fetchall() if k not in schema.BY_NAME]
    cols = [quote(c.name) for c in schema.COLUMNS] + [f"(_extra -> {literal('$.' + quote(k))})::VARCHAR AS {quote(k)}"
                                                      for k in keys]
    target = pa.schema(list(schema.ARROW_SCHEMA) + [pa.field(k, pa.string()) for k in keys])
    return log.con.sql(f"SELECT {', '.join(cols)} FROM requests").to_arrow_table().cast(target)
