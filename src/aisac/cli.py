"""The `aisac` command: a thin, lazy shell over the parts; each part owns its own sub-commands.

A sub-command's module is imported only when that sub-command runs (or shows its own help), so that
`aisac --help` and every command start without loading the other parts (stix2, DuckDB, FastAPI, ...).
The listing shows each command's one-line help from the table below; tests/test_cli.py checks it against
the command itself.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

#: name -> ("module:attribute" of a Typer app or a command function, one-line help), in listing order.
COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": (
        "aisac.simulate.cli:command",
        "Simulate one lab's traffic: benign personas (hard negatives included) and distillation campaigns.",
    ),
    "detect": (
        "aisac.detect.cli:command",
        "Score every account, group flagged accounts into campaigns, attribute and explain each.",
    ),
    "evaluate": (
        "aisac.evaluate.cli:command",
        "Account precision/recall/F1, recall per campaign, heavy-benign FPR, grouping, exchanges before flag.",
    ),
    "demo": (
        "aisac.demo:command",
        "Simulate a week of one lab's traffic, run every detector, and print how well each did; then the pact.",
    ),
    "logs": ("aisac.logs.cli:app", "Validate and convert API logs (api-log-v1)."),
    "hub": ("aisac.hub.cli:app", "Run the forum hub (TAXII 2.1) and administer it."),
    "share": ("aisac.intel.cli:app", "Share STIX intel with the forum hub (signed push, incremental pull)."),
    "report": ("aisac.report.cli:app", "The forum's public report and its package for US agencies."),
    "forum": ("aisac.forum.cli:app", "Work between member labs through the hub."),
    "stream": ("aisac.stream.cli:app", "Publish API logs to a Kafka-compatible topic."),
    "guard": ("aisac.enforce.cli:guard_app", "Run the guard in the request path (HTTP)."),
    "enforce": ("aisac.enforce.cli:enforce_app", "Evaluate enforcement policies by replaying logs."),
    "appeals": ("aisac.enforce.cli:appeals_app", "File and review appeals against enforcement actions."),
    "watermark": (
        "aisac.watermark.cli:app",
        "Watermark the project's model outputs and detect watermarks in text.",
    ),
    "provenance": (
        "aisac.watermark.provenance_cli:app",
        "Radioactivity audits: did a suspect model train on our watermarked outputs?",
    ),
}

#: Commands a part above adds to another part's group: the Kafka consumer (stream) runs the guard (enforce),
#: so it is listed under `aisac guard` without the guard importing it.
EXTRA_COMMANDS: dict[str, dict[str, str]] = {"guard": {"consume": "aisac.stream.cli:consume"}}


def _target(target: str) -> Any:
    module, attribute = target.split(":")
    return getattr(importlib.import_module(module), attribute)


def load(name: str) -> Any:
    """Import a sub-command's module and build its click command, as `add_typer`/`command` would have."""
    obj = _target(COMMANDS[name][0])
    for sub, target in EXTRA_COMMANDS.get(name, {}).items():
        if sub not in {c.name for c in obj.registered_commands}:
            obj.command(sub)(_target(target))
    holder = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)
    holder.callback()(_root)
    if isinstance(obj, typer.Typer):
        holder.add_typer(obj, name=name)
    else:
        holder.command(name)(obj)
    return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]


class LazyGroup(TyperGroup):
    """Lists the commands from `COMMANDS` without importing them; loads the one that is run."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        short = COMMANDS[cmd_name][1]
        return TyperCommand(cmd_name, help=short, short_help=short)  # for the listing only

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        return name, (load(name) if command is not None and name is not None else command), rest


app = typer.Typer(
    cls=LazyGroup,
    name="aisac",
    help="Detect, block, prove and share adversarial distillation of frontier models.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)



@app.callback()
def _root() -> None:
    # A group needs a callback or a registered command; the commands here are all lazy.
    pass


def main() -> None:
    app()


if __name__ == "__main__":
    main()
