"""A quarter of the multi-lab forum, pushed through the real hub: three labs' detector bundles, the working
group's clusters, incidents and acknowledgements, consent, a liaison's clearances, and planted canaries.

Canaries are strings that must never reach a reader the TLP rule keeps them from, nor the public report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import stix2

from aisac.contract.findings import Campaign
from aisac.contract.stix import RECIPIENTS_PROPERTY, TLP2_IDS, Tlp, marking_definition
from aisac.detect.bundle import build
from aisac.intel.client import Hub as HubClient
from aisac.intel.client import push
from aisac.report.quarterly import Quarter
from tests.support.hubfixtures import Hub

LABS = ("openai", "anthropic", "google")
CANARY = {
    "red": "CANARY-RED-5b1f0c",
    "strict": "CANARY-STRICT-9e2d47",
    "amber": "CANARY-AMBER-3c88a1",
    "green": "CANARY-GREEN-77d0e4",
    "uncleared": "NIGHT ORCHID",
    "incident": "CANARY-INCIDENT-TITLE-41aa",
    "address": "198.51.100.77",
    "account": "acct_c0ffee00beef",
}
# who may read which canary object, by role name (openai submits red, anthropic strict, google amber/green)
READERS = {
    "red": {"openai"},
    "strict": {"anthropic"},
    "amber": {"openai", "anthropic", "google", "chair"},
    "green": {"openai", "anthropic", "google", "chair", "liaison"},
}
NAMED = "SILK LANTERN"
LOW = "GLASS HERON"
TLP = {"red": Tlp.RED, "strict": Tlp.AMBER_STRICT, "amber": Tlp.AMBER, "green": Tlp.GREEN}
SUBMITTER = {"red": "openai", "strict": "anthropic", "amber": "google", "green": "google"}


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _campaign(
    lab: str, n: int, first: datetime, last: datetime, accounts: int, techniques: list[str]
) -> Campaign:
    return Campaign(
        id=f"C-{lab[:3]}{n:07d}",
        first_seen=_ts(first),
        last_seen=_ts(last),
        reasons=[f"{accounts} accounts share exit address blocks"],
        address_blocks=[{"value": f"203.0.{LABS.index(lab) * 10 + n}.0/24"}],
        user_agents=[{"value": "python-httpx/0.27"}],
        account_count=accounts,
        requests=1000 * accounts,
        atlas_techniques=[{"id": t} for t in techniques],
    )


@dataclass
class Forum:
    """What was planted: the quarter, campaign ids per lab, clusters, canary object ids, incident ids."""

    quarter: Quarter
    campaigns: dict[str, list[str]] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)
    canaries: dict[str, str] = field(default_factory=dict)
    incidents: list[str] = field(default_factory=list)
    accounts: int = 0


def client(hub: Hub, member: str) -> HubClient:
    creds = hub.members[member]
    return HubClient(hub.url, creds.name, creds.key)


def _push(hub: Hub, member: str, objs: list[dict[str, Any]]) -> None:
    statuses = push(client(hub, member), objs, hub.members[member].signing_key)
    failures = [f for s in statuses for f in s["failures"]]
    assert not failures, failures


def _stix(obj: Any) -> dict[str, Any]:
    return json.loads(obj.serialize())


def _canary(kind: str, lab_identity: str, first: datetime, last: datetime) -> dict[str, Any]:
    """A campaign whose name and description carry the canary (and an address and an account id)."""
    level = TLP[kind]
    return _stix(
        stix2.Campaign(
            name=f"{CANARY[kind]} operation",
            description=f"{CANARY[kind]} seen from {CANARY['address']} by {CANARY['account']}",
            first_seen=first,
            last_seen=last,
            created_by_ref=lab_identity,
            object_marking_refs=[TLP2_IDS[level]],
            custom_properties={"x_aisac_account_count": 1000},
        )
    )


def plant(hub: Hub, now: datetime | None = None) -> Forum:
    """Push the quarter's data as the labs and the working group would (see the module docstring)."""
    now = now or datetime.now(UTC)
    quarter = Quarter.parse(f"{now.year}Q{(now.month - 1) // 3 + 1}")
    first = quarter.start + timedelta(hours=1)
    last = max(first + timedelta(minutes=30), now - timedelta(hours=1))
    forum = Forum(quarter)
    techniques = [
        ["AML.T0024.002", "AML.T0040", "AML.T0021"],
        ["AML.T0024.002", "AML.T0040", "AML.T0021"],
        ["AML.T0024.002", "AML.T0040", "AML.T0008.005"],
    ]
    sharing = {"openai": "green", "anthropic": "amber", "google": "amber"}
    for lab in LABS:
        found = [_campaign(lab, n, first, last, 4 + n, techniques[n]) for n in range(3)]
        bundle = build(found, [], lab=lab, tlp=sharing[lab], now=now)
        objs = bundle["objects"]
        if lab == "anthropic":  # AMBER, but its liaison may read it: named as a recipient
            objs = [o | {RECIPIENTS_PROPERTY: ["liaison"]} if o["type"] != "marking-definition" else o for o in objs]
        forum.campaigns[lab] = [o["id"] for o in objs if o["type"] == "campaign"]
        forum.accounts += sum(c.account_count for c in found)
        identity = next(o["id"] for o in objs if o["type"] == "identity")
        canaries = [_canary(k, identity, first, last) for k, who in SUBMITTER.items() if who == lab]
        for c in canaries:
            forum.canaries[next(k for k in CANARY if CANARY[k] in c["name"])] = c["id"]
        _push(hub, lab, objs + canaries)
    advisory = _stix(
        stix2.Report(
            name="Advisory: resold API access",
            description=f"Resellers route extraction through proxies such as {CANARY['address']}.",
            published=first,
            report_types=["threat-report"],
            object_refs=[forum.campaigns["openai"][0]],
            object_marking_refs=[TLP2_IDS[Tlp.CLEAR]],
        )
    )
    _push(hub, "openai", [marking_definition(Tlp.CLEAR), advisory])
    forum.canaries["advisory"] = advisory["id"]
    _clusters(hub, forum, now)
    _incidents(hub, forum, now)
    for lab, yes in (("openai", True), ("anthropic", True), ("google", False)):
        assert hub.http(lab).put("/aisac/consent", json={"government": yes}).status_code == 200
    return forum


