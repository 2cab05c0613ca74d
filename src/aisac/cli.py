"""The `aisac` command: a thin shell over the parts; each part owns its own sub-commands."""

from __future__ import annotations

import typer

from aisac.logs.cli import app as logs_app

app = typer.Typer(
    name="aisac",
    help="Detect, block, prove and share adversarial distillation of frontier models.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(logs_app, name="logs")


def main() -> None:
    app()
