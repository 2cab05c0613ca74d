"""Replay quality on simulated weeks: per campaign kind, the share of exchanges served in full before
action; per benign persona, the share of requests throttled / degraded or worse; heavy benign accounts
suspended or revoked; per account pathway, how programme accounts were treated. Pass weeks written by
`aisac simulate --out DIR` (log/, labels.csv and campaign_phases.csv: only a campaign account's traffic from
its campaign start counts as campaign exchanges; the whole-account share is printed beside it).

    aisac simulate --out /tmp/w101 --days 7 --seed 101 --scale 0.3
    .venv/bin/python bench/enforce_replay.py /tmp/w101 /tmp/w102 /tmp/w103
    .venv/bin/python bench/enforce_replay.py --seeds 201 202 203     # simulates the weeks first
    .venv/bin/python bench/enforce_replay.py /tmp/w101 --movers 0.2   # a fifth of the people move (below)
    .venv/bin/python bench/enforce_replay.py --seeds 2001 --family field --detector   # seeded by `aisac detect`

`--detector` runs `aisac detect` on each week first and seeds the guard with its accounts.csv and
campaigns.json (the nightly batch feeding the guard); without it the guard decides on its own evidence only.

`--movers SHARE` replays copies of the weeks in which that share of the people (hobbyist, developer and
team accounts) move once, at a random moment of their week, to a new client and a carrier-grade NAT
network: the case the guard's identity-shift rule must not punish, which the simulator's personas, each
with one client family and one address, never show.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from aisac.contract.labels import read_labels
from aisac.enforce import Guard, load_policy
from aisac.enforce.evaluation import evaluate, phases_beside, read_campaign_phases
from aisac.enforce.replay import replay
from aisac.enforce.seed import Seed, load_seed

PEOPLE = ("hobbyist", "developer", "team_member")
MOVED_CLIENTS = (
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "okhttp/4.12.0",
)


def with_movers(week: Path, share: float, out: Path) -> Path:
    """A copy of `week` in which `share` of the people move once to a new client on a carrier NAT network.

    Who moves and when is a hash of the account id, so the copy is the same on every run.
    """
    (out / "log").mkdir(parents=True, exist_ok=True)
    for name in ("labels.csv", "campaign_phases.csv"):
        if (week / name).exists():
            shutil.copy(week / name, out / name)
    people = ", ".join(f"'{p}'" for p in PEOPLE)
    clients = "[" + ", ".join("'" + c.replace("'", "''") + "'" for c in MOVED_CLIENTS) + "]"
    duckdb.sql(f"""
        COPY (
            WITH spans AS (
                SELECT "account.id" AS account, min(time) AS first, max(time) AS last
                FROM read_parquet('{week}/log/*.parquet') r
                JOIN read_csv('{week}/labels.csv', all_varchar = true) l ON l.account_id = r."account.id"
                WHERE l.persona IN ({people}) AND (hash(account_id || 'who') % 10000) < {round(share * 10000)}
                GROUP BY ALL
            ), movers AS (
                SELECT account, first + (last - first) * ((hash(account || 'when') % 1000) / 1000.0) AS at,
                       (hash(account) % 1000000)::BIGINT AS h
                FROM spans
            )
            SELECT r.* REPLACE (
                CASE WHEN r.time >= m.at THEN {clients}[1 + m.h % 3] ELSE r."user_agent.original" END
                    AS "user_agent.original",
                CASE WHEN r.time >= m.at THEN '100.64.' || (m.h % 200) || '.' || (1 + (m.h // 200) % 250)
                     ELSE r."client.address" END AS "client.address"
            )
            FROM read_parquet('{week}/log/*.parquet') r LEFT JOIN movers m ON m.account = r."account.id"
        ) TO '{out}/log/moved.parquet' (FORMAT parquet)
    """)
    return out


def detector_seed(week: Path) -> Seed:
    """The batch detector's findings on the week, through its public command and files."""
    out = week / "detect"
    aisac = Path(sys.executable).parent / "aisac"
    subprocess.run([str(aisac), "detect", str(week / "log"), "--out", str(out)], check=True, capture_output=True)
    return load_seed(out / "accounts.csv", out / "campaigns.json")


def one_week(week: Path, policy: Path | None, seeded: bool = False) -> dict:
    guard = Guard(load_policy(policy), seed=detector_seed(week) if seeded else None)
    labels = read_labels(week / "labels.csv")
    phases_path = phases_beside(week / "labels.csv")
    phases = read_campaign_phases(phases_path, labels) if phases_path else None
    start = time.perf_counter()
    result = replay([week / "log"], guard, phase_from=phases)
    seconds = time.perf_counter() - start
    report = evaluate(result.tallies, labels)
    requests = sum(t.requests for t in result.tallies.values())
    report["run"] = {
        "week": str(week),
        "requests": requests,
        "replay_s": round(seconds, 1),
        "decisions_per_s": round(requests / seconds),
        "policy_version": guard.version,
        "guard_faults": dict(guard.faults),
        "campaign_phases": str(phases_path) if phases_path else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    return report


def _per_week(reports: list[dict], part: str, heading: str, what: str, cell: Callable[[dict], str]) -> list[str]:
    """One row per key of `report[part]` (campaign kind, persona, pathway), one column per week."""
    weeks = [Path(r["run"]["week"]).name for r in reports]
    lines = [
        "",
        f"| {heading} | " + " | ".join(f"{w}: {what}" for w in weeks) + " |",
        "| --- |" + " --- |" * len(weeks),
    ]
    for key in sorted({k for r in reports for k in r[part]}):
        cells = [cell(r[part][key]) if key in r[part] else "-" for r in reports]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return lines


def markdown(reports: list[dict]) -> str:
    lines = _per_week(
        reports,
        "campaign_kinds",
        "campaign kind",
        "served in full before action (whole account)",
        lambda v: f"{v['served_in_full_before_action']:.3%} ({v['served_in_full_before_action_whole_account']:.3%})",
    )
    lines += ["", "| week | worst campaign | its share served in full before action |", "| --- | --- | --- |"]
    for r in reports:
        o = r["overall"]
        name = Path(r["run"]["week"]).name
        lines.append(f"| {name} | {o['worst_campaign']} | {o['worst_campaign_served_before_action']:.3%} |")
    lines += _per_week(
        reports,
        "benign_personas",
        "benign persona",
        "throttled / degraded or worse / heavy susp.",
        lambda v: (
            f"{v['throttled']:.3%} / {v['degraded_or_worse']:.3%} / "
            f"{v['heavy_suspended_or_revoked']}/{v['heavy_accounts']}"
        ),
    )
    lines += _per_week(
        reports,
        "pathways",
        "pathway (label/pathway)",
        "accounts / challenged / susp.-rev. / degraded or worse",
        lambda v: (
            f"{v['accounts']} / {v['accounts_challenged']} / {v['accounts_suspended_or_revoked']} / "
            f"{v['degraded_or_worse']:.3%}"
        ),
    )
    lines += [
        "",
        "| week | requests | benign degraded or worse | heavy benign susp./rev. | decisions/s | faults | load avg |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in reports:
        o, run = r["overall"], r["run"]
        lines.append(
            f"| {Path(run['week']).name} | {run['requests']} | {o['benign_degraded_or_worse']:.4%} | "
            f"{o['heavy_benign_suspended_or_revoked']} | {run['decisions_per_s']} | "
            f"{sum(run['guard_faults'].values())} | {' '.join(map(str, run['load_average']))} |"
        )
    return "\n".join(lines[1:])


def simulate(out: Path, seed: int, scale: float, family: str = "default") -> Path:
    """A week written by the simulator's public command (`aisac simulate`), not its internals."""
    aisac = Path(sys.executable).parent / "aisac"
    cmd = [
        str(aisac),
        "simulate",
        "--out",
        str(out),
        "--days",
        "7",
        "--seed",
        str(seed),
        "--scale",
        str(scale),
        "--family",
        family,
    ]
    subprocess.run(cmd, check=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("weeks", nargs="*", type=Path, help="directories written by aisac simulate")
    ap.add_argument("--seeds", nargs="*", type=int, default=[], help="simulate these weeks first (aisac simulate)")
    ap.add_argument("--scale", type=float, default=0.3, help="with --seeds: the simulator's scale")
    ap.add_argument("--family", default="default", help="with --seeds: the simulator's generator family")
    ap.add_argument("--detector", action="store_true", help="seed the guard with `aisac detect` on each week")
    ap.add_argument("--policy", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "enforce_replay.json")
    ap.add_argument("--movers", type=float, default=0.0, help="share of people who move (see the docstring)")
    args = ap.parse_args()
    weeks = list(args.weeks)
    if args.seeds:
        work = Path(tempfile.mkdtemp(prefix="enforce-weeks-"))
        weeks += [simulate(work / f"{args.family}-s{seed}", seed, args.scale, args.family) for seed in args.seeds]
    if not weeks:
        ap.error("give week directories or --seeds")
    if args.movers:
        moved = Path(tempfile.mkdtemp(prefix="enforce-movers-"))
        weeks = [with_movers(w, args.movers, moved / f"{w.name}-movers") for w in weeks]
    reports = [one_week(w, args.policy, args.detector) for w in weeks]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(reports, indent=1))
    print(markdown(reports))


if __name__ == "__main__":
    main()
