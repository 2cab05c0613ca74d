"""The working group's charter: rotation across term boundaries, checks, and a hub that honours term ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from typer.testing import CliRunner

from aisac.cli import app
from aisac.hub.charter import WORKING_GROUP_ID, CharterError, add_months, parse_charter
from aisac.hub.db import make_engine, migrate
from tests.support.hubserver import HubProcess, enrol

CHARTER = {
    "name": "Forum technical working group",
    "labs": [
        {"lab": "openai", "chairs": [{"member": "oa-1", "term_starts": "2026-04-06"},
                                     {"member": "oa-2", "term_starts": "2026-10-06"}]},
        {"lab": "anthropic", "chairs": [{"member": "an-1", "term_starts": "2026-06-06"},
                                        {"member": "an-2", "term_starts": "2026-12-06"}]},
        {"lab": "google", "chairs": [{"member": "go-1", "term_starts": "2026-08-06"},
                                     {"member": "go-2", "term_starts": "2027-02-06"}]},
    ],
}


def test_chairs_rotate_at_term_boundaries():
    c = parse_charter(CHARTER)
    assert c.current("openai", date(2026, 10, 5)).member == "oa-1"
    assert c.current("openai", date(2026, 10, 6)).member == "oa-2"  # the new term starts that day
    assert c.upcoming("openai", date(2026, 10, 5)).member == "oa-2"
    assert c.current("anthropic", date(2026, 6, 5)) is None  # before its first term: vacant
    assert {c.current(lab, date(2026, 9, 1)).member for lab in c.labs} == {"oa-1", "an-1", "go-1"}
    assert c.refusal("oa-1", date(2026, 10, 6)) == "chair term of 'oa-1' for openai ended on 2026-10-06"
    assert c.refusal("oa-2", date(2026, 10, 5)) == "chair term of 'oa-2' for openai starts on 2026-10-06"
    assert c.refusal("someone-else", date(2030, 1, 1)) is None  # not named: the charter says nothing
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_chairs_command_shows_three_chairs_and_who_is_next(tmp_path):
    import yaml

    path = tmp_path / "charter.yaml"
    path.write_text(yaml.safe_dump(CHARTER))
    before = CliRunner().invoke(app, ["forum", "chairs", "--charter", str(path), "--at", "2026-10-05"])
    after = CliRunner().invoke(app, ["forum", "chairs", "--charter", str(path), "--at", "2026-10-06"])
    assert before.exit_code == 0, before.output
    row = next(line for line in before.output.splitlines() if "openai" in line)
    assert "oa-1" in row and "oa-2" in row and "2026-10-06" in row
    row = next(line for line in after.output.splitlines() if "openai" in line)
    assert "oa-2" in row and "oa-1" not in row
    bad = tmp_path / "bad.yaml"
    bad.write_text("labs: [{lab: openai, chairs: [{member: x, term_starts: someday}]}]")
    result = CliRunner().invoke(app, ["forum", "chairs", "--charter", str(bad)])
    assert result.exit_code == 2 and "labs[0].chairs[0]: term_starts must be a date" in result.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["labs"][0]["chairs"].append({"member": "oa-3", "term_starts": "2026-12-01"}), "overlap"),
        (lambda d: d["labs"][1]["chairs"].__setitem__(0, {"member": "an-1", "term_starts": "2026-04-06"}),
         "staggered"),
        (lambda d: d["labs"][1]["chairs"].append({"member": "oa-1", "term_starts": "2027-06-06"}), "one lab"),
        (lambda d: d["labs"].append(dict(d["labs"][0])), "appears twice"),
        (lambda d: d.__setitem__("term_months", 0), "term_months"),
    ],
)
def test_charter_rules_name_the_entry(change, message):
    import copy

    data = copy.deepcopy(CHARTER)
    change(data)
    with pytest.raises(CharterError, match=message):
        parse_charter(data, "charter.yaml")


def test_the_hub_refuses_a_chair_whose_term_ended(tmp_path):
    today = datetime.now(UTC).date()
    charter = tmp_path / "charter.yaml"
    charter.write_text(
        "labs:\n"
        "  - lab: openai\n    chairs:\n"
        f"      - {{member: chair-old, term_starts: {add_months(today, -12).isoformat()}}}\n"
        f"      - {{member: chair-now, term_starts: {add_months(today, -3).isoformat()}}}\n"
        "  - lab: anthropic\n    chairs:\n"
        f"      - {{member: chair-next, term_starts: {(today + timedelta(days=30)).isoformat()}}}\n"
    )
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = make_engine(db)
    migrate(engine)
    members = enrol(engine, tmp_path, {"openai": "lab", "chair-old": "chair", "chair-now": "chair",
                                       "chair-next": "chair", "other-chair": "chair"})
    hub = HubProcess(db, tmp_path, ("--charter", str(charter))).start()
    try:
        def whoami(name: str) -> httpx.Response:
            return httpx.get(f"{hub.url}/aisac/whoami", auth=(name, members[name].key), timeout=30)

        old = whoami("chair-old")
        assert old.status_code == 403
        assert f"ended on {add_months(today, -6).isoformat()}" in old.json()["description"]
        assert whoami("chair-next").status_code == 403 and "starts on" in whoami("chair-next").json()["description"]
        assert whoami("chair-now").json() == {"name": "chair-now", "role": "chair"}
        assert whoami("other-chair").status_code == 200  # a chair the charter does not name keeps its rights
        taxii = httpx.get(f"{hub.url}/taxii2/", auth=("chair-old", members["chair-old"].key), timeout=30)
        assert taxii.status_code == 403  # every route, not just the forum's

        env = {"AISAC_HUB_MEMBER": "chair-old", "AISAC_HUB_KEY": members["chair-old"].key}
        result = CliRunner().invoke(app, ["forum", "correlate", "--hub", hub.url, "--out", str(tmp_path / "o"),
                                          "--dry-run"], env=env)
        assert result.exit_code == 2 and "ended on" in result.output
        env = {"AISAC_HUB_MEMBER": "openai", "AISAC_HUB_KEY": members["openai"].key}
        result = CliRunner().invoke(app, ["forum", "correlate", "--hub", hub.url, "--out", str(tmp_path / "o"),
                                          "--dry-run"], env=env)
        assert result.exit_code == 2 and "need a chair" in result.output

        # a lab may not speak for the working group
        stamp = "2026-04-06T00:00:00.000Z"
        posing = {"type": "identity", "spec_version": "2.1", "id": WORKING_GROUP_ID, "created": stamp,
                  "modified": stamp, "name": "Forum technical working group", "identity_class": "group"}
        status = httpx.post(f"{hub.url}/forum/collections/{_collection(hub.url, members['openai'])}/objects/",
                            json={"objects": [posing]}, auth=("openai", members["openai"].key), timeout=30,
                            headers={"Content-Type": "application/taxii+json;version=2.1",
                                     "Accept": "application/taxii+json;version=2.1"}).json()
        assert status["failure_count"] == 1 and "only a chair" in status["failures"][0]["message"]
    finally:
        hub.stop()
        engine.dispose()


def _collection(url: str, creds) -> str:  # type: ignore[no-untyped-def]
    auth = (creds.name, creds.key)
    found = httpx.get(f"{url}/forum/collections/", auth=auth, timeout=30).json()["collections"]
    return next(c["id"] for c in found if c["title"] == "forum")
