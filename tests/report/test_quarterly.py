"""The quarterly public report: its figures, its sanitisation (leak regression tests) and its PDF."""

from __future__ import annotations

import json

import pytest
from forumdata import CANARY, LABS, LOW, NAMED, aisac
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from aisac.report.quarterly import Quarter
from aisac.report.sanitise import SUPPRESSED, LeakError, assert_clean, cell, scrub, secrets_of

KEYS = {"quarter", "labs_contributing", "campaigns", "accounts", "techniques", "incidents", "actors_named", "sla"}


def _texts(out) -> dict[str, str]:
    pdf = "\n".join(p.extract_text() for p in PdfReader(out / "report.pdf").pages)
    return {
        "html": (out / "report.html").read_text("utf-8"),
        "json": (out / "report.json").read_text("utf-8"),
        "pdf": pdf,
    }


def test_report_json_has_exactly_the_published_keys_and_pooled_figures(forum, published):
    _, data = forum
    report = json.loads((published / "report.json").read_text())
    assert set(report) == KEYS
    assert report["quarter"] == data.quarter.label
    assert report["labs_contributing"] == sorted(LABS)
    # three per lab and the AMBER and GREEN canaries (counted, never quoted); RED and AMBER+STRICT left out,
    # even though the chair could read neither anyway: each canary claims 1000 accounts
    assert report["campaigns"] == 11
    assert report["accounts"] == data.accounts + 2 * 1000


def test_small_cells_are_suppressed_in_json_and_pages(published):
    report = json.loads((published / "report.json").read_text())
    assert report["techniques"]["AML.T0024.002"] == 9
    assert report["techniques"]["AML.T0008.005"] == SUPPRESSED  # used by 3 campaigns
    assert report["incidents"]["distillation-campaign"] == 5
    assert report["incidents"]["phishing-campaign"] == SUPPRESSED
    assert report["incidents"]["weight-exfiltration"] == SUPPRESSED  # zero is under 5 too
    assert SUPPRESSED in (published / "report.html").read_text()


def test_only_cleared_confident_actors_are_named_with_their_labs(published):
    report = json.loads((published / "report.json").read_text())
    assert NAMED in report["actors_named"]
    assert LOW not in report["actors_named"]  # cleared, but confidence 70
    assert CANARY["uncleared"] not in report["actors_named"]  # confidence 95, never cleared
    html = (published / "report.html").read_text()
    assert "Supported by data from anthropic, openai" in html


@pytest.mark.parametrize("canary", ["red", "strict", "amber", "green", "uncleared", "incident", "address", "account"])
def test_no_canary_reaches_the_public_report(published, canary):
    for where, text in _texts(published).items():
        assert CANARY[canary] not in text, (canary, where)


def test_the_pdf_has_several_pages_rendered_from_the_html(published):
    pages = PdfReader(published / "report.pdf").pages
    assert len(pages) >= 4
    assert "Techniques (MITRE ATLAS)" in "".join(p.extract_text() for p in pages)


def test_clear_advisories_are_quoted_with_addresses_withheld(published):
    html = (published / "report.html").read_text()
    assert "Advisory: resold API access" in html
    assert "[withheld]" in html


def test_a_lab_may_not_publish_the_report(forum, tmp_path):
    hub, data = forum
    run = aisac(
        hub, "openai", "report", "quarterly", "--hub", hub.url, "--quarter", data.quarter.label, "--out", str(tmp_path)
    )
    assert run.returncode == 2
    assert "may not publish" in run.stderr
    assert not (tmp_path / "report.json").exists()


def test_the_publication_is_recorded_with_its_hash(forum, published):
    import hashlib

    hub, data = forum
    found = hub.http("chair").get("/aisac/report/deliveries").json()["deliveries"]
    digest = hashlib.sha256((published / "report.pdf").read_bytes()).hexdigest()
    mine = [d for d in found if d["sha256"] == digest]
    assert mine and mine[0]["kind"] == "quarterly" and mine[0]["label"] == data.quarter.label
    assert [a["name"] for a in mine[0]["attributions"]] == [NAMED]


def test_clearing_needs_a_liaison_and_a_visible_intrusion_set(forum):
    hub, data = forum
    body = {"intrusion_set": data.clusters[NAMED], "reason": "x"}
    assert hub.http("chair").post("/aisac/report/clearances", json=body).status_code == 403
    unknown = {"intrusion_set": "intrusion-set--00000000-0000-4000-8000-000000000000", "reason": "x"}
    assert hub.http("liaison").post("/aisac/report/clearances", json=unknown).status_code == 422
    audit = hub.engine.connect().exec_driver_sql("SELECT target FROM audit WHERE action = 'report.clear'").all()
    assert (data.clusters[NAMED],) in audit


def test_the_leak_check_refuses_a_report_that_quotes_a_protected_string():
    secret = {"type": "campaign", "id": "campaign--1", "name": "Operation Quiet Harbour", "object_marking_refs": []}
    with pytest.raises(LeakError, match="campaign--1 name"):
        assert_clean("<p>Operation Quiet Harbour</p>", secrets_of([secret]))
    assert_clean("<p>Operation Quiet Harbour</p>", secrets_of([secret]), allowed=["Operation Quiet Harbour"])


@given(st.integers(min_value=0, max_value=10_000))
def test_cells_below_five_never_show_their_count(n):
    assert cell(n) == (n if n >= 5 else SUPPRESSED)


@given(st.ip_addresses(), st.text(alphabet="abcdef0123456789", min_size=8, max_size=16))
def test_scrub_withholds_addresses_and_account_ids(address, account):
    text = scrub(f"seen from {address} and acct_{account} here")
    assert str(address) not in text and f"acct_{account}" not in text


def test_quarter_parsing_names_the_rule():
    assert Quarter.parse("2026Q4").end.month == 1
    with pytest.raises(ValueError, match="2026Q2"):
        Quarter.parse("2026-Q2")
