"""Redis state against a real redis-server: two guard processes' worth of state agree at once."""

from __future__ import annotations

import uuid

from aisac.enforce import Action, Guard
from aisac.enforce.state import RedisState

from .helpers import T0, Traffic, iso


def state(url: str) -> RedisState:
    return RedisState(url, prefix=f"t-{uuid.uuid4().hex[:8]}:")


def test_record_lookup_lift_and_burn_round_trip(redis_url) -> None:
    s = state(redis_url)
    assert s.lookup("a", ("pay:x",)).standing is None
    s.record("a", {"action": "suspend", "rules": ["r"], "reference": "R-1", "evidence": {}})
    s.burn(["pay:x", "tpl:y"], "R-1")
    snap = s.lookup("a", ("pay:x", "ua:z"))
    assert snap.standing["action"] == "suspend" and snap.burned == {"pay:x"}
    s.lift("a", {"rules": ["r"], "account_score": 0.9, "campaign_score": 0.9, "keys": [], "appeal": "AP-1"})
    s.lift("a", {"rules": ["q"], "account_score": 0.9, "campaign_score": 0.9, "keys": [], "appeal": "AP-2"})
    snap = s.lookup("a", ())
    assert snap.standing is None and [e["appeal"] for e in snap.allowed] == ["AP-1", "AP-2"]


def test_token_bucket_is_shared_and_refills(redis_url) -> None:
    a, b = state(redis_url), state(redis_url)
    b.p = a.p  # two clients, one bucket
    waits = [(a if i % 2 else b).take("acct", 1.0, 3.0, T0) for i in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0] and waits[3] > 0 and waits[4] > 0
    assert a.take("acct", 1.0, 3.0, T0 + 2.0) == 0.0


def test_suspension_and_reversal_by_one_gateway_are_seen_by_another(redis_url, traffic: Traffic) -> None:
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    g1 = Guard(state=RedisState(redis_url, prefix))
    g2 = Guard(state=RedisState(redis_url, prefix))
    traffic.campaign("ring", accounts=4, requests_each=80)
    for r in traffic.sorted_records():
        g1.decide(r)
    assert g1.state.standing("ring-0")["action"] == "suspend"
    # Gateway 2 has never seen this traffic: the shared standing blocks the account...
    probe = {"account.id": "ring-0", "time": iso(T0 + 86400), "client.address": "192.0.2.1"}
    assert g2.decide(probe).outcome == "blocked"
    # ...and the burned card condemns a newcomer at gateway 2 on its first request.
    fresh = {
        "account.id": "fresh",
        "time": iso(T0 + 86400),
        "account.payment_fingerprint": "ring-card-0",
        "client.address": "192.0.2.2",
    }
    assert g2.decide(fresh).action >= Action.DEGRADE
    # A reversal made through gateway 1 restores access at gateway 2 on the next request.
    g1.reverse("ring-0", "AP-test")
    assert g2.decide(probe).outcome in ("served", "monitored")
