"""`aisac share`: sign and push intel to the forum hub, pull what others shared."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from aisac.console import EXIT_FOUND, fail
from aisac.intel.options import CollectionOpt, HubOpt, KeyOpt, MemberOpt, SigningKeyOpt

app = typer.Typer(
    help="Share STIX intel with the forum hub (signed push, incremental pull).", no_args_is_help=True
)
PathArg = typer.Argument(..., help="Where to write the private key (PEM); .pub beside it.")
OutOpt = typer.Option(Path("hub-pull"), "--out", help="Directory for objects.jsonl and state.")


@app.command()
def keygen(
    path: Path = PathArg,
) -> None:
    """Create this lab's Ed25519 signing key; give the .pub file to the hub operator."""
    from aisac.contract.signing import generate_key

    typer.echo(f"private key {path} (keep it secret); public key {generate_key(path)}")


@app.command("push")
def push_cmd(
    bundle: Path,
    hub: str = HubOpt,
    member: str = MemberOpt,
    api_key: str = KeyOpt,
    collection: str = CollectionOpt,
    key: Path | None = SigningKeyOpt,
    batch: int = typer.Option(1000, help="Objects per envelope."),
) -> None:
    """Push a STIX bundle (e.g. the detector's bundle.json); exit 1 when the hub refused any object."""
    from aisac.intel.client import Hub, HubError, push, read_objects

    try:
        statuses = push(Hub(hub, member, api_key), read_objects(bundle), key, collection, batch)
    except (HubError, ValueError, OSError) as exc:
        fail(exc)
    ok = sum(s["success_count"] for s in statuses)
    failures = [f for s in statuses for f in s["failures"]]
    for f in failures:
        typer.echo(f"refused {f['id']}: {f.get('message', '')}", err=True)
    typer.echo(
        f"pushed {ok} objects ({'signed' if key else 'unsigned'}), {len(failures)} refused; "
        f"status {', '.join(s['id'] for s in statuses)}"
    )
    if failures:
        raise typer.Exit(EXIT_FOUND)


@app.command("pull")
def pull_cmd(
    hub: str = HubOpt,
    member: str = MemberOpt,
    api_key: str = KeyOpt,
    since: str | None = typer.Option(None, "--since", help="added_after for the first pull (RFC 3339)."),
    out: Path = OutOpt,
    collection: str = CollectionOpt,
    limit: int = 500,
    max_pages: int | None = typer.Option(None, help="Stop after this many pages (resume later)."),
) -> None:
    """Fetch objects added since the last pull (or --since); resumes an interrupted pull."""
    from aisac.intel.client import Hub, HubError, pull

    try:
        total = sum(pull(Hub(hub, member, api_key), out, since, collection, limit, max_pages))
    except (HubError, OSError) as exc:
        fail(exc)
    state = json.loads((out / "pull-state.json").read_text("utf-8"))
    typer.echo(
        f"pulled {total} objects into {out / 'objects.jsonl'}; "
        f"{'more to fetch' if state.get('next') else 'up to date as of ' + str(state.get('added_after'))}"
    )


@app.command("verify")
def verify_cmd(
    object_id: str,
    hub: str = HubOpt,
    member: str = MemberOpt,
    api_key: str = KeyOpt,
    collection: str = CollectionOpt,
) -> None:
    """Check who signed each version of an object, verifying here against the signer's key; exit 1 if not."""
    from aisac.intel.client import Hub, HubError, check_provenance

    try:
        results = check_provenance(Hub(hub, member, api_key), object_id, collection)
    except HubError as exc:
        fail(exc)
    for r in results:
        verdict = (
            "signature verified" if r["verified"] else "UNSIGNED" if not r["signed"] else "SIGNATURE FAILS"
        )
        typer.echo(f"{object_id} version {r['version']}: submitted by {r['signer']}, {verdict}")
    if not all(r["verified"] for r in results):
        raise typer.Exit(EXIT_FOUND)


@app.command("audit")
def audit_cmd(
    hub: str = HubOpt,
    member: str = MemberOpt,
    api_key: str = KeyOpt,
    state: Path | None = typer.Option(
        None,
        "--state",
        help="Where the last verified checkpoint and the pinned log key are kept "
        "(default ~/.config/aisac/log-audit/<member>@<host>_<port>.json).",
    ),
) -> None:
    """Verify the hub's transparency log: signed checkpoint, consistency with the last one seen, and an
    inclusion proof for each new entry about you; exit 1 when any check fails."""
    from aisac.intel.client import Hub, HubError
    from aisac.intel.logaudit import AuditError, audit, default_state_path

    path = state or default_state_path(hub, member)
    try:
        report = audit(Hub(hub, member, api_key), path)
    except AuditError as exc:
        typer.echo(f"AUDIT FAILED: {exc}", err=True)
        raise typer.Exit(EXIT_FOUND) from exc
    except (HubError, OSError, ValueError) as exc:
        fail(exc)
    if report.pinned_now:
        typer.echo(f"pinned the hub's log key (first audit); state in {path}")
    for read in report.reads:
        typer.echo(f"read by {read['actor']}: {read['target']} (leaf {read['index']}, {read['detail']})")
    typer.echo(
        f"log verified at size {report.size} (consistent with size {report.previous_size}); "
        f"{report.leaves} new entries about {member} proven included"
    )
