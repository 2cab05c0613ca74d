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


@pytest.mark.parametrize(("name", "text", "message"), [
    ("c.json", '{"id": "C1"}', "c.json: expected a JSON list of campaigns, got dict"),
    ("c.json", '[{"score": 1}]', "c.json: campaigns[0] [id]: needs a non-empty string"),
    ("c.json", '[{"id": "C1"}, {"id": "C2", "score": "high"}]',
     "c.json: campaigns[1] [score]: expected int or float, got str"),
    ("c.json", '[{"id": "C1", "accounts": "a"}]', "c.json: campaigns[0] [accounts]: expected list, got str"),
    ("c.json", '[{"id": "C1"},\n oops]', "c.json:2: not valid JSON"),
    ("a.csv", "account,score\n", "a.csv:1: header lacks account_id, flagged"),
    ("a.csv", "account_id,score,flagged\nx,high,true\n", "a.csv:2 [score]: expected a number, got 'high'"),
    ("a.csv", "account_id,score,flagged\nx,0.5,true\ny,0.5,maybe\n",
     "a.csv:3 [flagged]: expected true/false, got 'maybe'"),
    ("a.csv", "account_id,score,flagged\n,0.5,true\n", "a.csv:2 [account_id]: empty"),
])
def test_a_bad_file_names_the_line_or_object_and_field(tmp_path, name, text, message) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(FindingsError) as err:
        (read_campaigns if name.endswith(".json") else read_accounts)(tmp_path / name)
    assert str(err.value).startswith(f"{tmp_path}/{message}")
