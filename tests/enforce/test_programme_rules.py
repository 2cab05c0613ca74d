"""The packaged policy's programme rules: re-verification on settled or campaign evidence, not on a first
impression, and only for the programme pathways."""

from __future__ import annotations

import pytest

from aisac.enforce import load_policy
from aisac.enforce.actions import Action
from aisac.enforce.rules import CompiledPolicy, Evidence


@pytest.fixture(scope="module")
def policy() -> CompiledPolicy:
    return CompiledPolicy(load_policy())


@pytest.mark.parametrize(
    ("pathway", "score", "campaign", "requests", "action", "rule"),
    [
        ("education", 0.55, 0.0, 5, Action.THROTTLE, "behaviour-throttle"),  # a student's first chats
        ("education", 0.55, 0.0, 25, Action.CHALLENGE, "programme-review"),
        ("Research", 0.55, 0.0, 25, Action.CHALLENGE, "programme-review"),
        ("self_serve", 0.55, 0.0, 25, Action.THROTTLE, "behaviour-throttle"),
        (None, 0.55, 0.0, 25, Action.THROTTLE, "behaviour-throttle"),
        ("startup", 0.5, 0.7, 12, Action.CHALLENGE, "programme-campaign-review"),
        ("startup", 0.3, 0.7, 12, Action.DEGRADE, "campaign-degrade"),  # one shared prompt is not enough
        ("self_serve", 0.5, 0.7, 12, Action.DEGRADE, "campaign-degrade"),
        ("education", 0.5, 0.8, 12, Action.SUSPEND, "campaign-suspend"),  # a stronger rule still wins
    ],
)
def test_programme_rules(policy, pathway, score, campaign, requests, action, rule) -> None:
    got, rules = policy.evaluate(
        Evidence(
            account_score=score, campaign_score=campaign, requests=requests, account_age_days=300.0, pathway=pathway
        )
    )
    assert got == action and rule in rules
