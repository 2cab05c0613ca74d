"""Redis state against a real redis-server: two guard processes' worth of state agree at once."""

from __future__ import annotations

import time
import uuid

import pytest

from aisac.enforce import Action, Guard
from aisac.enforce.policy import parse_policy
from aisac.enforce.state import MirroredRedisState, RedisState

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


def _ring_through_gateway_1(redis_url: str, traffic: Traffic, backend: type[RedisState]) -> tuple[Guard, Guard]:
    """Two gateways sharing one Redis; a campaign ring's traffic goes through the first only."""
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    g1, g2 = Guard(state=backend(redis_url, prefix)), Guard(state=backend(redis_url, prefix))
    traffic.campaign("ring", accounts=4, requests_each=80)
    for r in traffic.sorted_records():
        g1.decide(r)
    assert g1.state.standing("ring-0")["action"] == "suspend"  # own write: seen at once
    return g1, g2


def test_suspension_and_reversal_by_one_gateway_are_seen_by_another(redis_url, traffic: Traffic) -> None:
    g1, g2 = _ring_through_gateway_1(redis_url, traffic, RedisState)
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


def _decisions(guard: Guard, records: list[dict]) -> list[tuple]:
    out = []
    for r in records:
        d = guard.decide(r)
        out.append((d.action, d.outcome, d.rules, d.reason, d.message, d.reference, d.limits, d.retry_after_s))
    return out


@pytest.mark.parametrize("backend", [RedisState, MirroredRedisState])
def test_redis_backed_guard_decides_exactly_like_the_memory_guard(redis_url, traffic: Traffic, backend) -> None:
    """The same stream through both backends: every decision equal, throttle waits to float precision
    (the Redis bucket keeps its tokens as Lua's 14-digit strings)."""
    traffic.campaign("ring", accounts=6, requests_each=60)
    traffic.campaign("late", accounts=2, requests_each=20, start=T0 + 4 * 3600, prefix="late")  # its own ring
    traffic.chat_app(accounts=4, requests_each=30)
    records = traffic.sorted_records()
    # ban-and-replace newcomers on the ring's cards, after it was suspended (burned keys through the state)
    records += [
        {"account.id": f"fresh-{i}", "time": iso(T0 + 86400 + i), "account.payment_fingerprint": f"ring-card-{i}"}
        for i in range(3)
    ]
    memory = _decisions(Guard(), records)
    shared_state = backend(redis_url, prefix=f"t-{uuid.uuid4().hex[:8]}:")
    shared = _decisions(Guard(state=shared_state), records)
    if isinstance(shared_state, MirroredRedisState):
        shared_state.close()
    assert len(memory) == len(shared)
    for i, (m, r) in enumerate(zip(memory, shared, strict=True)):
        assert m[:7] == r[:7], (i, records[i]["account.id"], m, r)
        assert (m[7] is None) == (r[7] is None) and (m[7] is None or abs(m[7] - r[7]) < 1e-9), (i, m, r)
    outcomes = {m[1] for m in memory}
    assert {"served", "blocked"} <= outcomes, outcomes  # the stream exercised actions, not only allow
    assert sum(m[0] >= Action.SUSPEND for m in memory[-3:]) >= 1  # a newcomer caught through burned keys


def test_redis_backed_token_bucket_decides_like_the_memory_one(redis_url) -> None:
    policy = parse_policy(
        "version: t\nthrottle: {requests_per_minute: 30, burst: 4}\nrules:\n  - {name: all, action: throttle}"
    )
    stream = [{"account.id": f"a{i % 3}", "time": T0 + i * 0.1} for i in range(60)]
    memory = _decisions(Guard(policy), stream)
    shared = _decisions(Guard(policy, state=state(redis_url)), stream)
    assert [m[1] for m in memory] == [r[1] for r in shared]
    assert {"throttled", "monitored"} <= {m[1] for m in memory}
    for m, r in zip(memory, shared, strict=True):
        assert (m[7] is None) == (r[7] is None) and (m[7] is None or abs(m[7] - r[7]) < 1e-9)


def _eventually(check, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def test_mirrors_follow_another_gateways_suspension_burn_and_reversal(redis_url, traffic: Traffic) -> None:
    g1, g2 = _ring_through_gateway_1(redis_url, traffic, MirroredRedisState)
    # gateway 2 converges on gateway 1's standings and burned keys once the notes are in
    ring = [f"ring-{i}" for i in range(4)]
    assert _eventually(lambda: [g2.state.standing(a) for a in ring] == [g1.state.standing(a) for a in ring])
    assert _eventually(lambda: g2.state.lookup("x", ("pay:ring-card-0",)).burned == {"pay:ring-card-0"})
    probe = {"account.id": "ring-0", "time": iso(T0 + 86400), "client.address": "192.0.2.1"}
    assert g2.decide(probe).outcome == "blocked"
    fresh = {"account.id": "fresh", "time": iso(T0 + 86400), "account.payment_fingerprint": "ring-card-0"}
    assert g2.decide(fresh).action >= Action.DEGRADE  # burned card, learnt from the note
    g1.reverse("ring-0", "AP-test")
    assert _eventually(lambda: g2.state.standing("ring-0") is None)
    assert g2.decide(probe).outcome in ("served", "monitored")
    # a mirror that has stopped following the notes reads through to Redis instead of going stale
    g2.state.close()
    g1.state.record("ring-1", {"action": "revoke", "rules": ["r"], "reference": "R-x", "evidence": {}})
    assert g2.state.standing("ring-1")["action"] == "revoke"
    g1.state.close()
