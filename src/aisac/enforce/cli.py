"""CLI groups owned by enforce: `aisac guard serve`, `aisac enforce replay`, `aisac appeals ...`.

`aisac appeals` is a client of a running guard server, so that a reversal reaches the guard that is
enforcing at once (and, with Redis state, every gateway process).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from aisac.console import EXIT_FOUND, console, fail
from aisac.console import out as tables

guard_app = typer.Typer(help="Run the guard in the request path (HTTP).", no_args_is_help=True)
enforce_app = typer.Typer(help="Evaluate enforcement policies by replaying logs.", no_args_is_help=True)
appeals_app = typer.Typer(help="File and review appeals against enforcement actions.", no_args_is_help=True)

DEFAULT_SERVER = "http://127.0.0.1:8700"

PolicyOpt = Annotated[Path | None, typer.Option(help="policy YAML (default: the packaged policy)")]
SeedAccounts = Annotated[Path | None, typer.Option(help="detector accounts.csv to seed the guard with")]
SeedCampaigns = Annotated[Path | None, typer.Option(help="detector campaigns.json to seed the guard with")]


def _guard(policy: Path | None, seed_accounts: Path | None, seed_campaigns: Path | None, **kw: Any):
    from aisac.contract.findings import FindingsError
    from aisac.enforce.guard import Guard
    from aisac.enforce.policy import PolicyError, load_policy
    from aisac.enforce.seed import load_seed

    try:
        return Guard(load_policy(policy), seed=load_seed(seed_accounts, seed_campaigns), **kw)
    except (PolicyError, FindingsError) as exc:
        fail(str(exc))


@guard_app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8700,
    policy: PolicyOpt = None,
    redis_url: Annotated[
        str | None, typer.Option("--redis", help="share state through Redis at this URL")
    ] = None,
    redis_prefix: str = "aisac:",
    redis_mirror: Annotated[
        bool, typer.Option(help="keep a local mirror of the shared state, current through Redis pub/sub")
    ] = False,
    appeals_db: Annotated[Path, typer.Option(help="SQLite file of appeals and audit")] = Path(
        "appeals.sqlite"
    ),
    analyst_token_file: Annotated[
        Path | None,
        typer.Option(help="file holding the analyst token (else AISAC_ANALYST_TOKEN; never the command line)"),
    ] = None,
    max_body_bytes: Annotated[int, typer.Option(help="largest request body on any route")] = 32 * 1024 * 1024,
    appeals_per_minute: Annotated[float, typer.Option(help="appeals one client address may file a minute")] = 10,
    seed_accounts: SeedAccounts = None,
    seed_campaigns: SeedCampaigns = None,
) -> None:
    """Serve POST /v1/decide, /v1/decide/batch and the appeals endpoints.

    The analyst routes need a token, from --analyst-token-file or the AISAC_ANALYST_TOKEN environment
    variable (a command-line value would show in `ps`); without one they answer 503.
    """
    import os
    import time

    from aisac.enforce.appeals import AppealDesk
    from aisac.enforce.server import create_app, run

    try:
        token = analyst_token_file.read_text().strip() if analyst_token_file else None
    except OSError as exc:
        fail(f"--analyst-token-file {analyst_token_file}: {exc}")
    token = token or os.environ.get("AISAC_ANALYST_TOKEN") or None
    if token is None:
        console.print(
            "warning: no analyst token (AISAC_ANALYST_TOKEN or --analyst-token-file): the analyst routes answer 503",
            style="yellow",
            markup=False,
            soft_wrap=True,
        )
    from aisac.enforce.state import MemoryState, MirroredRedisState, RedisState

    shared = MirroredRedisState if redis_mirror else RedisState
    state = shared(redis_url, redis_prefix) if redis_url else MemoryState()
    guard = _guard(policy, seed_accounts, seed_campaigns, state=state, clock=time.time)
    app = create_app(
        guard,
        AppealDesk(appeals_db, guard),
        token,
        max_body=max_body_bytes,
        appeals_per_minute=appeals_per_minute,
    )
    run(app, host, port)


@enforce_app.command("replay")
def replay_cmd(
    logs: Annotated[list[Path], typer.Argument(help="log files or directories (api-log-v1)")],
    out: Annotated[Path, typer.Option(help="output directory for summary.json")],
    policy: PolicyOpt = None,
    labels: Annotated[
        Path | None, typer.Option(help="labels.csv (account_id,label,persona,campaign)")
    ] = None,
    phases: Annotated[
        Path | None,
        typer.Option(help="campaign_phases.csv (default: the one beside --labels, if any)"),
    ] = None,
    seed_accounts: SeedAccounts = None,
    seed_campaigns: SeedCampaigns = None,
) -> None:
    """Replay LOGS in time order through the guard; write OUT/summary.json (+ evaluation.json with labels).

    With labels, only a campaign account's traffic from its campaign_phases.csv start counts as campaign
    exchanges (an aged account's life before a takeover is not the campaign's)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from aisac.contract.labels import LabelError, read_labels
    from aisac.enforce.evaluation import evaluate, phases_beside, read_campaign_phases
    from aisac.enforce.replay import replay
    from aisac.logs.reader import LogError

    guard = _guard(policy, seed_accounts, seed_campaigns)
    if phases is not None and labels is None:
        fail("--phases needs --labels")
    try:
        truth = read_labels(labels) if labels else None
        phases = phases or (phases_beside(labels) if labels else None)
        starts = read_campaign_phases(phases, truth) if phases and truth is not None else None
    except (LabelError, OSError) as exc:
        fail(str(exc))
    out.mkdir(parents=True, exist_ok=True)
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("replaying", total=None)
        try:
            result = replay(
                logs, guard, lambda done, total: bar.update(task, completed=done, total=total), starts
            )
        except LogError as exc:
            fail(str(exc))
    summary = result.summary()
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    tot = summary["totals"]
    console.print(
        f"{tot['requests']} requests, {tot['accounts']} accounts ({tot['accounts_actioned']} actioned); "
        + ", ".join(
            f"{k} {tot[k]}" for k in ("served", "monitored", "throttled", "degraded", "challenged", "blocked")
        )
        + f"; policy {tot['policy_version']}; wrote {out / 'summary.json'}"
    )
    if truth is not None:
        if phases:
            console.print(f"campaign exchanges from {phases}", markup=False, highlight=False)
        report = evaluate(result.tallies, truth)
        (out / "evaluation.json").write_text(json.dumps(report, indent=1))
        _print_evaluation(report)


