"""The guard over HTTP (real uvicorn on a free port, httpx) and an appeal reversed end to end via the CLI."""

from __future__ import annotations

import csv
import json
import os

import httpx
import pytest
from typer.testing import CliRunner

from aisac.cli import app as cli
from aisac.enforce import Action, Guard, load_policy
from aisac.enforce.appeals import AppealDesk, AppealError
from aisac.enforce.policy import PolicyRule, Range, When
from aisac.enforce.server import create_app

from .helpers import T0, ServerThread, Traffic, iso

TOKEN = "s3cret"


#: The default policy plus a rule that acts on strong campaign evidence alone, for the re-offence check.
STRICT = load_policy().model_copy(
    update={
        "rules": [
            *load_policy().rules,
            PolicyRule(name="burned-link", action=Action.DEGRADE, when=When(campaign_score=Range(gte=0.9))),
        ]
    }
)


@pytest.fixture
def served(tmp_path):
    guard = Guard(STRICT)
    desk = AppealDesk(tmp_path / "appeals.sqlite", guard)
    with ServerThread(create_app(guard, desk, TOKEN)) as srv:
        yield srv, guard, desk


def test_decide_single_batch_and_bad_bodies(served) -> None:
    srv, guard, _ = served
    with httpx.Client(base_url=srv.url) as c:
        r = c.post("/v1/decide", json={"account.id": "a", "time": iso(T0), "client.address": "192.0.2.1"})
        assert r.status_code == 200 and r.json()["action"] == "allow" and r.json()["policy_version"] == guard.version
        r = c.post("/v1/decide", content=b"{not json")
        assert r.status_code == 200 and r.json()["fault"] == "malformed"
        r = c.post("/v1/decide/batch", json=[{"account.id": "a", "time": iso(T0 + 1)}, {"bad": 1}, 17])
        assert [d["fault"] for d in r.json()["decisions"]] == [None, "malformed", "malformed"]
        assert c.post("/v1/decide/batch", json={"account.id": "a"}).status_code == 400
        assert c.get("/v1/stats").status_code == 401
        stats = c.get("/v1/stats", headers={"X-Analyst-Token": TOKEN}).json()
        assert stats["faults"]["malformed"] == 3 and stats["accounts"] == 1


def run_cli(*args: str) -> dict | list:
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_appeal_reversed_end_to_end(served, traffic: Traffic, tmp_path) -> None:
    srv, guard, _ = served
    traffic.campaign("ring", accounts=5, requests_each=100)
    records = traffic.sorted_records()
    with httpx.Client(base_url=srv.url) as c:
        decisions = c.post("/v1/decide/batch", json=records).json()["decisions"]
        blocked = [d for d, r in zip(decisions, records, strict=True) if r["account.id"] == "ring-0" and d["message"]]
        assert blocked[-1]["outcome"] == "blocked"
        reference, message = blocked[-1]["reference"], blocked[-1]["message"]
        assert reference in message and "appeal" in message.lower()

        common = ["--server", srv.url]
        filed = run_cli(
            "appeals",
            "file",
            "--account",
            "ring-0",
            "--message",
            "We run an eval harness, not a scraper",
            "--reference",
            reference,
            *common,
        )
        assert filed["status"] == "open" and "evidence" not in filed  # the customer sees no evidence
        analyst = [*common, "--token", TOKEN]
        assert [a["id"] for a in run_cli("appeals", "list", "--status", "open", *analyst)] == [filed["id"]]
        shown = run_cli("appeals", "show", filed["id"], *analyst)
        assert shown["evidence"]["standing"]["action"] == "suspend"
        assert shown["evidence"]["account_score"] > 0.5 and shown["evidence"]["links"]

        decided = run_cli(
            "appeals",
            "decide",
            filed["id"],
            "--outcome",
            "uphold",
            "--analyst",
            "alice",
            "--note",
            "verified eval harness",
            *analyst,
        )
        assert decided["status"] == "upheld" and decided["allow_entry"]["rules"]

        # Access restored at once, for the same behaviour and evidence...
        last_own = next(r for r in reversed(records) if r["account.id"] == "ring-0")
        nxt = dict(last_own, time=iso(T0 + 86400))
        assert c.post("/v1/decide", json=nxt).json()["outcome"] in ("served", "monitored")
        # ...but only for this account: its ring mates stay blocked (no class-wide allow-listing).
        assert c.post("/v1/decide", json=dict(nxt, **{"account.id": "ring-1"})).json()["outcome"] == "blocked"
        # New evidence (a card burned by another suspended ring) acts on the account again.
        guard.state.burn(["pay:other-ring-card"], "R-other")
        again = c.post(
            "/v1/decide",
            json=dict(nxt, **{"account.payment_fingerprint": "other-ring-card", "time": iso(T0 + 86401)}),
        ).json()
        assert again["action"] in ("degrade", "suspend", "revoke")

        trail = run_cli("appeals", "show", filed["id"], *analyst)["audit"]
        assert [(a["actor"], a["event"]) for a in trail] == [("customer", "filed"), ("alice", "upheld")]
        assert trail[1]["detail"]["standing"]["action"] == "suspend"
        # A decided appeal cannot be decided again.
        res = CliRunner().invoke(
            cli, ["appeals", "decide", filed["id"], "--outcome", "deny", "--analyst", "bob", *analyst]
        )
        assert res.exit_code == 1 and "already upheld" in res.output

        out = tmp_path / "fp.csv"
        CliRunner().invoke(cli, ["appeals", "export-labels", "--out", str(out), *analyst], catch_exceptions=False)
        rows = list(csv.DictReader(out.open()))
        assert rows == [{"account_id": "ring-0", "label": "benign", "persona": f"appeal:{filed['id']}", "campaign": ""}]


