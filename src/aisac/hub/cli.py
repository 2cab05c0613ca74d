"""`aisac hub`: run the forum hub and administer members, collections and incidents."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from aisac.console import fail, out
from aisac.hub import DEFAULT_DB_URL

app = typer.Typer(help="Run the forum hub (TAXII 2.1) and administer it.", no_args_is_help=True)
member_app = typer.Typer(help="Members and their API keys.", no_args_is_help=True)
collection_app = typer.Typer(help="Collections and per-member grants.", no_args_is_help=True)
app.add_typer(member_app, name="member")
app.add_typer(collection_app, name="collection")
audit_app = typer.Typer(
    help="The transparency log: verify it, and list who read an object.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")
PublicKeyOpt = typer.Option(None, help="The member's Ed25519 public key (PEM).")
ReadRoleOpt = typer.Option([], help="Role that may read (repeatable).")
WriteRoleOpt = typer.Option([], help="Role that may write (repeatable).")
DbOpt = typer.Option(DEFAULT_DB_URL, "--db", help="SQLAlchemy URL: SQLite file or postgresql+psycopg://...")
LogKeyOpt = typer.Option(
    None,
    "--log-key",
    help="Transparency-log signing key (Ed25519 PEM; env AISAC_HUB_LOG_KEY; default: beside a SQLite "
    "database as <file>.log-key.pem, else ~/.config/aisac/hub-log-key.pem).",
)
LogOriginOpt = typer.Option(
    None, "--log-origin", help="Checkpoint origin and key name (env AISAC_HUB_LOG_ORIGIN; default aisac-hub)."
)


def _engine(db: str):  # type: ignore[no-untyped-def]
    from aisac.hub.db import make_engine, migrate

    engine = make_engine(db)
    migrate(engine)
    return engine


@app.command()
def serve(
    db: str = DbOpt,
    host: str = "127.0.0.1",
    port: int = 8000,
    max_content_length: int = typer.Option(10 * 1024 * 1024, help="Largest request body accepted (bytes)."),
    log_key: Path | None = LogKeyOpt,
    log_origin: str | None = LogOriginOpt,
    charter: Path | None = typer.Option(
        None, "--charter", help="Working-group charter (YAML): chairs it names are refused outside their terms."
    ),
    unauthenticated_per_minute: float = typer.Option(
        120, help="Failed authentications allowed per source address a minute (then 429)."
    ),
) -> None:
    """Migrate the database and serve TAXII 2.1 at /taxii2/ (API root /forum/) and the analysts' pages at /ui/;
    the transparency-log key is created on first start when absent."""
    import uvicorn

    from aisac.hub.app import create_app
    from aisac.hub.charter import CharterError, load_charter
    from aisac.hub.checkpoints import LogKey, key_from_env
    from aisac.ui.routes import mount

    try:
        rules = load_charter(charter) if charter else None
    except CharterError as exc:
        fail(exc)
    path, origin = key_from_env(db, log_key, log_origin)
    key = LogKey.load(path, origin, create=True)
    typer.echo(f"transparency log {origin}: key {path}, verifier {key.verifier.text()}", err=True)
    app_ = create_app(
        _engine(db),
        key,
        max_content_length,
        pages=mount,
        unauthenticated_per_minute=unauthenticated_per_minute,
        charter=rules,
    )
    uvicorn.run(app_, host=host, port=port, log_level="warning")


@app.command()
def migrate(db: str = DbOpt) -> None:
    """Create or upgrade the hub database."""
    _engine(db)
    typer.echo("database at the newest revision")


@member_app.command("add")
def member_add(
    name: str,
    role: str = typer.Option(..., help="lab, chair, liaison or observer"),
    db: str = DbOpt,
    public_key: Path | None = PublicKeyOpt,
    expires_days: float = typer.Option(365, help="Days until the API key expires."),
) -> None:
    """Add a member; its API key is printed once, alone on the last line."""
    from aisac.contract.signing import load_public_raw
    from aisac.hub.members import add_member

    try:
        raw = load_public_raw(public_key) if public_key else None
        key = add_member(_engine(db), name, role, raw, expires_days)
    except ValueError as exc:
        fail(exc)
    typer.echo(f"member {name} ({role}) added; API key (shown once, store it now):")
    typer.echo(key)


@member_app.command("key")
def member_key(
    name: str,
    db: str = DbOpt,
    expires_days: float = 365,
    grace_days: float = typer.Option(7.0, help="Days the member's older keys stay valid."),
) -> None:
    """Issue another API key for a member (rotation); printed once, alone on the last line."""
    from aisac.hub.members import new_key

    try:
        key = new_key(_engine(db), name, expires_days, grace_days)
    except ValueError as exc:
        fail(exc)
    typer.echo(key)


@member_app.command("keys")
def member_keys(name: str, db: str = DbOpt) -> None:
    """List a member's API keys (id, created, expiry, revoked) as JSON; the ids name keys to revoke."""
    from aisac.hub.members import list_keys

    try:
        typer.echo(json.dumps(list_keys(_engine(db), name), indent=2))
    except ValueError as exc:
        fail(exc)


@member_app.command("revoke-key")
def member_revoke_key(
    name: str,
    db: str = DbOpt,
    key_id: int | None = typer.Option(None, "--key-id", help="The key to revoke (see `member keys`)."),
    all_keys: bool = typer.Option(False, "--all", help="Revoke every key of the member."),
) -> None:
    """Revoke one API key of a member (--key-id) or all of them (--all), effective at once."""
    from aisac.hub.members import revoke_key

    if (key_id is None) == (not all_keys):
        fail("give exactly one of --key-id or --all")
    try:
        n = revoke_key(_engine(db), name, key_id)
    except ValueError as exc:
        fail(exc)
    typer.echo(f"{n} key(s) of {name} revoked")


