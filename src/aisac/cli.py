"""The `aisac` command: a thin shell over the parts; each part owns its own sub-commands."""

from __future__ import annotations

import typer

from aisac.logs.cli import app as logs_app
from aisac.watermark.cli import app as watermark_app
from aisac.watermark.provenance_cli import app as provenance_app

app = typer.Typer(
    name="aisac",
    help="Detect, block, prove and share adversarial distillation of frontier models.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(logs_app, name="logs")
app.add_typer(watermark_app, name="watermark")
app.add_typer(provenance_app, name="provenance")


def main() -> None:
    app()
