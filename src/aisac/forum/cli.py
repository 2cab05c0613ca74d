"""`aisac forum`: work between member labs through the hub: private set intersection, and the working group's
tools (correlate what labs shared, who chairs, the bulletin)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import typer

from aisac.console import fail
from aisac.intel.options import CollectionOpt, HubOpt, KeyOpt, MemberOpt, SigningKeyOpt

app = typer.Typer(help="Work between member labs through the hub.", no_args_is_help=True)
DryRunOpt = typer.Option(False, "--dry-run", help="Write the output only; publish nothing.")


@app.command("psi")
def psi(
    hub: str = HubOpt,
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


#: What correlation reads: the campaigns and every object that can carry their evidence.
READ_TYPES = ("campaign", "observed-data", "indicator", "infrastructure", "relationship", "identity")


def _chair(hub) -> None:  # type: ignore[no-untyped-def]
    """Refuse to run for anyone but a chair (the hub refuses a chair outside its term on its own)."""
    from aisac.intel.client import get_json

    me = get_json(hub, "/aisac/whoami")
    if me.get("role") != "chair":
        fail(f"member {me.get('name')!r} has role {me.get('role')!r}; the working group's tools need a chair")


def _publish(hub, objects: list[dict], key: Path | None, collection: str) -> str:  # type: ignore[no-untyped-def]
    from aisac.intel.client import push

    if key is None:
        fail("publishing needs the chair's signing key (--key or AISAC_SIGNING_KEY); or use --dry-run")
    statuses = push(hub, objects, key, collection)
    failures = [f for s in statuses for f in s["failures"]]
    for f in failures:
        typer.echo(f"refused {f['id']}: {f.get('message', '')}", err=True)
    if failures:
        raise typer.Exit(1)
    return f"published {sum(s['success_count'] for s in statuses)} objects (signed)"


def _payments(path: Path | None) -> list[tuple[str, str, int]]:
    """PSI results: CSV `campaign_a,campaign_b,shared` (campaign STIX ids, payment fingerprints in common)."""
    import csv

    if path is None:
        return []
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != ["campaign_a", "campaign_b", "shared"]:
            fail(f"{path}:1: header must be campaign_a,campaign_b,shared")
        for row in reader:
            shared = row["shared"] or ""
            if not shared.isdigit():
                fail(f"{path}:{reader.line_num}: shared: expected a whole number, got {shared!r}")
            rows.append((row["campaign_a"], row["campaign_b"], int(shared)))
    return rows


@app.command()
def correlate(
    hub_url: str = HubOpt,
    out: Path = typer.Option(..., "--out", help="Directory for clusters.json."),
    member: str = MemberOpt,
    api_key: str = KeyOpt,
    key: Path | None = SigningKeyOpt,
    collection: str = CollectionOpt,
    payments: Path | None = typer.Option(None, "--payments", help="PSI payment overlaps (CSV, optional)."),
    dry_run: bool = DryRunOpt,
) -> None:
    """Link the campaigns every lab shared into operators; publish cross-lab ones as intrusion sets."""
    import json
    import time

    from aisac.forum.correlate import correlate as run
    from aisac.forum.publish import cross_lab, intrusion_sets
    from aisac.forum.records import records
    from aisac.intel.client import Hub, HubError, collection_id, fetch, get_json

    hub = Hub(hub_url, member, api_key)
    pairs = _payments(payments)
    try:
        _chair(hub)
        start = time.perf_counter()
        objects = fetch(hub, READ_TYPES, collection)
        cid = collection_id(hub, collection)
        who = get_json(hub, f"/aisac/submitters/{cid}", {"type": "campaign"})["submitters"]
        recs = records(objects, {k: v[0] for k, v in who.items() if len(v) == 1})
        clusters = run(recs, pairs)
        seconds = time.perf_counter() - start
        out.mkdir(parents=True, exist_ok=True)
        (out / "clusters.json").write_text(json.dumps({"clusters": [c.as_dict() for c in clusters]}, indent=1))
        crossing = cross_lab(clusters)
        typer.echo(f"{len(recs)} campaigns from {len({r.lab for r in recs})} labs in {len(clusters)} clusters, "
                   f"{len(crossing)} across labs ({seconds:.1f} s); wrote {out / 'clusters.json'}")
        if not dry_run and crossing:
            typer.echo(_publish(hub, intrusion_sets(clusters, recs), key, collection))
    except HubError as exc:
        fail(str(exc))


@app.command()
def chairs(
    charter: Path = typer.Option(..., "--charter", help="The working group's charter (YAML)."),
    at: str = typer.Option(None, "--at", help="Date YYYY-MM-DD (default: today, UTC)."),
) -> None:
    """Show the chairs in office on a date, one per lab, and who rotates in next."""
    from rich.table import Table

    from aisac.console import out
    from aisac.hub.charter import CharterError, load_charter

    try:
        rules = load_charter(charter)
        when = date.fromisoformat(at) if at else datetime.now(UTC).date()
    except (CharterError, ValueError) as exc:
        fail(str(exc))
    table = Table(title=f"{rules.name}: chairs on {when.isoformat()}")
    for col in ("lab", "chair", "term", "next chair", "rotates in"):
        table.add_column(col)
    for lab in rules.labs:
        now, nxt = rules.current(lab, when), rules.upcoming(lab, when)
        table.add_row(lab, now.member if now else "(vacant)",
                      f"{now.start.isoformat()} to {now.end.isoformat()}" if now else "",
                      nxt.member if nxt else "(none named)", nxt.start.isoformat() if nxt else "")
    out.print(table)


@app.command()
def bulletin(
    hub_url: str = HubOpt,
    out: Path = typer.Option(..., "--out", help="File for the bulletin (a STIX bundle)."),
    member: str = MemberOpt,
    api_key: str = KeyOpt,
    key: Path | None = SigningKeyOpt,
    collection: str = CollectionOpt,
    since: str = typer.Option(None, "--since", help="Period start YYYY-MM-DD (default: 90 days before --until)."),
    until: str = typer.Option(None, "--until", help="Period end YYYY-MM-DD, exclusive (default: tomorrow, UTC)."),
    dry_run: bool = DryRunOpt,
) -> None:
    """The group's bulletin for a period: a signed STIX report (TLP:AMBER) citing its clusters and incidents."""
    import json
    import uuid

    from aisac.forum.publish import bulletin as build
    from aisac.hub.charter import WORKING_GROUP_ID
    from aisac.intel.client import Hub, HubError, fetch, get_json

    try:
        end = datetime.fromisoformat(until).replace(tzinfo=UTC) if until else (
            datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1))
        begin = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else end - timedelta(days=90)
    except ValueError as exc:
        fail(f"--since/--until: {exc}")
    hub = Hub(hub_url, member, api_key)

    def within(stamp: str) -> bool:
        return begin <= datetime.fromisoformat(stamp.replace("Z", "+00:00")) < end

    try:
        _chair(hub)
        intrusions = [o for o in fetch(hub, ("intrusion-set",), collection)
                      if o.get("created_by_ref") == WORKING_GROUP_ID and within(o["modified"])]
        incidents = [i for i in get_json(hub, "/aisac/incidents/")["incidents"] if within(i["confirmed_at"])]
        objects = build(intrusions, incidents, begin, end)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}, indent=1))
        typer.echo(f"bulletin {begin.date()} to {end.date()}: {len(intrusions)} intrusion sets, "
                   f"{len(incidents)} incidents; wrote {out}")
        if not dry_run:
            typer.echo(_publish(hub, objects, key, collection))
    except HubError as exc:
        fail(str(exc))
