"""`aisac logs`: validate and convert API logs."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Validate and convert API logs (api-log-v1).", no_args_is_help=True)


@app.command()
def validate(paths: list[Path]) -> None:
    """Check every record; report counts and each rejected record (file, line, reason)."""
    from aisac.logs.reader import read_log

    log = read_log(paths)
    typer.echo(f"{log.records} records accepted, {log.rejected} rejected")
