"""The agency package: AIS-shaped STIX 2.1, consent, the recorded hash, and the consistency check."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from forumdata import CANARY, NAMED, _push, aisac, cluster
from stix2validator import validate_instance

from aisac.report.agency import CONSENT_MARKING_ID, FORUM_IDENTITY_ID


def _export(hub, out):
    return aisac(hub, "liaison", "report", "agency", "--hub", hub.url, "--out", str(out))


def test_export_is_valid_stix_from_the_forum_with_only_consented_objects(forum, published, tmp_path):
    hub, data = forum
    run = _export(hub, tmp_path)
    assert run.returncode == 0, run.stderr
    raw = (tmp_path / "bundle.json").read_bytes()
    bundle = json.loads(raw)
    result = validate_instance(bundle)
    assert result.is_valid, [str(e) for e in result.errors]
    objs = {o["id"]: o for o in bundle["objects"]}
    creators = {
        o.get("created_by_ref")
        for o in bundle["objects"]
        if "created" in o and o["type"] not in ("identity", "marking-definition")
    }
    assert creators == {FORUM_IDENTITY_ID}
    assert all(
        CONSENT_MARKING_ID in o.get("object_marking_refs", [])
        for o in objs.values()
        if o["type"] not in ("identity", "marking-definition")
    )
    assert set(data.campaigns["openai"]) <= objs.keys()  # consented, GREEN
    assert set(data.campaigns["anthropic"]) <= objs.keys()  # consented, AMBER naming the liaison
    assert not set(data.campaigns["google"]) & objs.keys()  # google did not consent
    assert not any(k.startswith("x_") for o in objs.values() for k in o)
    for canary in ("red", "strict", "amber", "green"):
        assert CANARY[canary] not in raw.decode()
    summary = (tmp_path / "summary.md").read_text()
    digest = hashlib.sha256(raw).hexdigest()
    assert digest in summary and NAMED in summary
    recorded = hub.http("liaison").get("/aisac/report/deliveries").json()["deliveries"]
    assert any(d["kind"] == "agency" and d["sha256"] == digest for d in recorded)


def test_an_export_contradicting_the_public_report_is_refused(forum, published, tmp_path):
    """The working group revises SILK LANTERN's confidence after the public report named it at 90."""
    hub, data = forum
    c = data.campaigns
    revised = cluster(NAMED, 75, [c["openai"][0], c["anthropic"][0]], datetime.now(UTC), data.clusters[NAMED])
    _push(hub, "chair", revised[:1])
    before = len(hub.http("liaison").get("/aisac/report/deliveries").json()["deliveries"])
    run = _export(hub, tmp_path / "refused")
    assert run.returncode == 3, run.stdout + run.stderr
    assert f"actor {NAMED!r}" in run.stderr and "confidence 75 here, 90 in the quarterly delivery" in run.stderr
    assert not (tmp_path / "refused" / "bundle.json").exists()
    assert len(hub.http("liaison").get("/aisac/report/deliveries").json()["deliveries"]) == before
    # ... and tying it to another campaign is a conflict too (confidence restored, one more campaign)
    wider = cluster(
        NAMED, 90, [c["openai"][0], c["anthropic"][0], c["openai"][1]], datetime.now(UTC), data.clusters[NAMED]
    )
    _push(hub, "chair", wider)
    run = _export(hub, tmp_path / "refused2")
    assert run.returncode == 3
    assert "tied to other campaigns" in run.stderr and c["openai"][1] in run.stderr
