"""`aisac simulate --labs 3`: three labs in one world, operators that cross them, and the traps around them."""

from __future__ import annotations

import csv

import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from aisac.cli import app
from aisac.logs.reader import read_log
from aisac.simulate.multilab import simulate_labs


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("labs")
    result = CliRunner().invoke(app, ["simulate", "--labs", "3", "--out", str(out), "--scale", "0.02", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return out


def _operators(world):
    with open(world / "operators.csv", newline="") as f:
        return list(csv.DictReader(f))


def _log(world, lab):
    return read_log([world / lab / "log"])


def test_layout_and_operators_file(world):
    rows = _operators(world)
    assert list(rows[0]) == ["lab", "account_id", "operator"]
    for lab in ("lab-a", "lab-b", "lab-c"):
        assert (world / lab / "labels.csv").exists() and list((world / lab / "log").glob("day-*.parquet"))
        with open(world / lab / "labels.csv", newline="") as f:
            distill = {r["account_id"] for r in csv.DictReader(f) if r["label"] == "distillation"}
        assert distill == {r["account_id"] for r in rows if r["lab"] == lab}  # every one has an operator
    labs_of = {}
    for r in rows:
        labs_of.setdefault(r["operator"], set()).add(r["lab"])
    crossing = {op for op, labs in labs_of.items() if len(labs) > 1}
    assert "X1-hydra_cot" in crossing and labs_of["X1-hydra_cot"] == {"lab-a", "lab-b", "lab-c"}
    assert len(crossing) >= 2 and any("-S1-" in op for op in labs_of)


def test_labs_have_their_own_ids_and_models_but_an_operator_keeps_its_exits(world):
    rows = _operators(world)
    ids, models, exits = {}, {}, {}
    for lab in ("lab-a", "lab-b", "lab-c"):
        log = _log(world, lab)
        ids[lab] = {r[0] for r in log.con.execute('SELECT DISTINCT "account.id" FROM requests').fetchall()}
        models[lab] = {r[0] for r in log.con.execute('SELECT DISTINCT "gen_ai.request.model" FROM requests').fetchall()}
        x1 = [r["account_id"] for r in rows if r["lab"] == lab and r["operator"] == "X1-hydra_cot"]
        exits[lab] = {r[0] for r in log.con.execute(
            'SELECT DISTINCT "client.address" FROM requests WHERE list_contains(?, "account.id")', [x1]).fetchall()}
    assert not ids["lab-a"] & ids["lab-b"] and not models["lab-a"] & models["lab-c"]
    assert len(exits["lab-a"] & exits["lab-b"] & exits["lab-c"]) >= 10


def test_benign_users_at_every_lab_share_the_vpn_exits_a_local_campaign_uses(world):
    rows = _operators(world)
    for lab in ("lab-a", "lab-b", "lab-c"):
        log = _log(world, lab)
        vpn_campaign = [r["account_id"] for r in rows if r["lab"] == lab and r["operator"].endswith("hydra_cot")
                        and r["operator"].startswith(f"{lab}-C")]
        shared = log.con.execute(
            """SELECT count(DISTINCT "client.address") FROM requests
               WHERE list_contains(?, "account.id") AND "client.address" IN (
                   SELECT "client.address" FROM requests WHERE NOT list_contains(?, "account.id"))""",
            [vpn_campaign, [r["account_id"] for r in rows if r["lab"] == lab]]).fetchall()[0][0]
        assert shared >= 3


def test_same_seed_same_world_and_bad_arguments():
    a, b = simulate_labs(2, 2, seed=9, scale=0.01), simulate_labs(2, 2, seed=9, scale=0.01)
    assert a.operators.equals(b.operators)
    assert pc.all(pc.equal(a.labs["lab-b"].log["client.address"], b.labs["lab-b"].log["client.address"])).as_py()
    with pytest.raises(ValueError, match="labs must be"):
        simulate_labs(7)