#: The evaluation's tables: the report part, a title, the first column, then the keys shown (a key's
#: words are its heading; shares print as percentages).
_EVALUATION_TABLES = (
    (
        "campaign_kinds",
        "Campaign kinds: campaign exchanges served in full before action (target <= 1%)",
        "kind",
        "campaigns accounts exchanges accounts_actioned served_in_full_before_action worst_campaign "
        "worst_campaign_served_before_action account_exchanges served_in_full_before_action_whole_account",
    ),
    (
        "benign_personas",
        "Benign personas: share of requests acted on",
        "persona",
        "accounts requests throttled degraded challenged blocked degraded_or_worse heavy_accounts "
        "heavy_suspended_or_revoked",
    ),
    (
        "pathways",
        "Account pathways: re-verification (challenge) and stops, by label",
        "label/pathway",
        "accounts requests accounts_actioned accounts_challenged accounts_suspended_or_revoked degraded_or_worse",
    ),
)


def _print_evaluation(report: dict) -> None:
    for part, title, first, keys in _EVALUATION_TABLES:
        t = Table(title=title)
        t.add_column(first, justify="left")
        for key in keys.split():
            t.add_column(key.replace("_", " "), justify="right")
        for name, v in report[part].items():
            t.add_row(name, *(f"{x:.3%}" if isinstance(x, float) else str(x) for x in map(v.get, keys.split())))
        tables.print(t)
    tables.print(report["overall"])


# -- appeals: a thin client of the guard server ----------------------------------------------------------

Server = Annotated[str, typer.Option(envvar="AISAC_GUARD_URL", help="guard server URL")]
Token = Annotated[str | None, typer.Option(envvar="AISAC_ANALYST_TOKEN", help="analyst token")]


def _call(method: str, server: str, path: str, token: str | None = None, body: dict | None = None) -> Any:
    import httpx

    headers = {"X-Analyst-Token": token} if token else {}
    try:
        r = httpx.request(method, server.rstrip("/") + path, json=body, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        fail(f"cannot reach the guard at {server}: {exc}")
    if r.status_code >= 400:
        detail = (
            r.json().get("detail", r.text)
            if r.headers.get("content-type", "").startswith("application/json")
            else r.text
        )
        fail(f"{method} {path}: HTTP {r.status_code}: {detail}", EXIT_FOUND)
    return r.json()


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=1, sort_keys=True))


@appeals_app.command("file")
def file_appeal(
    account: Annotated[str, typer.Option(help="the account the appeal is about")],
    message: Annotated[str, typer.Option(help="what the customer says")],
    reference: Annotated[str | None, typer.Option(help="reference quoted from the action's message")] = None,
    contact: str | None = None,
    server: Server = DEFAULT_SERVER,
) -> None:
    """Record a customer's appeal (customer-facing; shows no evidence)."""
    body = {"account_id": account, "message": message, "reference": reference, "contact": contact}
    _print(_call("POST", server, "/v1/appeals", body=body))


@appeals_app.command("list")
def list_appeals(
    status: Annotated[str | None, typer.Option(help="open, upheld or denied")] = None,
    server: Server = DEFAULT_SERVER,
    token: Token = None,
) -> None:
    """Appeals, oldest first (analyst)."""
    _print(_call("GET", server, "/v1/appeals" + (f"?status={status}" if status else ""), token))


@appeals_app.command("show")
def show_appeal(appeal_id: str, server: Server = DEFAULT_SERVER, token: Token = None) -> None:
    """One appeal with the evidence when filed and now, and its audit trail (analyst)."""
    _print(_call("GET", server, f"/v1/appeals/{appeal_id}", token))


@appeals_app.command("decide")
def decide_appeal(
    appeal_id: str,
    outcome: Annotated[str, typer.Option(help="uphold (reverse the action) or deny")],
    analyst: Annotated[str, typer.Option(help="who decides (audited)")],
    note: str = "",
    server: Server = DEFAULT_SERVER,
    token: Token = None,
) -> None:
    """Uphold or deny an appeal; upholding restores access at once and allow-lists the exact evidence."""
    body = {"analyst": analyst, "outcome": outcome, "note": note}
    _print(_call("POST", server, f"/v1/appeals/{appeal_id}/decision", token, body))


@appeals_app.command("export-labels")
def export_labels(
    out: Annotated[Path, typer.Option(help="labels.csv to write (account_id,label,persona,campaign)")],
    server: Server = DEFAULT_SERVER,
    token: Token = None,
) -> None:
    """Upheld appeals as labelled false positives, for tuning the detector and the policy."""
    from aisac.enforce.appeals import write_labels

    n = write_labels(_call("GET", server, "/v1/appeals/false-positives", token), out)
    console.print(f"wrote {n} labelled false positives to {out}")
