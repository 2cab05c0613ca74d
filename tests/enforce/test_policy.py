"""Policy files: the packaged default loads; bad files fail with the field and the rule broken."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisac.enforce.actions import Action
from aisac.enforce.policy import PolicyError, load_policy, parse_policy
from aisac.enforce.rules import CompiledPolicy, Evidence


def test_packaged_default_is_valid_and_versioned() -> None:
    p = load_policy()
    assert p.version and p.rules
    assert p.safe_default == Action.ALLOW
    assert {r.action for r in p.rules} >= {Action.MONITOR, Action.THROTTLE, Action.DEGRADE, Action.SUSPEND}


def test_a_minimal_policy_gets_the_packaged_parameters() -> None:
    minimal = parse_policy("version: mine\nrules: []\n")
    packaged = load_policy()
    for part in ("detection", "throttle", "degrade", "clock", "safe_default"):
        assert getattr(minimal, part) == getattr(packaged, part), part


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules: []", "version: Field required"),
        ("version: v\nrules:\n  - {name: a, action: obliterate}", "rules.0.action"),
        (
            "version: v\nrules:\n  - {name: a, action: allow, when: {account_score: {}}}",
            "at least one of gte",
        ),
        ("version: v\nrules:\n  - {name: a, action: allow, when: {colour: red}}", "rules.0.when.colour"),
        (
            "version: v\nrules:\n  - {name: a, action: allow}\n  - {name: a, action: monitor}",
            "repeated: ['a']",
        ),
        (
            "version: v\nrules:\n  - {name: a, action: allow, when: {signatures: [nope]}}",
            "undefined signatures",
        ),
        ("version: v\nmessages: {suspend: 'score was {score}'}\nrules: []", "allowed: reference, appeal_url"),
        ("version: v\ndetection: {flag_score: 2}\nrules: []", "detection.flag_score"),
        (
            "version: v\nsignatures: [{name: s, field: payment, contains: [x]}]\nrules: []",
            "only allowed for field",
        ),
        ("- just\n- a list", "expected a mapping"),
        ("version: [unclosed", "not valid YAML"),
    ],
)
def test_bad_policies_name_the_field_and_rule(text: str, expected: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(text, "my-policy.yaml")
    assert "my-policy.yaml" in str(err.value)
    assert expected in str(err.value)


def test_unreadable_policy_file_names_the_path(tmp_path) -> None:
    with pytest.raises(PolicyError, match=r"missing\.yaml: cannot read"):
        load_policy(tmp_path / "missing.yaml")


def test_most_severe_matching_rule_wins_and_ties_are_all_named() -> None:
    p = CompiledPolicy(
        parse_policy("""
version: v
rules:
  - {name: watch, action: monitor, when: {account_score: {gte: 0.3}}}
  - {name: slow, action: throttle, when: {account_score: {gte: 0.5}}}
  - {name: slow-too, action: throttle, when: {campaign_score: {gte: 0.5}}}
""")
    )
    assert p.evaluate(Evidence(account_score=0.1)) == (Action.ALLOW, ())
    assert p.evaluate(Evidence(account_score=0.4)) == (Action.MONITOR, ("watch",))
    assert p.evaluate(Evidence(account_score=0.6, campaign_score=0.9)) == (
        Action.THROTTLE,
        ("slow", "slow-too"),
    )


POLICY = parse_policy("""
version: v
flagged_jurisdictions: [XX]
signatures: [{name: s1, field: payment, values: [c]}]
rules:
  - {name: r1, action: monitor, when: {account_score: {gt: 0.25, lte: 0.75}}}
  - {name: r2, action: throttle, when: {campaign_score: {gte: 0.5}, requests: {gte: 100}}}
  - {name: r3, action: degrade, when: {account_age_days: {lt: 7}, pathway: [education]}}
  - {name: r4, action: challenge, when: {flagged_jurisdiction: true, account_score: {gte: 0.5}}}
  - {name: r5, action: suspend, when: {signatures: [s1], detector_flagged: true}}
""")

evidence = st.builds(
    Evidence,
    account_score=st.floats(0, 1),
    campaign_score=st.floats(0, 1),
    requests=st.integers(0, 1000),
    account_age_days=st.none() | st.floats(0, 30),
    pathway=st.sampled_from([None, "education", "startup"]),
    jurisdiction=st.sampled_from([None, "XX", "YY"]),
    signatures=st.frozensets(st.sampled_from(["s1", "other"])),
    detector_flagged=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(evidence, min_size=1, max_size=20))
def test_memoised_evaluation_equals_a_fresh_one(seen: list[Evidence]) -> None:
    warm = CompiledPolicy(POLICY)
    for e in seen:
        assert warm.evaluate(e) == CompiledPolicy(POLICY).evaluate(e)
