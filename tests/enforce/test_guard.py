"""Guard behaviour on hand-built traffic: campaigns acted on, benign traffic left alone, faults counted."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from aisac.contract.findings import FindingsError
from aisac.enforce import Action, Guard, load_policy
from aisac.enforce.links import FLAGGED
from aisac.enforce.policy import parse_policy
from aisac.enforce.seed import load_seed

from .helpers import T0, Traffic, iso, messages


def run(guard: Guard, records: list[dict]) -> tuple[dict[str, Counter], dict[str, int]]:
    """Outcome counts per account and, per account, the request number of its first visible action."""
    outcomes: dict[str, Counter] = defaultdict(Counter)
    first: dict[str, int] = {}
    for r in records:
        d = guard.decide(r)
        aid = r["account.id"]
        outcomes[aid][d.outcome] += 1
        if d.action >= Action.THROTTLE and aid not in first:
            first[aid] = outcomes[aid].total()
    return outcomes, first


def test_campaign_is_suspended_and_benign_traffic_is_not_touched(traffic: Traffic) -> None:
    ring = traffic.campaign("ring", accounts=10, requests_each=300)
    chat = traffic.chat_app(accounts=20, requests_each=150)
    etl = traffic.batch_job("acme-etl", 2000)
    guard = Guard()
    outcomes, first = run(guard, traffic.sorted_records())
    for aid in ring:
        assert first[aid] <= 25, (aid, first[aid])
        assert outcomes[aid]["blocked"] >= 250
        assert guard.state.standing(aid)["action"] == "suspend"
    for aid in [*chat, etl]:
        assert aid not in first, (aid, outcomes[aid])
        assert outcomes[aid]["degraded"] + outcomes[aid]["blocked"] + outcomes[aid]["throttled"] == 0
    assert not guard.faults


def test_ban_and_replace_newcomer_is_caught_on_first_request(traffic: Traffic) -> None:
    traffic.campaign("ring", accounts=6, requests_each=120)
    guard = Guard()
    run(guard, traffic.sorted_records())
    # A fresh account on one of the ring's cards, from a new address, with a new user agent.
    d = guard.decide(
        {
            "time": iso(T0 + 86400),
            "account.id": "fresh-1",
            "gen_ai.request.model": "frontier-1",
            "gen_ai.usage.input_tokens": 80,
            "gen_ai.usage.output_tokens": 2000,
            "client.address": "192.0.2.77",
            "account.payment_fingerprint": "ring-card-1",
            "user_agent.original": "curl/8",
        }
    )
    assert d.action >= Action.SUSPEND, d
    assert d.outcome == "blocked"
    # The same first request with an unrelated card and address is served.
    d2 = guard.decide(
        {
            "time": iso(T0 + 86401),
            "account.id": "fresh-2",
            "gen_ai.request.model": "frontier-1",
            "gen_ai.usage.input_tokens": 80,
            "gen_ai.usage.output_tokens": 2000,
            "client.address": "192.0.2.78",
            "account.payment_fingerprint": "someone-else",
            "user_agent.original": "curl/8",
        }
    )
    assert d2.action < Action.THROTTLE and d2.outcome in (
        "served",
        "monitored",
    )  # the shared agent only watches


def test_template_alone_links_a_newcomer_with_fresh_infrastructure(traffic: Traffic) -> None:
    traffic.campaign("ring", accounts=6, requests_each=120)
    guard = Guard()
    run(guard, traffic.sorted_records())
    rec = dict(
        traffic.records[0],
        **{
            "account.id": "fresh-3",
            "client.address": "192.0.2.200",
            "account.payment_fingerprint": "new-card",
            "user_agent.original": "x/1",
            "time": iso(T0 + 90000),
        },
    )
    assert guard.decide(rec).action >= Action.DEGRADE


def test_carrier_nat_does_not_glue_strangers_to_a_campaign(traffic: Traffic) -> None:
    # The campaign and 40 ordinary customers share one carrier-grade NAT block and ASN.
    traffic.campaign("ring", accounts=4, requests_each=150, block="100.64.1")
    chat = traffic.chat_app(accounts=40, requests_each=60, block="100.64.1")
    guard = Guard()
    _, first = run(guard, traffic.sorted_records())
    assert [a for a in chat if a in first] == []
    newcomer = {
        "time": iso(T0 + 3 * 86400),
        "account.id": "nat-newcomer",
        "gen_ai.request.model": "frontier-1",
        "gen_ai.usage.input_tokens": 300,
        "gen_ai.usage.output_tokens": 200,
        "client.address": "100.64.1.9",
        "user_agent.original": "openai-python/1.40",
    }
    assert guard.decide(newcomer).action < Action.THROTTLE


def test_accounts_of_one_organisation_sharing_a_card_are_not_a_campaign(traffic: Traffic) -> None:
    # An evaluation lab: three accounts of one organisation, one card, distillation-like benchmark sweeps.
    lab = traffic.campaign("evals", accounts=3, requests_each=200, kind="eval_lab")
    for r in traffic.records:
        r["account.org_id"] = "org-evals"
    outcomes, _ = run(Guard(), traffic.sorted_records())
    for aid in lab:
        assert outcomes[aid]["degraded"] + outcomes[aid]["blocked"] == 0, outcomes[aid]
    # The same three accounts under three different organisations are a ring.
    for r in traffic.records:
        r["account.org_id"] = "org-" + r["account.id"]
    outcomes, _ = run(Guard(), traffic.sorted_records())
    assert all(outcomes[aid]["blocked"] > 0 for aid in lab)


def _harness(aid: str, i: int, created: float, org: str | None) -> dict:
    """A coding-agent request: fixed harness system prompt, varying task, modest outputs."""
    rec = {
        "time": iso(T0 + 3600 + i * 13.0),
        "account.id": aid,
        "gen_ai.request.model": "frontier-1",
        "gen_ai.usage.input_tokens": 4000,
        "gen_ai.usage.output_tokens": 900,
        "client.address": f"192.0.2.{i % 200}",
        "account.payment_fingerprint": f"card-{aid}",
        "account.created_at": iso(created),
        "gen_ai.input.messages": messages(
            "You are an autonomous engineer. Narrate every tool call in full.",
            [("user", f"Task {i}: fix the failing test in repo {aid}")],
        ),
    }
    if org:
        rec["account.org_id"] = org
    return rec


def test_a_crowd_of_fresh_accounts_on_one_harness_prompt_is_sent_to_review() -> None:
    guard = Guard()
    fresh = [_harness(f"farm-{a}", i * 25 + a, T0 - 20 * 86400, None) for i in range(30) for a in range(25)]
    outcomes, _ = run(guard, sorted(fresh, key=lambda r: r["time"]))
    assert sum(o["challenged"] for o in outcomes.values()) > 0.5 * len(fresh)
    assert guard.state.standing("farm-24")["rules"] == ["sybil-cluster-review"]
    # Established customers sharing one vendor's harness prompt are left alone.
    guard = Guard()
    old = [
        _harness(f"cust-{a}", i * 25 + a, T0 - 400 * 86400, f"org-{a}") for i in range(30) for a in range(25)
    ]
    outcomes, first = run(guard, sorted(old, key=lambda r: r["time"]))
    assert first == {}


def test_throttle_uses_a_token_bucket_at_the_lowered_rate() -> None:
    policy = parse_policy("""
