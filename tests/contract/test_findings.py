"""accounts.csv and campaigns.json: written and read back through the contract; a bad file names where."""

from __future__ import annotations

import json

import pytest

from aisac.contract.findings import (
    AccountFinding,
    Campaign,
    FindingsError,
    read_accounts,
    read_campaigns,
    write_accounts,
    write_campaigns,
)
from aisac.contract.stix import campaign_stix_id


def test_round_trip(tmp_path) -> None:
    rows = [{"account_id": "a", "score": 0.97123, "flagged": True, "campaign": "C-1", "reasons": "x; y"},
            {"account_id": "b", "score": 0.1, "flagged": False, "campaign": None, "reasons": ""}]
    write_accounts(rows, tmp_path / "accounts.csv")
    assert read_accounts(tmp_path / "accounts.csv") == {
        "a": AccountFinding("a", 0.9712, True, "C-1", "x; y"), "b": AccountFinding("b", 0.1, False, "", "")}
    campaigns = [Campaign("C-1", stix_id=campaign_stix_id("C-1"), score=0.9, accounts=["a"], account_count=1,
                          reasons=["r"])]
    write_campaigns(campaigns, tmp_path / "campaigns.json")
    assert read_campaigns(tmp_path / "campaigns.json") == campaigns
    assert json.loads((tmp_path / "campaigns.json").read_text())[0]["stix_id"].startswith("campaign--")


def test_a_hand_written_campaign_gets_its_stix_id(tmp_path) -> None:
    (tmp_path / "c.json").write_text('[{"id": "C1", "score": 0.95}]')
    (c,) = read_campaigns(tmp_path / "c.json")
    assert c.stix_id == campaign_stix_id("C1") and c.score == 0.95


@pytest.mark.parametrize(("text", "message"), [
    ('{"id": "C1"}', "c.json: expected a JSON list of campaigns, got dict"),
    ('[{"score": 1}]', "c.json: campaigns[0] [id]: needs a non-empty string"),
    ('[{"id": "C1"}, {"id": "C2", "score": "high"}]', "c.json: campaigns[1] [score]: expected int or float, got str"),
    ('[{"id": "C1", "accounts": "a"}]', "c.json: campaigns[0] [accounts]: expected list, got str"),
    ('[{"id": "C1"},\n oops]', "c.json:2: not valid JSON"),
])
def test_bad_campaigns_name_the_object_and_field(tmp_path, text, message) -> None:
    (tmp_path / "c.json").write_text(text)
    with pytest.raises(FindingsError) as err:
        read_campaigns(tmp_path / "c.json")
    assert str(err.value).startswith(f"{tmp_path}/{message}")


@pytest.mark.parametrize(("text", "message"), [
    ("account,score\n", "a.csv:1: header lacks account_id, flagged"),
    ("account_id,score,flagged\nx,high,true\n", "a.csv:2 [score]: expected a number, got 'high'"),
    ("account_id,score,flagged\nx,0.5,true\ny,0.5,maybe\n", "a.csv:3 [flagged]: expected true/false, got 'maybe'"),
    ("account_id,score,flagged\n,0.5,true\n", "a.csv:2 [account_id]: empty"),
])
def test_bad_accounts_name_the_line_and_field(tmp_path, text, message) -> None:
    (tmp_path / "a.csv").write_text(text)
    with pytest.raises(FindingsError) as err:
        read_accounts(tmp_path / "a.csv")
    assert str(err.value).startswith(f"{tmp_path}/{message}")
