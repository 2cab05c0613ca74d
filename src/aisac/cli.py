"""The `aisac` command: a thin shell over the parts; each part owns its own sub-commands."""

from __future__ import annotations

import typer

from aisac.enforce.cli import appeals_app, enforce_app, guard_app
from aisac.logs.cli import app as logs_app

app = typer.Typer(
    name="aisac",
    help="Detect, block, prove and share adversarial distillation of frontier models.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(logs_app, name="logs")
app.add_typer(guard_app, name="guard")
app.add_typer(enforce_app, name="enforce")
app.add_typer(appeals_app, name="appeals")


def main() -> None:
    app()
