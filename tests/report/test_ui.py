"""The analyst pages: sign-in, acknowledging an incident, search and the TLP matrix, in a real Chromium
(Playwright driving Debian's /usr/bin/chromium), plus the same matrix over HTTP Basic for every page."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

import httpx
import pytest
from forumdata import CANARY, READERS

from aisac.contract.stix import TAXII_MEDIA_TYPE as TAXII
from aisac.report.source import objects as taxii_objects

MEMBERS = ("openai", "anthropic", "google", "chair", "liaison", "observer")
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _ensure_chromium() -> None:
    if not Path(CHROMIUM).exists():
        subprocess.run(["bash", str(Path(__file__).parents[2] / "scripts" / "system-deps.sh")], check=False)
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (bash scripts/system-deps.sh as root)")


@pytest.fixture(scope="module")
def browser():
    _ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def sign_in(browser, hub, member: str):  # type: ignore[no-untyped-def]
    """A fresh browser context signed in through the form as `member`."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{hub.url}/ui/")
    assert "/ui/login" in page.url  # not signed in: sent to the form
    page.fill("input[name=member]", member)
    page.fill("input[name=key]", hub.members[member].key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{hub.url}/ui/")
    return context, page


def _basic(hub, member: str) -> httpx.Client:
    creds = hub.members[member]
    return httpx.Client(base_url=hub.url, auth=(creds.name, creds.key), timeout=60, follow_redirects=False)


def test_sign_in_sets_a_strict_http_only_cookie_and_a_wrong_key_is_refused(forum, browser):
    hub, _ = forum
    context, page = sign_in(browser, hub, "openai")
    assert "openai (lab)" in page.content()
    cookie = next(c for c in context.cookies() if c["name"] == "aisac_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.click("text=Sign out")
    page.wait_for_url(re.compile(r".*/ui/login$"))
    page.goto(f"{hub.url}/ui/incidents")
    assert "/ui/login" in page.url
    page.fill("input[name=member]", "openai")
    page.fill("input[name=key]", hub.members["anthropic"].key)
    page.click("button[type=submit]")
    assert "Unknown member name or key." in page.content()
    context.close()


def test_acknowledge_an_incident_from_its_clock(forum, browser):
    hub, data = forum
    incident = data.incidents[4]  # filed by openai, acknowledged by nobody yet
    context, page = sign_in(browser, hub, "google")
    page.goto(f"{hub.url}/ui/incidents")
    row = page.locator(f"#incident-{incident}")
    assert "google" in row.locator("td.awaiting").inner_text()
    assert re.search(r"\d+ h \d\d min left", row.inner_text())
    row.locator("button", has_text="Acknowledge").click()
    page.wait_for_url(f"{hub.url}/ui/incidents")
    row = page.locator(f"#incident-{incident}")
    assert "google" not in row.locator("td.awaiting").inner_text()
    assert row.locator("button", has_text="Acknowledge").count() == 0
    context.close()
    acks = hub.http("chair").get("/aisac/incidents/").json()["incidents"]
    assert "google" in next(i for i in acks if i["id"] == incident)["acked_by"]


def test_a_form_without_the_session_csrf_token_is_refused(forum):
    hub, data = forum
    with _basic(hub, "openai") as http:  # incident 5 is anthropic's; openai owes an acknowledgement
        r = http.post(f"/ui/incidents/{data.incidents[5]}/ack", data={"csrf": "forged"})
        assert r.status_code == 403
    awaiting = next(
        i for i in hub.http("chair").get("/aisac/incidents/").json()["incidents"] if i["id"] == data.incidents[5]
    )
    assert "openai" in awaiting["awaiting"]


def test_search_finds_what_the_member_may_read(forum, browser):
    hub, _data = forum
    context, page = sign_in(browser, hub, "chair")
    page.fill("header input[name=q]", "silk lantern")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url(re.compile(r".*/ui/search\?q=silk"))
    page.click("main a:has-text('SILK LANTERN')")
    page.wait_for_url(re.compile(r".*/ui/objects/intrusion-set--"))
    assert "intrusion-set" in page.content() and "attributed-to" in page.content()
    context.close()


@pytest.mark.parametrize("member", MEMBERS)
def test_tlp_matrix_through_the_pages_in_the_browser(forum, browser, member):
    hub, data = forum
    context, page = sign_in(browser, hub, member)
    for kind, readers in READERS.items():
        page.goto(f"{hub.url}/ui/search?q={CANARY[kind]}")  # the page repeats the query; results are the table
        assert (CANARY[kind] in page.locator("main table").inner_text()) == (member in readers), (kind, "search")
        response = page.goto(f"{hub.url}/ui/objects/{data.canaries[kind]}")
        assert response.status == (200 if member in readers else 404), (kind, "object")
        assert (CANARY[kind] in page.content()) == (member in readers), (kind, "object")
    page.goto(f"{hub.url}/ui/campaigns")
    shown = page.content()
    for kind, readers in READERS.items():
        assert (CANARY[kind] in shown) == (member in readers), (kind, "campaigns")
    context.close()


PAGES = (
    "/ui/",
    "/ui/incidents",
    "/ui/campaigns",
    "/ui/sla",
    "/ui/report",
    "/ui/search?q=CANARY",
    "/ui/search?q=operation",
)


@pytest.mark.parametrize("member", MEMBERS)
def test_no_page_shows_a_canary_or_count_the_member_cannot_fetch_over_taxii(forum, member):
    hub, _data = forum
    with _basic(hub, member) as http:
        pages = {p: http.get(p).text for p in PAGES}
        for kind, readers in READERS.items():
            for path, text in pages.items():
                if member not in readers:
                    assert CANARY[kind] not in text, (kind, path)
        assert "NIGHT ORCHID" not in pages["/ui/report"]  # visible to the chair, but never cleared
        counts = dict(re.findall(r"<tr><td>([a-z0-9-]+)</td><td>(\d+)</td></tr>", pages["/ui/"]))
    creds = hub.members[member]
    with httpx.Client(base_url=hub.url, auth=(creds.name, creds.key), headers={"Accept": TAXII}) as taxii:
        expected = Counter(o["type"] for o in taxii_objects(taxii))
    assert {t: int(n) for t, n in counts.items()} == dict(expected)


def test_the_report_preview_is_for_the_chair_and_liaison(forum):
    hub, data = forum
    with _basic(hub, "chair") as http:
        page = http.get("/ui/report", params={"quarter": data.quarter.label})
        assert page.status_code == 200 and "Techniques (MITRE ATLAS)" in page.text
    with _basic(hub, "openai") as http:
        assert http.get("/ui/report").status_code == 403


def test_pages_need_a_member(forum):
    hub, _ = forum
    with httpx.Client(base_url=hub.url) as anon:
        assert anon.get("/ui/campaigns").status_code == 303
        assert anon.get("/ui/campaigns", auth=("openai", "wrong")).status_code == 401