def cluster(name: str, confidence: int, campaigns: list[str], now: datetime, stix_id: str | None = None):  # type: ignore[no-untyped-def]
    """The working group's intrusion set and its attributed-to relationships (AMBER, liaison named)."""
    common = {
        "object_marking_refs": [TLP2_IDS[Tlp.AMBER]],
        "custom_properties": {RECIPIENTS_PROPERTY: ["liaison"]},
        "created": now,
        "modified": now,
    }
    ident = stix_id or f"intrusion-set--{uuid.uuid4()}"
    objs = [stix2.IntrusionSet(id=ident, name=name, confidence=confidence, **common)]
    objs += [
        stix2.Relationship(
            id=f"relationship--{uuid.uuid5(uuid.NAMESPACE_URL, c + ident)}",
            relationship_type="attributed-to",
            source_ref=c,
            target_ref=ident,
            **common,
        )
        for c in campaigns
    ]
    return [_stix(o) for o in objs]


def _clusters(hub: Hub, forum: Forum, now: datetime) -> None:
    c = forum.campaigns
    plan = {
        NAMED: (90, [c["openai"][0], c["anthropic"][0]]),
        LOW: (70, [c["google"][1]]),
        CANARY["uncleared"]: (95, [c["openai"][2]]),
    }
    for name, (confidence, campaigns) in plan.items():
        objs = cluster(name, confidence, campaigns, now)
        forum.clusters[name] = objs[0]["id"]
        _push(hub, "chair", objs)
    for name in (NAMED, LOW):
        r = hub.http("liaison").post(
            "/aisac/report/clearances", json={"intrusion_set": forum.clusters[name], "reason": "agreed with FBI"}
        )
        assert r.status_code == 201, r.text


def _incidents(hub: Hub, forum: Forum, now: datetime) -> None:
    confirmed = _ts(max(forum.quarter.start + timedelta(minutes=5), now - timedelta(hours=3)))
    plan = [("openai", "distillation-campaign")] * 5 + [
        ("anthropic", "phishing-campaign"),
        ("google", "insider-threat"),
    ]
    for i, (lab, kind) in enumerate(plan):
        body = {
            "kind": kind,
            "title": f"{CANARY['incident']} {i}",
            "severity": "high",
            "confidence": 90,
            "confirmed_at": confirmed,
            "objects": [forum.campaigns[lab][0]],
        }
        r = hub.http(lab).post("/aisac/incidents/", json=body)
        assert r.status_code == 201, r.text
        forum.incidents.append(r.json()["id"])
    for incident in forum.incidents[:4]:
        for lab in LABS:
            hub.http(lab).post(f"/aisac/incidents/{incident}/ack")


def aisac(hub: Hub, member: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real `aisac` command as `member` (credentials through the environment, as documented)."""
    creds = hub.members[member]
    env = os.environ | {"AISAC_HUB_MEMBER": creds.name, "AISAC_HUB_KEY": creds.key}
    return subprocess.run(
        [sys.executable, "-c", "from aisac.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
