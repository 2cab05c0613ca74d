"""`aisac enforce replay`: summary.json shape, time order, and the labelled evaluation."""

from __future__ import annotations

import json
from collections import Counter

from typer.testing import CliRunner

from aisac.cli import app as cli
from aisac.enforce import Guard
from aisac.enforce.actions import OUTCOMES
from aisac.enforce.replay import replay

from .helpers import Traffic


def build(traffic: Traffic) -> None:
    traffic.campaign("ring", accounts=6, requests_each=150)
    traffic.campaign(
        "swarm",
        accounts=20,
        requests_each=25,
        block="198.18.7",
        kind="ban-and-replace",
        start=1772496000.0 + 7200,
    )
    traffic.chat_app(accounts=15, requests_each=80)
    traffic.batch_job("acme-etl", 1500)


def test_replay_cli_writes_the_summary_and_evaluation(traffic: Traffic, tmp_path) -> None:
    build(traffic)
    log, labels = traffic.write(tmp_path)
    out = tmp_path / "out"
    args = ["enforce", "replay", str(log), "--out", str(out), "--labels", str(labels)]
    res = CliRunner().invoke(cli, args, catch_exceptions=False, env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) == {"accounts", "totals"}
    per_account = Counter(r["account.id"] for r in traffic.records)
    assert set(summary["accounts"]) == set(per_account)
    for aid, row in summary["accounts"].items():
        assert set(row) == {*OUTCOMES, "first_action_at"}
        assert sum(row[o] for o in OUTCOMES) == per_account[aid]
        label = traffic.labels[aid][0]
        assert (row["first_action_at"] is not None) == (label == "distillation"), (aid, row)
    totals = summary["totals"]
    assert totals["requests"] == len(traffic.records) == sum(totals[o] for o in OUTCOMES)
    assert totals["accounts"] == len(per_account)

    report = json.loads((out / "evaluation.json").read_text())
    assert set(report["campaign_kinds"]) == {"hydra", "ban-and-replace"}
    assert set(report["benign_personas"]) == {"chat-app", "enterprise-batch"}
    assert report["campaign_kinds"]["hydra"]["served_in_full_before_action"] < 0.15
    assert report["campaign_kinds"]["ban-and-replace"]["accounts_actioned"] == 20
    for v in report["benign_personas"].values():
        assert v["degraded_or_worse"] == 0.0 and v["heavy_suspended_or_revoked"] == 0
    assert "hydra" in res.stdout and "chat-app" in res.stdout


def test_replay_is_in_time_order_whatever_the_file_order(traffic: Traffic, tmp_path) -> None:
    build(traffic)
    shuffled, _ = traffic.write(tmp_path, shuffle=True)
    a = replay([shuffled], Guard()).summary()
    direct = Guard()
    counts: dict[str, Counter] = {}
    for r in traffic.sorted_records():
        counts.setdefault(r["account.id"], Counter())[direct.decide(r).outcome] += 1
    for aid, c in counts.items():
        assert {o: a["accounts"][aid][o] for o in OUTCOMES} == {o: c[o] for o in OUTCOMES}, aid


def test_replay_reports_unreadable_input_clearly(tmp_path) -> None:
    res = CliRunner().invoke(
        cli, ["enforce", "replay", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2 and "no such file" in res.output
    bad_policy = tmp_path / "p.yaml"
    bad_policy.write_text("version: x\nrules: [{name: a, action: nuke}]\n")
    (tmp_path / "l.jsonl").write_text("")
    res = CliRunner().invoke(
        cli,
        [
            "enforce",
            "replay",
            str(tmp_path / "l.jsonl"),
            "--out",
            str(tmp_path / "o"),
            "--policy",
            str(bad_policy),
        ],
    )
    assert res.exit_code == 2 and "rules.0.action" in res.output
