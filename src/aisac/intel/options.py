"""The command-line options every hub client shares (`aisac share`, `aisac forum`, `aisac report`).

One definition, so the credentials come from the same environment variables whichever command runs.
"""

from __future__ import annotations

import typer

HubOpt = typer.Option(..., "--hub", help="Hub base URL, e.g. https://hub:8000")
MemberOpt = typer.Option(..., "--member", envvar="AISAC_HUB_MEMBER", help="Your member name at the hub.")
KeyOpt = typer.Option(..., "--api-key", envvar="AISAC_HUB_KEY", help="Your hub API key (prefer the env var).")
SigningKeyOpt = typer.Option(
    None, "--key", envvar="AISAC_SIGNING_KEY", help="Ed25519 private key; without it the push is unsigned."
)
CollectionOpt = typer.Option("forum", "--collection", help="Collection id or title.")
