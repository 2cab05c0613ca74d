"""One Rich console for the CLI, and progress bars for work that takes more than a second."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# Wide enough for comparison tables when output goes to a file or CI log rather than a terminal.
_WIDTH = None if sys.stdout.isatty() else 150
console = Console(stderr=True, width=_WIDTH)
out = Console(width=_WIDTH)


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator:
    """A progress bar on stderr; yields `advance(n)` (also usable as a per-step label setter)."""
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True)
    with bar:
        task = bar.add_task(description, total=total)

        def advance(n: float = 1, label: str | None = None) -> None:
            bar.update(task, advance=n, description=f"{description}: {label}" if label else description)

        yield advance


#: Exit codes of every command (docs/cli.md): done; done but something was found or nothing usable was left
#: (a refused push, `--strict`); bad usage or input, nothing done; an agency export that contradicts an
#: earlier attribution (`report agency`).
EXIT_OK, EXIT_FOUND, EXIT_BAD_INPUT, EXIT_CONFLICT = 0, 1, 2, 3


def fail(error: object, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print `error: MESSAGE` on stderr verbatim (no markup, no wrapping: `FILE:LINE [field]: rule` stays
    intact) and end the command with `code`."""
    console.print(f"error: {error}", style="red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)