version: t1
throttle: {requests_per_minute: 60, burst: 3}
rules:
  - {name: throttle-all, action: throttle}
""")
    guard = Guard(policy)
    outs = [guard.decide({"account.id": "a", "time": T0 + i * 0.01}) for i in range(6)]
    assert [d.outcome for d in outs] == ["monitored"] * 3 + ["throttled"] * 3
    assert outs[-1].retry_after_s is not None and 0 < outs[-1].retry_after_s <= 1.0
    assert guard.decide({"account.id": "a", "time": T0 + 5.0}).outcome == "monitored"  # refilled


def test_degrade_carries_output_limits_and_a_customer_message() -> None:
    policy = parse_policy("""
version: t2
degrade: {max_tokens: 256, choice_count: 1, reasoning: summarised}
rules:
  - {name: degrade-all, action: degrade}
""")
    d = Guard(policy).decide({"account.id": "a", "time": T0})
    assert d.outcome == "degraded"
    assert d.limits == {"max_tokens": 256, "choice_count": 1, "reasoning": "summarised"}
    assert d.policy_version == "t2" and d.rules == ("degrade-all",)
    assert d.reference and d.reference in d.message and "appeal" in d.message


def test_customer_messages_do_not_disclose_detection_internals(traffic: Traffic) -> None:
    traffic.campaign("ring", accounts=5, requests_each=60)
    guard = Guard()
    messages = {d.message for d in map(guard.decide, traffic.sorted_records()) if d.message}
    assert messages
    internals = [
        *guard.compiled.rule_names,
        "score",
        "campaign",
        "fingerprint",
        "ring-card",
        "template",
        "signature",
    ]
    for m in messages:
        assert "appeal" in m.lower()
        for word in internals:
            assert word not in m.lower(), (word, m)


def test_every_decision_records_rule_and_policy_version(traffic: Traffic) -> None:
    traffic.campaign("ring", accounts=3, requests_each=60)
    guard = Guard()
    for d in map(guard.decide, traffic.sorted_records()):
        assert d.policy_version == load_policy().version
        if d.action > Action.ALLOW:
            assert d.rules and all(r in guard.compiled.rule_names for r in d.rules)
            assert d.reason.startswith(", ".join(d.rules))


def test_bad_requests_get_the_safe_default_and_are_counted() -> None:
    guard = Guard()
    bad = [None, [], "text", {}, {"account.id": ""}, {"account.id": 7}, {"time": "2026-01-01T00:00:00Z"}]
    for b in bad:
        d = guard.decide(b)  # type: ignore[arg-type]
        assert d.action == Action.ALLOW and d.fault == "malformed"
    assert guard.faults["malformed"] == len(bad)
    d = guard.decide(
        {
            "account.id": "a",
            "time": "yesterday",
            "gen_ai.usage.input_tokens": -4,
            "client.asn": "x",
            "gen_ai.input.messages": "{not json",
            "shoe.size": 44,
        }
    )
    assert d.fault is None and d.action == Action.ALLOW
    assert guard.faults["bad_field"] >= 4 and guard.faults["unknown_field"] == 1
    assert any("gen_ai.usage.input_tokens" in f for f in guard.recent_faults)


def test_safe_default_is_configurable() -> None:
    policy = parse_policy("version: t3\nsafe_default: monitor\nrules: []\n")
    assert Guard(policy).decide({"nope": 1}).action == Action.MONITOR


def test_out_of_order_and_clock_skew_are_tolerated_and_counted() -> None:
    guard = Guard()
    guard.decide({"account.id": "a", "time": T0 + 7200})
    d = guard.decide({"account.id": "a", "time": T0})  # two hours late: beyond max_reorder_s
    assert d.fault is None and guard.faults["out_of_order"] == 1
    guard.decide({"account.id": "a", "time": T0 + 7100})  # slightly late: tolerated silently
    assert guard.faults["out_of_order"] == 1
    wall = Guard(clock=lambda: T0)
    wall.decide({"account.id": "b", "time": T0 + 86400})
    wall.decide({"account.id": "b", "time": T0 + 10})
    assert wall.faults["clock_skew"] == 1


def test_internal_error_never_reaches_the_gateway(monkeypatch) -> None:
    guard = Guard()

    def boom(*a, **k):
        raise RuntimeError("state backend down")

    monkeypatch.setattr(guard.state, "lookup", boom)
    d = guard.decide({"account.id": "a", "time": T0})
    assert d.action == Action.ALLOW and d.fault == "internal" and guard.faults["internal"] == 1


def test_signatures_from_the_policy_are_evidence() -> None:
    policy = parse_policy("""