def test_denied_appeal_keeps_the_action_and_is_audited(tmp_path, traffic: Traffic) -> None:
    guard = Guard()
    traffic.campaign("ring", accounts=4, requests_each=80)
    for r in traffic.sorted_records():
        guard.decide(r)
    desk = AppealDesk(tmp_path / "a.sqlite", guard)
    ap = desk.file("ring-1", "please")
    assert desk.decide(ap["id"], "bob", "deny", "confirmed scraping")["status"] == "denied"
    assert guard.state.standing("ring-1")["action"] == "suspend"
    assert desk.false_positives() == []
    with pytest.raises(AppealError, match="no such appeal"):
        desk.decide("AP-nope", "bob", "deny")
    with pytest.raises(AppealError, match="outcome"):
        desk.decide(ap["id"], "bob", "maybe")  # type: ignore[arg-type]
    # The store survives a restart (real SQLite file).
    again = AppealDesk(tmp_path / "a.sqlite", guard)
    assert [a["status"] for a in again.list()] == ["denied"]


def test_failed_reversal_leaves_the_appeal_open(tmp_path, monkeypatch) -> None:
    guard = Guard()
    desk = AppealDesk(tmp_path / "a.sqlite", guard)
    ap = desk.file("x", "please")

    def down(*a, **k):
        raise ConnectionError("redis down")

    monkeypatch.setattr(guard.state, "lift", down)
    with pytest.raises(ConnectionError):
        desk.decide(ap["id"], "alice", "uphold")
    assert desk.list()[0]["status"] == "open" and desk.false_positives() == []


@pytest.mark.parametrize("mirror", [False, True])
def test_guard_serve_cli_with_redis_state(redis_url, tmp_path, mirror: bool) -> None:
    """`aisac guard serve --redis [--redis-mirror]` as a real process: decisions over HTTP, standings shared
    through Redis (with the mirror, once the change note has arrived)."""
    import subprocess
    import sys
    import time
    import uuid
    from pathlib import Path

    from aisac.enforce.state import RedisState

    from .helpers import free_port

    port, prefix = free_port(), f"cli-{uuid.uuid4().hex[:8]}:"
    exe = Path(sys.executable).parent / "aisac"
    proc = subprocess.Popen(
        [
            str(exe),
            "guard",
            "serve",
            "--port",
            str(port),
            "--redis",
            redis_url,
            "--redis-prefix",
            prefix,
            "--appeals-db",
            str(tmp_path / "a.sqlite"),
            *(["--redis-mirror"] if mirror else []),
        ],
        env={**os.environ, "AISAC_ANALYST_TOKEN": TOKEN},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                httpx.get(url + "/v1/stats", headers={"X-Analyst-Token": TOKEN}, timeout=1)
                break
            except httpx.HTTPError:
                assert time.time() < deadline, "guard serve did not start"
                time.sleep(0.2)
        # Another gateway process suspended this account; the served guard enforces it at once.
        RedisState(redis_url, prefix).record(
            "acct-x", {"action": "suspend", "rules": ["r"], "reference": "R-1", "evidence": {}}
        )
        deadline = time.time() + (5 if mirror else 0)
        while True:
            d = httpx.post(url + "/v1/decide", json={"account.id": "acct-x", "client.address": "192.0.2.1"}).json()
            if d["outcome"] == "blocked" or time.time() > deadline:
                break
            time.sleep(0.01)
        assert d["outcome"] == "blocked" and d["reference"] == "R-1" and "R-1" in d["message"]
        ok = httpx.post(url + "/v1/decide", json={"account.id": "acct-y"}).json()
        assert ok["action"] == "allow"
    finally:
        proc.terminate()
        proc.wait(10)


def test_decide_endpoint_answers_any_body(tmp_path) -> None:
    """Arbitrary bytes and JSON to the decision routes: always a decision (or 400 for a non-array batch)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    guard = Guard()
    with (
        ServerThread(create_app(guard, AppealDesk(tmp_path / "a.sqlite", guard))) as srv,
        httpx.Client(base_url=srv.url) as c,
    ):
        json_values = st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
            max_leaves=8,
        )
        bodies = st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode())

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(bodies)
        def check(body: bytes) -> None:
            r = c.post("/v1/decide", content=body)
            assert r.status_code == 200 and r.json()["outcome"] in {"served", "monitored"}
            b = c.post("/v1/decide/batch", content=body)
            assert b.status_code in (200, 400)
            if b.status_code == 200:
                assert len(b.json()["decisions"]) == len(json.loads(body))

        check()
    assert sum(guard.faults.values()) > 0
