"""`aisac report`: the quarterly public report, the agency package, clearing actors for naming, consent."""

from __future__ import annotations

from pathlib import Path

import typer

from aisac.console import EXIT_CONFLICT, fail
from aisac.intel.options import HubOpt, KeyOpt, MemberOpt

app = typer.Typer(help="The forum's public report and its package for US agencies.", no_args_is_help=True)
OutOpt = typer.Option(..., "--out", help="Directory to write into.")


@app.command()
def quarterly(
    hub: str = HubOpt,
    quarter: str = typer.Option(..., "--quarter", help="Calendar quarter, e.g. 2026Q2."),
    out: Path = OutOpt,
    member: str = MemberOpt,
    api_key: str = KeyOpt,
    draft: bool = typer.Option(False, help="Do not record the publication at the hub (a preview)."),
) -> None:
    """Write report.html, report.pdf and report.json for a quarter, from what you may read (chair, liaison)."""
    from aisac.hub.reporting import REPORTERS
    from aisac.intel.client import Hub, HubError
    from aisac.report import render, source
    from aisac.report.quarterly import Quarter, build
    from aisac.report.sanitise import LeakError

    try:
        q = Quarter.parse(quarter)
        conn = Hub(hub, member, api_key)
        role = source.role(conn)
        if role not in REPORTERS:
            fail(f"role {role!r} may not publish the quarterly report (only {', '.join(REPORTERS)})")
        inputs = source.inputs(conn, q)
        report = build(inputs, q)
        hashes = render.write(report, inputs, out, role)
        if not draft:
            source.record(
                conn,
                {
                    "kind": "quarterly",
                    "label": q.label,
                    "sha256": hashes["report.pdf"],
                    "attributions": [a.record() for a in report.named],
                },
            )
    except (ValueError, HubError, OSError, LeakError) as exc:
        fail(str(exc))
    s = report.summary
    typer.echo(
        f"{q.label}: {s['campaigns']} campaigns, {s['accounts']} accounts, labs {', '.join(s['labs_contributing'])}; "
        f"named {', '.join(s['actors_named']) or 'no actor'} -> {out}/report.{{html,pdf,json}}"
        + ("" if draft else f" (recorded, pdf sha256 {hashes['report.pdf']})")
    )


@app.command()
def clear(
    intrusion_set: str = typer.Argument(..., help="The intrusion set's STIX id."),
    reason: str = typer.Option(..., "--reason", help="Why it may be named in public (kept in the hub's log)."),
    hub: str = HubOpt,
    member: str = MemberOpt,
    api_key: str = KeyOpt,
) -> None:
    """Clear an intrusion set for naming in public reports (liaison); recorded with the reason at the hub."""
    from aisac.intel.client import Hub, HubError
    from aisac.report import source

    try:
        got = source.clear(Hub(hub, member, api_key), intrusion_set, reason)
    except HubError as exc:
        fail(str(exc))
    typer.echo(f"{got['intrusion_set']} cleared for naming by {got['cleared_by']} at {got['cleared_at']}")


@app.command()
def agency(
    hub: str = HubOpt,
    out: Path = OutOpt,
    member: str = MemberOpt,
    api_key: str = KeyOpt,
    to: str = typer.Option("CISA, FBI, BIS", "--to", help="Recipients, as recorded with the delivery."),
) -> None:
    """Package what may go to CISA, FBI and BIS (liaison): bundle.json and summary.md, recorded with its SHA-256.

    Refused (exit 3, nothing written or recorded) when an attribution differs from the public report or an
    earlier package: the same actor with another confidence or tied to other campaigns."""
    import hashlib
    from datetime import UTC, datetime

    from aisac.intel.client import Hub, HubError
    from aisac.report import agency as ag
    from aisac.report import source
    from aisac.report.attribution import conflicts

    try:
        conn = Hub(hub, member, api_key)
        earlier = source.deliveries(conn)
        pkg = ag.package(source.inputs(conn, None))
        found = conflicts(pkg.attributions, earlier)
        if found:
            for c in found:
                typer.echo(f"conflict: {c}", err=True)
            fail(f"export refused: {len(found)} attribution conflict(s); nothing was written or sent", EXIT_CONFLICT)
        data = ag.serialise(pkg.bundle)
        digest, now = hashlib.sha256(data).hexdigest(), datetime.now(UTC)
        out.mkdir(parents=True, exist_ok=True)
        (out / "bundle.json").write_bytes(data)
        (out / "summary.md").write_text(ag.summary(pkg, digest, to, now), "utf-8")
        source.record(
            conn,
            {"kind": "agency", "label": to, "sha256": digest, "attributions": [a.record() for a in pkg.attributions]},
        )
    except (HubError, OSError) as exc:
        fail(str(exc))
    left = ", ".join(f"{n} {why}" for why, n in pkg.left_out.most_common()) or "nothing"
    typer.echo(
        f"{len(pkg.bundle['objects'])} objects -> {out}/bundle.json (sha256 {digest}, recorded); left out: {left}"
    )


@app.command()
def consent(
    government: bool = typer.Option(..., "--government/--no-government", help="May your objects go to agencies?"),
    hub: str = HubOpt,
    member: str = MemberOpt,
    api_key: str = KeyOpt,
) -> None:
    """Say whether the objects your lab submits may go to US government agencies (lab; default no)."""
    from aisac.intel.client import Hub, HubError
    from aisac.report import source

    try:
        source.consent(Hub(hub, member, api_key), government)
    except HubError as exc:
        fail(str(exc))
    typer.echo(f"{member}: government sharing {'allowed' if government else 'refused'}")