version: t4
signatures:
  - {name: shared-harvester-ua, field: user_agent, contains: [harvester]}
  - {name: shared-card, field: payment, values: [card-x]}
rules:
  - {name: sig-ua, action: degrade, when: {signatures: [shared-harvester-ua]}}
  - {name: sig-card, action: suspend, when: {signatures: [shared-card]}}
""")
    guard = Guard(policy)
    assert guard.decide({"account.id": "a", "user_agent.original": "ring-harvester/1", "time": T0}).rules == (
        "sig-ua",
    )
    assert (
        guard.decide({"account.id": "b", "account.payment_fingerprint": "card-x", "time": T0}).outcome
        == "blocked"
    )
    assert guard.decide({"account.id": "c", "user_agent.original": "curl", "time": T0}).action == Action.ALLOW


def test_pathway_jurisdiction_and_age_conditions() -> None:
    policy = parse_policy("""
version: t5
flagged_jurisdictions: [XX]
rules:
  - {name: review-region, action: monitor, when: {flagged_jurisdiction: true}}
  - {name: young-programme, action: challenge, when: {pathway: [education], account_age_days: {lt: 7}}}
""")
    guard = Guard(policy)
    assert (
        guard.decide({"account.id": "a", "client.geo.country_iso_code": "XX", "time": T0}).action
        == Action.MONITOR
    )
    young = {
        "account.id": "s",
        "account.pathway": "Education",
        "account.created_at": iso(T0 - 86400),
        "time": T0,
    }
    assert guard.decide(young).outcome == "challenged"
    old = {
        "account.id": "o",
        "account.pathway": "education",
        "account.created_at": iso(T0 - 90 * 86400),
        "time": T0,
    }
    assert guard.decide(old).action == Action.ALLOW


def test_seed_from_detector_output_flags_from_the_first_request(tmp_path) -> None:
    (tmp_path / "accounts.csv").write_text(
        "account_id,score,flagged,campaign,reasons\nbad-1,0.97,true,C1,volume;template\nbad-2,0.9,true,C1,x\n"
        "ok-1,0.1,false,,\n"
    )
    (tmp_path / "campaigns.json").write_text('[{"id": "C1", "score": 0.95}]')
    seed = load_seed(tmp_path / "accounts.csv", tmp_path / "campaigns.json")
    guard = Guard(seed=seed)
    assert guard.decide({"account.id": "bad-1", "time": T0}).outcome == "blocked"
    assert guard.decide({"account.id": "ok-1", "time": T0}).action == Action.ALLOW
    (tmp_path / "bad.csv").write_text("account_id,score,flagged\nx,high,true\n")
    with pytest.raises(FindingsError, match=r"bad.csv:2 \[score\]: expected a number"):
        load_seed(tmp_path / "bad.csv")


def test_a_suspended_account_is_decided_from_its_standing_alone(traffic: Traffic) -> None:
    """Once at the policy's ceiling, an account's requests are refused without being scored (cheap under a
    campaign's retries), it counts as flagged for linking, and an appeal reversal puts it back on the full
    path at once."""
    ring = traffic.campaign("ring", accounts=6, requests_each=120)
    guard = Guard()
    run(guard, traffic.sorted_records())
    aid = ring[0]
    acct = guard.accounts[aid]
    assert guard.compiled.max_action == Action.SUSPEND
    assert acct.held and acct.status == FLAGGED
    assert all(guard.links.keys[k].flagged >= 1 for k in acct.links)  # it counts on every key it was seen on
    n, score = acct.features.n, acct.score
    later = dict(traffic.records[0], **{"account.id": aid, "time": iso(T0 + 7 * 86400)})
    for i in range(5):
        d = guard.decide(dict(later, time=iso(T0 + 7 * 86400 + i)))
        assert (d.action, d.outcome) == (Action.SUSPEND, "blocked")
        assert d.reference == guard.state.standing(aid)["reference"] and d.message
    assert acct.features.n == n and acct.score == score  # not scored while suspended
    guard.reverse(aid, appeal="A-1")
    assert not acct.held
    d = guard.decide(dict(later, time=iso(T0 + 7 * 86400 + 10)))
    assert d.outcome != "blocked" or guard.state.standing(aid)["reference"] != d.reference
    assert acct.features.n == n + 1  # scored again from the first request after the reversal


def test_a_policy_that_can_revoke_keeps_scoring_suspended_accounts(traffic: Traffic) -> None:
    """A suspension is only final where no rule can raise it: with a revoke rule it is scored as before."""
    policy = load_policy()
    # Revoke what the batch detector flagged: never fires here (no seed), but a suspension is no longer final.
    revoke = policy.rules[-1].model_copy(update={"name": "detector-revoke", "action": Action.REVOKE})
    guard = Guard(policy.model_copy(update={"rules": [*policy.rules, revoke]}))
    ring = traffic.campaign("ring", accounts=6, requests_each=120)
    outcomes, _ = run(guard, traffic.sorted_records())
    assert guard.compiled.max_action == Action.REVOKE
    suspended = [a for a in ring if guard.state.standing(a)["action"] == "suspend"]
    assert suspended and not any(guard.accounts[a].held for a in suspended)
    assert all(guard.accounts[a].features.n == outcomes[a].total() for a in suspended)
