"""The correlation evidence a lab shares: right prevalence, and nothing of a customer leaves the lab."""

from __future__ import annotations

import json

import pytest

from aisac.contract import correlation
from aisac.detect import prompts
from aisac.detect.cli import write_findings
from aisac.detect.distill import DistillationDetector
from aisac.detect.sigma.engine import load_rules
from aisac.logs.reader import read_log


@pytest.fixture(scope="module")
def shared(small_week, tmp_path_factory):
    log = read_log([small_week / "log"])
    findings = DistillationDetector().detect(log)
    out = tmp_path_factory.mktemp("det")
    write_findings(findings, load_rules(), out, lab="lab-x")
    return log, findings, out


def test_campaigns_name_their_stix_object_and_carry_evidence(shared):
    _, findings, out = shared
    campaigns = json.loads((out / "campaigns.json").read_text())
    objects = json.loads((out / "bundle.json").read_text())["objects"]
    by_id = {o["id"]: o for o in objects}
    evidence = {e["campaign_ref"]: e for o in objects if (e := correlation.evidence_of(o))}
    assert campaigns and all(by_id[c["stix_id"]]["type"] == "campaign" for c in campaigns)
    assert set(evidence) == {c["stix_id"] for c in campaigns}
    assert correlation.EXTENSION_ID in by_id and by_id[correlation.EXTENSION_ID]["type"] == "extension-definition"
    for c in campaigns:
        e = evidence[c["stix_id"]]
        assert e["population"] == findings.accounts.num_rows
        assert e["exits"] and all(set(x) == {"value", "requests", "accounts", "unflagged_accounts"} for x in e["exits"])


def test_prevalence_counts_the_accounts_the_lab_did_not_flag(shared):
    log, findings, out = shared
    flagged = {a for a, f in zip(findings.accounts["account_id"].to_pylist(),
                                 findings.accounts["flagged"].to_pylist(), strict=True) if f}
    objects = json.loads((out / "bundle.json").read_text())["objects"]
    checked = 0
    for o in objects:
        e = correlation.evidence_of(o)
        for kind, column in (("exits", "client.address"), ("clients", "user_agent.original")):
            for entry in (e or {}).get(kind, [])[:3]:
                users = {r[0] for r in log.con.execute(
                    f'SELECT DISTINCT "account.id" FROM requests WHERE "{column}" = ?', [entry["value"]]).fetchall()}
                assert entry["unflagged_accounts"] == len(users - flagged)
                checked += 1
    assert checked > 5


def test_no_customer_account_address_or_prompt_leaves_the_lab(shared):
    log, findings, out = shared
    text = (out / "bundle.json").read_text()
    flagged = {a for a, f in zip(findings.accounts["account_id"].to_pylist(),
                                 findings.accounts["flagged"].to_pylist(), strict=True) if f}
    accounts = findings.accounts["account_id"].to_pylist()
    assert not [a for a in accounts if a in text]  # no account id at all, flagged or not
    log.con.register("_flagged_ids", __import__("pyarrow").table({"a": sorted(flagged)}))
    benign_only = {r[0] for r in log.con.execute(
        'SELECT "client.address" FROM requests GROUP BY 1 '
        'HAVING bool_and("account.id" NOT IN (SELECT a FROM _flagged_ids))').fetchall()}
    objects = json.loads(text)["objects"]
    published = {o["value"] for o in objects if o["type"] in ("ipv4-addr", "ipv6-addr")}
    published |= {x["value"] for o in objects if (e := correlation.evidence_of(o)) for x in e["exits"]}
    assert published and not published & benign_only
    domains = {r[0] for r in log.con.execute(
        'SELECT "account.email_domain" FROM requests GROUP BY 1 '
        'HAVING bool_and("account.id" NOT IN (SELECT a FROM _flagged_ids))').fetchall()}
    shared_domains = {x["value"] for o in objects if (e := correlation.evidence_of(o)) for x in e["mail_domains"]}
    assert not shared_domains & domains
    prompts_seen = [r[0] for r in log.con.execute(
        f"SELECT DISTINCT {prompts.USER_TEXT} FROM requests USING SAMPLE 3000 ROWS").fetchall() if r[0]]
    assert prompts_seen and not [p for p in prompts_seen if len(p) >= 12 and p in text]
