"""Incidents: the credibility gate, the 48-hour deadline, acknowledgements, overdue listing, SLA figures."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from stixdata import indicator, recipients

from aisac.contract.stix import TLP2_IDS, Tlp
from aisac.hub.models import incidents
from tests.support.hubfixtures import taxii_collection


def _ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture(scope="module")
def evidence(hub):
    """An indicator already shared in the hub, for incidents to link."""
    cid = hub.new_collection()
    obj = indicator("distillation endpoint")
    taxii_collection(hub, "openai", cid).add_objects(json.dumps({"objects": [obj]}))
    return obj["id"]


def _age(hub, incident_id: str, hours: float) -> None:
    """Move an incident's filing (and deadline) back in time, as if it had been filed `hours` earlier."""
    shift = int(hours * 3600 * 1_000_000)
    with hub.engine.begin() as conn:
        conn.execute(
            update(incidents)
            .where(incidents.c.id == incident_id)
            .values(
                filed_at=incidents.c.filed_at - shift,
                confirmed_at=incidents.c.confirmed_at - shift,
                deadline=incidents.c.deadline - shift,
            )
        )


def _file(hub, member, **fields):
    return hub.http(member).post("/aisac/incidents/", json=fields)


def _incident(evidence, **overrides):
    body = {
        "kind": "distillation-campaign",
        "title": "API distillation",
        "severity": "high",
        "confidence": 85,
        "confirmed_at": _ago(2),
        "objects": [evidence],
    }
    return body | overrides


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"kind": "generic-scanning"}, "low-signal"),
        ({"kind": "unverified-tip"}, "low-signal"),
        ({"kind": "rumour"}, "kind must be one of"),
        ({"confidence": 30}, "below the credibility threshold"),
        ({"severity": "low"}, "severity"),
        ({"objects": []}, "at least one stix object"),
        ({"objects": ["indicator--00000000-0000-4000-8000-000000000000"]}, "not in the hub"),
        ({"confirmed_at": "last week"}, "confirmed_at"),
        ({"confirmed_at": "2999-01-01T00:00:00Z"}, "future"),
        ({"confirmed_at": "1999-01-01T00:00:00Z"}, "days before filing"),
        ({"confirmed_at": "2026-02-30T00:00:00Z"}, "not a valid date"),
    ],
)
def test_gate_refuses_low_signal_with_reason(hub, evidence, overrides, reason):
    r = _file(hub, "openai", **_incident(evidence, **overrides))
    assert r.status_code == 422
    assert reason in r.json()["description"].lower()


def test_observer_may_not_file(hub, evidence):
    r = _file(hub, "observer", **_incident(evidence))
    assert r.status_code == 422 and "may not file" in r.json()["description"]


def test_deadline_acks_overdue_and_sla(hub, evidence):
    fresh = _file(hub, "openai", **_incident(evidence)).json()
    assert fresh["filed_on_time"] and not fresh["overdue"]
    assert fresh["awaiting"] == ["anthropic", "google"]
    late = _file(hub, "anthropic", **_incident(evidence, kind="weight-exfiltration", confirmed_at=_ago(60))).json()
    # 60h after confirmation: filed late, but the other labs have 48h from the filing to acknowledge it
    assert not late["filed_on_time"] and not late["overdue"]
    deadline = datetime.fromisoformat(late["deadline"].replace("Z", "+00:00"))
    confirmed = datetime.fromisoformat(late["confirmed_at"].replace("Z", "+00:00"))
    assert deadline - confirmed == timedelta(hours=48)
    ack_deadline = datetime.fromisoformat(late["ack_deadline"].replace("Z", "+00:00"))
    assert ack_deadline - datetime.fromisoformat(late["filed_at"].replace("Z", "+00:00")) == timedelta(hours=48)
    _age(hub, late["id"], hours=49)  # as if filed 49h ago: its acknowledgements are now overdue
    acked = hub.http("google").post(f"/aisac/incidents/{fresh['id']}/ack").json()
    assert acked["acked_by"] == ["google"] and acked["awaiting"] == ["anthropic"]
    assert hub.http("liaison").post(f"/aisac/incidents/{fresh['id']}/ack").status_code == 403
    assert hub.http("google").post("/aisac/incidents/nope/ack").status_code == 404
    overdue = hub.http("chair").get("/aisac/incidents/", params={"overdue": "true"}).json()["incidents"]
    assert [i["id"] for i in overdue] == [late["id"]]
    cli = subprocess.run(
        [
            sys.executable,
            "-c",
            "from aisac.cli import main; main()",
            "hub",
            "incidents",
            "--overdue",
            "--json",
            "--db",
            hub.db_url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert [i["id"] for i in json.loads(cli.stdout)] == [late["id"]]
    sla = {row["lab"]: row for row in hub.http("chair").get("/aisac/sla").json()["labs"]}
    assert (sla["anthropic"]["filed"], sla["anthropic"]["filed_on_time"]) == (1, 0)
    assert (sla["openai"]["filed"], sla["openai"]["filed_on_time"]) == (1, 1)
    # google owes an ack for the late incident (deadline passed, none given) and gave one for the fresh one
    assert (sla["google"]["acks_due"], sla["google"]["acked_on_time"]) == (2, 1)
    assert sla["google"]["compliance"] == pytest.approx(0.5)


def test_incidents_do_not_reveal_linked_objects_hidden_by_tlp(hub):
    cid = hub.new_collection()
    secret = indicator("red evidence", [TLP2_IDS[Tlp.RED]], **recipients(["anthropic"]))
    shared = indicator("green evidence", [TLP2_IDS[Tlp.GREEN]])
    taxii_collection(hub, "openai", cid).add_objects(json.dumps({"objects": [secret, shared]}))
    filed = _file(hub, "openai", **_incident(shared["id"], objects=[secret["id"], shared["id"]])).json()
    assert filed["objects"] == sorted([secret["id"], shared["id"]])

    def linked(member):
        listed = hub.http(member).get("/aisac/incidents/").json()["incidents"]
        return next(i["objects"] for i in listed if i["id"] == filed["id"])

    assert linked("anthropic") == sorted([secret["id"], shared["id"]])
    assert linked("google") == [shared["id"]]
    assert hub.http("google").post(f"/aisac/incidents/{filed['id']}/ack").json()["objects"] == [shared["id"]]
