"""The working group against a real hub (SQLite and PostgreSQL): three labs push what `aisac detect` wrote,
the chair correlates, the intrusion sets land signed, and no lab's object changes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aisac.cli import app
from aisac.contract.signing import generate_key, load_public_raw
from aisac.contract.stix import TLP2_IDS, Tlp
from aisac.hub.charter import WORKING_GROUP_ID
from aisac.hub.members import set_public_key
from aisac.intel.client import Hub, fetch, push, read_objects

LABS = {"lab-a": "openai", "lab-b": "anthropic", "lab-c": "google"}


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Path:
    """Three simulated labs, each run through the detector as it would be at that lab."""
    from aisac.detect.cli import write_findings
    from aisac.detect.distill import DistillationDetector
    from aisac.detect.sigma.engine import load_rules
    from aisac.logs.reader import read_log
    from aisac.simulate.multilab import simulate_labs, write_labs

    root = tmp_path_factory.mktemp("world")
    write_labs(simulate_labs(3, 7, seed=5, scale=0.03), root)
    for lab, member in LABS.items():
        findings = DistillationDetector().detect(read_log([root / lab / "log"]))
        write_findings(findings, load_rules(), root / "detect" / lab, lab=member)
    return root


def _cli(hub, member: str, *args: str, key: Path | None = None):  # type: ignore[no-untyped-def]
    creds = hub.members[member]
    env = {"AISAC_HUB_MEMBER": creds.name, "AISAC_HUB_KEY": creds.key}
    if key:
        env["AISAC_SIGNING_KEY"] = str(key)
    return CliRunner().invoke(app, [*args, "--hub", hub.url], env=env)


def _truth(world: Path) -> dict[tuple[str, str], str]:
    rows = (world / "operators.csv").read_text().splitlines()[1:]
    return {(lab, acct): op for lab, acct, op in (r.split(",") for r in rows)}


def test_chair_correlates_what_three_labs_pushed(hub, world, tmp_path):
    collection = hub.new_collection()
    for lab, member in LABS.items():
        objects = read_objects(world / "detect" / lab / "bundle.json")
        creds = hub.members[member]
        statuses = push(Hub(hub.url, creds.name, creds.key), objects, creds.signing_key, collection)
        assert all(not s["failures"] for s in statuses), [f for s in statuses for f in s["failures"]][:3]
    chair_key = tmp_path / "chair.pem"
    set_public_key(hub.engine, "chair", load_public_raw(generate_key(chair_key)))

    dry = _cli(hub, "chair", "forum", "correlate", "--out", str(tmp_path / "dry"), "--collection", collection,
               "--dry-run")
    assert dry.exit_code == 0, dry.output
    google = Hub(hub.url, hub.members["google"].name, hub.members["google"].key)
    assert fetch(google, ("intrusion-set",), collection) == []  # a dry run publishes nothing

    done = _cli(hub, "chair", "forum", "correlate", "--out", str(tmp_path / "run"), "--collection", collection,
                key=chair_key)
    assert done.exit_code == 0, done.output
    clusters = json.loads((tmp_path / "run" / "clusters.json").read_text())["clusters"]
    assert clusters == json.loads((tmp_path / "dry" / "clusters.json").read_text())["clusters"]
    assert all(set(c) == {"id", "labs", "campaigns", "confidence", "evidence"} for c in clusters)

    # every campaign any lab reported sits in exactly one cluster, under the stix_id campaigns.json gives it
    reported = {c["stix_id"]: lab for lab in LABS for c in
                json.loads((world / "detect" / lab / "campaigns.json").read_text())}
    placed = Counter(x for c in clusters for x in c["campaigns"])
    assert set(placed) == set(reported) and set(placed.values()) == {1}
    cluster_of = {x: c for c in clusters for x in c["campaigns"]}
    assert all(set(c["labs"]) == {LABS[reported[x]] for x in c["campaigns"]} for c in clusters)

    # the operator that hit every lab is one cluster reaching every lab
    truth = _truth(world)
    for lab in LABS:
        accounts = (world / "detect" / lab / "accounts.csv").read_text().splitlines()[1:]
        campaigns = {c["id"]: c["stix_id"] for c in json.loads((world / "detect" / lab / "campaigns.json").read_text())}
        for row in accounts:
            account, _, _, campaign, _ = row.split(",", 4)
            if truth.get((lab, account)) == "X1-hydra_cot" and campaign:
                assert sorted(cluster_of[campaigns[campaign]]["labs"]) == sorted(LABS.values())

    crossing = [c for c in clusters if len(c["labs"]) > 1]
    assert crossing and all(c["confidence"] > 0 and c["evidence"] for c in crossing)
    sets = fetch(google, ("intrusion-set",), collection)
    assert len(sets) == len(crossing)
    for s in sets:
        assert s["created_by_ref"] == WORKING_GROUP_ID and s["object_marking_refs"] == [TLP2_IDS[Tlp.AMBER]]
        assert 0 < s["confidence"] <= 100
    rels = [r for r in fetch(google, ("relationship",), collection) if r["relationship_type"] == "attributed-to"]
    assert sorted(r["source_ref"] for r in rels) == sorted(x for c in crossing for x in c["campaigns"])
    verified = _cli(hub, "google", "share", "verify", sets[0]["id"], "--collection", collection)
    assert "submitted by chair, signature verified" in verified.output

    # the labs' own objects are as they pushed them: one version each, unchanged
    for lab in LABS:
        pushed = {o["id"]: o for o in read_objects(world / "detect" / lab / "bundle.json") if o["type"] == "campaign"}
        stored = {o["id"]: o for o in fetch(google, ("campaign",), collection) if o["id"] in pushed}
        assert stored == pushed

    out = tmp_path / "bulletin.json"
    report = _cli(hub, "chair", "forum", "bulletin", "--out", str(out), "--collection", collection, key=chair_key)
    assert report.exit_code == 0, report.output
    bulletin = next(o for o in json.loads(out.read_text())["objects"] if o["type"] == "report")
    assert {s["id"] for s in sets} <= set(bulletin["object_refs"])
    assert [o["id"] for o in fetch(google, ("report",), collection)] == [bulletin["id"]]
