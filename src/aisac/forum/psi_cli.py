"""The body of `aisac forum psi` (kept apart so the forum's command module stays a thin shell)."""

from __future__ import annotations

from pathlib import Path

import typer

MAX_REFUSED_SHOWN = 20


def run_psi(hub: str, member: str, api_key: str, peer: str, kind: str, items: Path, out: Path, timeout: float) -> None:
    """Run PSI with `peer` and report; exit 2 on a hub, protocol or file error."""
    from aisac.forum.identifiers import KINDS
    from aisac.forum.psi import run
    from aisac.forum.sealing import SealError
    from aisac.intel.client import Hub, HubError

    if kind not in KINDS:
        typer.echo(f"error: --kind must be one of {', '.join(KINDS)}, got {kind!r}", err=True)
        raise typer.Exit(2)
    try:
        result = run(Hub(hub, member, api_key, timeout=max(60.0, timeout)), peer, kind, items, out, timeout)
    except (HubError, SealError, TimeoutError, ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for line, rule in result.refused[:MAX_REFUSED_SHOWN]:
        typer.echo(f"{items}:{line}: left out: not {rule}", err=True)
    if len(result.refused) > MAX_REFUSED_SHOWN:
        typer.echo(f"{items}: {len(result.refused) - MAX_REFUSED_SHOWN} more lines left out", err=True)
    typer.echo(
        f"{result.common} of your {result.mine} distinct identifiers are shared with {peer} "
        f"({peer} sent {result.theirs}); {result.lines} lines written to {out}; "
        f"{result.sent + result.received} bytes over {result.requests} requests in {result.seconds:.1f}s "
        f"(session {result.session})"
    )