@member_app.command("remove")
def member_remove(name: str, db: str = DbOpt) -> None:
    """Remove a member: keys revoked, grants dropped; its objects and audit rows stay."""
    from aisac.hub.members import remove_member

    try:
        remove_member(_engine(db), name)
    except ValueError as exc:
        fail(exc)
    typer.echo(f"member {name} removed")


@member_app.command("require-signed")
def member_require_signed(
    name: str, db: str = DbOpt, required: bool = typer.Option(True, "--on/--off", help="Require or not.")
) -> None:
    """Require (or stop requiring) that the member's pushes be signed; on by default with a signing key."""
    from aisac.hub.members import require_signed

    try:
        require_signed(_engine(db), name, required)
    except ValueError as exc:
        fail(exc)
    typer.echo(f"{name}: signed pushes {'required' if required else 'not required'}")


@member_app.command("set-key")
def member_set_key(name: str, public_key: Path, db: str = DbOpt) -> None:
    """Register or replace a member's Ed25519 signing key (PEM)."""
    from aisac.contract.signing import load_public_raw
    from aisac.hub.members import set_public_key

    try:
        set_public_key(_engine(db), name, load_public_raw(public_key))
    except ValueError as exc:
        fail(exc)
    typer.echo(f"signing key of {name} registered")


@collection_app.command("add")
def collection_add(
    title: str,
    db: str = DbOpt,
    description: str = "",
    read_role: list[str] = ReadRoleOpt,
    write_role: list[str] = WriteRoleOpt,
) -> None:
    """Create a collection; its id is printed on the last line."""
    from aisac.hub.admin import add_collection

    try:
        typer.echo(add_collection(_engine(db), title, description, tuple(read_role), tuple(write_role)))
    except ValueError as exc:
        fail(exc)


@collection_app.command("grant")
def collection_grant(
    member: str, collection_id: str, db: str = DbOpt, read: bool = True, write: bool = False
) -> None:
    """Give a member read and/or write on a collection."""
    from aisac.hub.admin import grant

    try:
        grant(_engine(db), member, collection_id, read, write)
    except ValueError as exc:
        fail(exc)
    typer.echo(f"{member}: read={read} write={write} on {collection_id}")


@collection_app.command("revoke")
def collection_revoke(member: str, collection_id: str, db: str = DbOpt) -> None:
    """Take back a member's per-member grant on a collection (its role's rights stay)."""
    from aisac.hub.admin import revoke_grant

    try:
        revoke_grant(_engine(db), member, collection_id)
    except ValueError as exc:
        fail(exc)
    typer.echo(f"{member}: grant on {collection_id} revoked")


@app.command()
def incidents(
    db: str = DbOpt,
    overdue: bool = typer.Option(
        False, help="Only incidents past their deadline that some lab has not acknowledged."
    ),
    sla: bool = typer.Option(False, help="Show the SLA compliance figure per lab instead."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List incidents with their 48-hour deadline and acknowledgements, or per-lab SLA compliance."""
    from aisac.hub import incidents as inc

    with _engine(db).connect() as conn:
        rows = inc.sla(conn) if sla else [inc.as_dict(v) for v in inc.views(conn) if v.overdue or not overdue]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    cols = (
        ["lab", "filed", "filed_on_time", "acks_due", "acked_on_time", "compliance"]
        if sla
        else ["id", "kind", "reporter", "confirmed_at", "deadline", "filed_on_time", "awaiting", "overdue"]
    )
    table = Table(*cols)
    for r in rows:
        table.add_row(
            *[
                f"{r[c]:.0%}"
                if c == "compliance"
                else ", ".join(r[c])
                if isinstance(r[c], list)
                else str(r[c])
                for c in cols
            ]
        )
    out.print(table)


@audit_app.command("verify")
def audit_verify(
    db: str = DbOpt, log_key: Path | None = LogKeyOpt, log_origin: str | None = LogOriginOpt
) -> None:
    """Recompute the log from the database and check every signed checkpoint; exit 1 naming the first
    bad entry."""
    from aisac.hub.checkpoints import LogKey, key_from_env
    from aisac.hub.db import make_engine
    from aisac.hub.tlog_verify import verify

    path, origin = key_from_env(db, log_key, log_origin)
    try:
        verifier = LogKey.load(path, origin).verifier
    except (FileNotFoundError, ValueError) as exc:
        fail(f"cannot check checkpoint signatures: {exc}")
    result = verify(make_engine(db), verifier)
    if result.problem:
        typer.echo(f"TAMPERED: {result.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"intact: {result.leaves} leaves, {result.checkpoints} signed checkpoints verified")


@audit_app.command("reads")
def audit_reads(
    object_id: str = typer.Option(..., "--object", help="STIX id of the object."),
    db: str = DbOpt,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Which members read an AMBER, AMBER+STRICT or RED object, and when (from the transparency log)."""
    from aisac.hub.db import make_engine
    from aisac.hub.timefmt import format_ts
    from aisac.hub.tlog import reads_of

    with make_engine(db).connect() as conn:
        rows = reads_of(conn, object_id)
    found = [
        {"leaf": r.idx, "reader": r.actor, "at": format_ts(r.at), "submitter": r.subject, "detail": r.detail}
        for r in rows
    ]
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    table = Table("leaf", "reader", "at", "submitter", "detail", title=f"reads of {object_id}")
    for r in found:
        table.add_row(*(str(r[c]) for c in ("leaf", "reader", "at", "submitter", "detail")))
    out.print(table)
