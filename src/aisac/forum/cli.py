"""`aisac forum`: work between member labs through the hub."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Work between member labs through the hub.", no_args_is_help=True)
MemberOpt = typer.Option(..., "--member", envvar="AISAC_HUB_MEMBER", help="Your member name at the hub.")
KeyOpt = typer.Option(..., "--api-key", envvar="AISAC_HUB_KEY", help="Your hub API key (prefer the env var).")


@app.command("psi")
def psi(
    hub: str = typer.Option(..., "--hub", help="Hub base URL, e.g. https://hub:8000"),
    peer: str = typer.Option(..., "--with", help="The other lab's member name."),
    kind: str = typer.Option(..., "--kind", help="email, card, phone or raw: the normalisation both apply."),
    items: Path = typer.Option(..., "--items", help="Your identifiers, one per line."),
    out: Path = typer.Option(..., "--out", help="Where to write your lines that are in the intersection."),
    timeout: float = typer.Option(600, "--timeout", help="Seconds to wait for the peer and finish."),
    member: str = MemberOpt,
    api_key: str = KeyOpt,
) -> None:
    """Private set intersection with another lab: each side learns only its own shared lines and the
    other set's size; the hub relays ciphertext and never sees an identifier."""
    from aisac.forum.psi_cli import run_psi

    run_psi(hub, member, api_key, peer, kind, items, out, timeout)
