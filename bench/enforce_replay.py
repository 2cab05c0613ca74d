"""Replay quality on simulated weeks: per campaign kind, the share of exchanges served in full before
action; per benign persona, the share of requests throttled / degraded or worse; heavy benign accounts
suspended or revoked. Pass weeks written by `aisac simulate --out DIR` (log/ and labels.csv).

    aisac simulate --out /tmp/w101 --days 7 --seed 101 --scale 0.3
    .venv/bin/python bench/enforce_replay.py /tmp/w101 /tmp/w102 /tmp/w103
    .venv/bin/python bench/enforce_replay.py --seeds 201 202 203     # simulates the weeks first
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aisac.enforce import Guard, load_policy
from aisac.enforce.evaluation import evaluate, read_labels
from aisac.enforce.replay import replay


def one_week(week: Path, policy: Path | None) -> dict:
    guard = Guard(load_policy(policy))
    start = time.perf_counter()
    result = replay([week / "log"], guard)
    seconds = time.perf_counter() - start
    report = evaluate(result.tallies, read_labels(week / "labels.csv"))
    requests = sum(t.requests for t in result.tallies.values())
    report["run"] = {
        "week": str(week),
        "requests": requests,
        "replay_s": round(seconds, 1),
        "decisions_per_s": round(requests / seconds),
        "policy_version": guard.version,
        "guard_faults": dict(guard.faults),
    }
    return report


def markdown(reports: list[dict]) -> str:
    weeks = [Path(r["run"]["week"]).name for r in reports]
    lines = [
        "| campaign kind | " + " | ".join(f"{w}: served in full before action" for w in weeks) + " |",
        "| --- |" + " --- |" * len(weeks),
    ]
    kinds = sorted({k for r in reports for k in r["campaign_kinds"]})
    for k in kinds:
        cells = [
            f"{r['campaign_kinds'][k]['served_in_full_before_action']:.3%}"
            if k in r["campaign_kinds"]
            else "-"
            for r in reports
        ]
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| benign persona | "
        + " | ".join(f"{w}: throttled / degraded or worse / heavy susp." for w in weeks)
        + " |",
        "| --- |" + " --- |" * len(weeks),
    ]
    for p in sorted({p for r in reports for p in r["benign_personas"]}):
        cells = []
        for r in reports:
            v = r["benign_personas"].get(p)
            cells.append(
                "-"
                if v is None
                else f"{v['throttled']:.3%} / {v['degraded_or_worse']:.3%} / "
                f"{v['heavy_suspended_or_revoked']}/{v['heavy_accounts']}"
            )
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| week | requests | benign degraded or worse | heavy benign susp./rev. | decisions/s | faults |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for w, r in zip(weeks, reports, strict=True):
        o = r["overall"]
        lines.append(
            f"| {w} | {r['run']['requests']} | {o['benign_degraded_or_worse']:.4%} | "
            f"{o['heavy_benign_suspended_or_revoked']} | {r['run']['decisions_per_s']} | "
            f"{sum(r['run']['guard_faults'].values())} |"
        )
    return "\n".join(lines)


def simulate(out: Path, seed: int, scale: float) -> Path:
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
    ]
    subprocess.run(cmd, check=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("weeks", nargs="*", type=Path, help="directories written by aisac simulate")
    ap.add_argument(
        "--seeds", nargs="*", type=int, default=[], help="simulate these weeks first (aisac simulate)"
    )
    ap.add_argument("--scale", type=float, default=0.3, help="with --seeds: the simulator's scale")
    ap.add_argument("--policy", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "enforce_replay.json")
    args = ap.parse_args()
    weeks = list(args.weeks)
    if args.seeds:
        work = Path(tempfile.mkdtemp(prefix="enforce-weeks-"))
        weeks += [simulate(work / f"s{seed}", seed, args.scale) for seed in args.seeds]
    if not weeks:
        ap.error("give week directories or --seeds")
    reports = [one_week(w, args.policy) for w in weeks]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(reports, indent=1))
    print(markdown(reports))


if __name__ == "__main__":
    main()
