"""The `aisac` command: a thin shell over the parts; each part owns its own sub-commands."""

from __future__ import annotations

import typer

from aisac import demo
from aisac.detect import cli as detect_cli
from aisac.enforce.cli import appeals_app, enforce_app, guard_app
from aisac.evaluate import cli as evaluate_cli
from aisac.forum.cli import app as forum_app
from aisac.hub.cli import app as hub_app
from aisac.intel.cli import app as share_app
from aisac.logs.cli import app as logs_app
from aisac.simulate import cli as simulate_cli
from aisac.watermark.cli import app as watermark_app
from aisac.watermark.provenance_cli import app as provenance_app

app = typer.Typer(
    name="aisac",
    help="Detect, block, prove and share adversarial distillation of frontier models.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
app.add_typer(logs_app, name="logs")
app.command("simulate")(simulate_cli.command)
app.command("detect")(detect_cli.command)
app.command("evaluate")(evaluate_cli.command)
app.command("demo")(demo.command)
app.add_typer(hub_app, name="hub")
app.add_typer(share_app, name="share")
app.add_typer(forum_app, name="forum")
app.add_typer(guard_app, name="guard")
app.add_typer(enforce_app, name="enforce")
app.add_typer(appeals_app, name="appeals")
app.add_typer(watermark_app, name="watermark")
app.add_typer(provenance_app, name="provenance")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
