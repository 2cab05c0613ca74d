"""campaign_phases.csv (when a campaign account's traffic is the campaign's) and the account.pathway column."""

from __future__ import annotations

import csv

import duckdb
import pytest

from aisac.contract.labels import PHASES_FILE, read_phases
from aisac.simulate import generator
from aisac.simulate.generator import simulate, write

PATHWAYS = {"self_serve", "enterprise", "education", "research", "startup"}


@pytest.fixture(scope="module")
def sim():
    return simulate(days=5, seed=21, scale=0.05)


def _sql(sim, query: str) -> list[tuple]:
    """Run SQL over the simulation's log, labels and phases, in UTC."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name in ("log", "labels", "phases"):
        con.register(name, getattr(sim, name))
    return con.sql(query).fetchall()


def test_every_campaign_account_with_traffic_has_a_phase_and_only_those(sim) -> None:
    rows = _sql(
        sim,
        """
        SELECT l.label, count(DISTINCT r."account.id"), count(DISTINCT p.account_id)
        FROM labels l JOIN log r ON r."account.id" = l.account_id
        LEFT JOIN phases p ON p.account_id = l.account_id GROUP BY ALL ORDER BY 1
    """,
    )
    assert rows[0][0] == "benign" and rows[0][2] == 0
    assert rows[1][0] == "distillation" and rows[1][1] == rows[1][2] > 0


def test_aged_accounts_start_at_the_takeover_and_the_others_at_their_first_request(sim) -> None:
    rows = _sql(
        sim,
        """
        SELECT l.persona, p.campaign_from, min(epoch_us(r.time)) AS first,
               min(epoch_us(r.time)) FILTER (r."user_agent.original" NOT LIKE 'Mozilla/5.0 (%') AS first_harvest
        FROM phases p JOIN labels l USING (account_id) JOIN log r ON r."account.id" = p.account_id
        GROUP BY ALL
    """,
    )
    aged = [r for r in rows if r[0] == "aged_switch"]
    assert aged and all(r[1] > r[2] for r in aged)  # a life before the campaign
    assert all(r[3] is None or r[3] >= r[1] for r in aged)  # no harvesting before the takeover
    assert len({r[1] for r in aged}) == 1  # the operation takes its accounts over at one moment
    assert all(r[1] == r[2] for r in rows if r[0] != "aged_switch")


def test_pathways_are_per_account_and_programmes_appear_on_both_sides(sim) -> None:
    per_account = _sql(sim, 'SELECT "account.id", count(DISTINCT "account.pathway") FROM log GROUP BY ALL')
    assert all(n == 1 for _, n in per_account)
    seen = dict(
        (k, v)
        for k, v in _sql(
            sim,
            """
            SELECT l.label || '/' || r."account.pathway", count(DISTINCT l.account_id)
            FROM log r JOIN labels l ON l.account_id = r."account.id" GROUP BY ALL
        """,
        )
    )
    assert {k.split("/")[1] for k in seen} <= PATHWAYS
    assert seen.get("benign/education", 0) > 0 and seen.get("benign/enterprise", 0) > 0
    assert sum(seen.get(f"distillation/{p}", 0) for p in ("education", "research", "startup")) > 0


def test_pathways_come_from_a_side_stream_so_the_rest_of_a_seed_is_unchanged(monkeypatch, sim) -> None:
    monkeypatch.setattr(generator, "SIDE_STREAM", generator.SIDE_STREAM + 1)
    other = simulate(days=5, seed=21, scale=0.05)
    rest = [c for c in sim.log.column_names if c != "account.pathway"]
    assert other.log.select(rest).equals(sim.log.select(rest)) and other.labels.equals(sim.labels)
    assert other.log["account.pathway"] != sim.log["account.pathway"]


def test_write_puts_the_phases_beside_the_labels(tmp_path, sim) -> None:
    write(sim, tmp_path)
    with open(tmp_path / "labels.csv") as f:
        assert next(csv.reader(f)) == ["account_id", "label", "persona", "campaign"]  # the contract is unchanged
    back = read_phases(tmp_path / PHASES_FILE)
    want = {r["account_id"]: (r["campaign"], r["campaign_from"] / 1e6) for r in sim.phases.to_pylist()}
    assert back.keys() == want.keys()
    for aid, (campaign, start) in want.items():
        assert back[aid][0] == campaign and back[aid][1] == pytest.approx(start, abs=1e-6)
