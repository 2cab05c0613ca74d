"""Replay evaluation with campaign phases (only a campaign's own traffic counts) and account pathways."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from aisac.cli import app as cli
from aisac.contract.labels import read_labels
from aisac.enforce import Guard
from aisac.enforce.evaluation import evaluate, read_campaign_phases
from aisac.enforce.policy import parse_policy
from aisac.enforce.replay import replay

from .helpers import T0, Traffic, iso, messages

#: Acts on the 15th request of any account, so that counts before and after a takeover are known exactly.
AT_FIFTEEN = """
version: test-phases
rules:
  - {name: fifteenth, when: {requests: {gte: 15}}, action: throttle}
"""
SWITCH = T0 + 10_000


def _aged_log(tmp_path):
    """One aged account: 10 requests of its own life, then 10 of a campaign's; one benign account."""
    rows = []
    for i in range(20):
        t = T0 + i * 600 if i < 10 else SWITCH + (i - 10) * 60
        rows.append(
            {
                "time": iso(t),
                "account.id": "aged-0",
                "gen_ai.request.model": "m",
                "gen_ai.usage.input_tokens": 50,
                "gen_ai.usage.output_tokens": 400,
                "client.address": "192.0.2.10",
                "user_agent.original": "Mozilla/5.0",
                "gen_ai.input.messages": messages(None, [("user", f"question {i}")]),
            }
        )
    rows += [{**r, "account.id": "person-1", "time": iso(T0 + 5 + n)} for n, r in enumerate(rows[:3])]
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "labels.csv").write_text(
        "account_id,label,persona,campaign\naged-0,distillation,aged_switch,C1-aged\nperson-1,benign,hobbyist,\n"
    )
    phases = tmp_path / "campaign_phases.csv"
    phases.write_text(f"account_id,campaign,campaign_from\naged-0,C1-aged,{iso(SWITCH)}\n")
    return tmp_path / "log.jsonl", tmp_path / "labels.csv", phases


def test_only_exchanges_after_the_takeover_count_as_the_campaigns(tmp_path) -> None:
    log, labels_path, phases_path = _aged_log(tmp_path)
    labels = read_labels(labels_path)
    phases = read_campaign_phases(phases_path, labels)
    result = replay([log], Guard(parse_policy(AT_FIFTEEN)), phase_from=phases)
    tally = result.tallies["aged-0"]
    assert (tally.requests, tally.served_before_action) == (20, 14)
    assert (tally.phase_requests, tally.phase_served_before_action) == (10, 4)
    kind = evaluate(result.tallies, labels)["campaign_kinds"]["aged_switch"]
    assert kind["exchanges"] == 10 and kind["served_in_full_before_action"] == 0.4
    assert kind["account_exchanges"] == 20 and kind["served_in_full_before_action_whole_account"] == 0.7
    assert kind["worst_campaign"] == "C1-aged"
    # Without phases every request of the account is the campaign's, as before.
    whole = evaluate(replay([log], Guard(parse_policy(AT_FIFTEEN))).tallies, labels)["campaign_kinds"]
    assert whole["aged_switch"]["exchanges"] == 20 and whole["aged_switch"]["served_in_full_before_action"] == 0.7


def test_replay_cli_reads_the_phases_beside_the_labels_and_rejects_bad_ones(tmp_path) -> None:
    log, labels, phases = _aged_log(tmp_path)
    policy = tmp_path / "p.yaml"
    policy.write_text(AT_FIFTEEN)
    out = tmp_path / "out"
    args = ["enforce", "replay", str(log), "--out", str(out), "--labels", str(labels), "--policy", str(policy)]
    res = CliRunner().invoke(cli, args, catch_exceptions=False, env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "campaign exchanges from" in res.output
    kind = json.loads((out / "evaluation.json").read_text())["campaign_kinds"]["aged_switch"]
    assert (kind["exchanges"], kind["account_exchanges"]) == (10, 20)

    phases.write_text("account_id,campaign,campaign_from\naged-0,C1-aged,yesterday\n")
    res = CliRunner().invoke(cli, args, env={"COLUMNS": "250"})
    assert res.exit_code == 2
    assert "campaign_phases.csv:2 [campaign_from]: expected an RFC 3339 time" in res.output.replace("\n", "")

    phases.write_text(f"account_id,campaign,campaign_from\nperson-1,C1-aged,{iso(SWITCH)}\n")
    res = CliRunner().invoke(cli, args, env={"COLUMNS": "250"})
    assert res.exit_code == 2 and "'person-1'" in res.output and "label benign" in res.output.replace("\n", " ")

    other = tmp_path / "elsewhere.csv"
    other.write_text(f"account_id,campaign,campaign_from\naged-0,C1-aged,{iso(T0)}\n")
    res = CliRunner().invoke(cli, [*args, "--phases", str(other)], catch_exceptions=False, env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    kind = json.loads((out / "evaluation.json").read_text())["campaign_kinds"]["aged_switch"]
    assert kind["exchanges"] == 20  # the explicit file wins over the one beside the labels


def _with_pathway(traffic: Traffic, ids: list[str], pathway: str) -> None:
    wanted = set(ids)
    for r in traffic.records:
        if r["account.id"] in wanted:
            r["account.pathway"] = pathway


def test_campaign_programme_accounts_are_challenged_and_programme_users_are_not(traffic: Traffic, tmp_path) -> None:
    ring = traffic.campaign("ring", accounts=6, requests_each=150)
    students = traffic.chat_app(accounts=15, requests_each=80, persona="student")
    traffic.batch_job("acme-etl", 1500)
    _with_pathway(traffic, ring + students, "education")
    log, labels = traffic.write(tmp_path)
    guard = Guard()
    report = evaluate(replay([log], guard).tallies, read_labels(labels))
    rows = report["pathways"]
    assert rows["distillation/education"]["accounts"] == 6
    assert rows["distillation/education"]["accounts_challenged"] >= 1
    assert rows["benign/education"] == {
        "accounts": 15,
        "requests": 15 * 80,
        "accounts_actioned": 0,
        "accounts_challenged": 0,
        "accounts_suspended_or_revoked": 0,
        "degraded_or_worse": 0.0,
    }
    assert rows["benign/(none)"]["accounts"] == 1  # the batch job sends no pathway
    challenged = [a for a in ring if (guard.evidence(a).get("standing") or {}).get("action") == "challenge"]
    for a in challenged:
        assert {"programme-review", "programme-campaign-review"} & set(guard.evidence(a)["standing"]["rules"])
