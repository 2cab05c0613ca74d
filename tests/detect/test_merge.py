"""Campaign merging: a value held mostly by flagged accounts joins them; one held mostly by cleared accounts
(a carrier NAT, a popular product's prompt), or only generic tradecraft (a client string), joins nothing."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from aisac.detect import merge


def _values(rows: list[tuple[str, str, str]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register(
        "v", pa.table({"family": [r[0] for r in rows], "value": [r[1] for r in rows], "account": [r[2] for r in rows]})
    )
    con.execute("CREATE TEMP TABLE _values AS SELECT * FROM v")
    return con


def test_operator_values_join_and_shared_or_generic_ones_do_not():
    rows = [("system_prompt", "harness", f"h{i}") for i in range(6)]  # an operator's own prompt
    rows += [("system_prompt", "harness", "undetected")]  # one member the detector missed: still a majority
    rows += [("address", "cgnat", a) for a in ("h0", "x0", *(f"p{i}" for i in range(20)))]  # a carrier NAT
    rows += [("client", "python-httpx", a) for a in ("h1", "x0")]  # generic tradecraft: never joins
    rows += [("payment", "card", a) for a in ("x0", "x1", "p0")]  # a second operator's card
    con = _values(rows)
    flagged = [f"h{i}" for i in range(6)] + ["x0", "x1"]
    got = {(j.family, j.accounts, j.cleared) for j in merge.joins(con, flagged)}
    assert got == {
        ("system_prompt", tuple(f"h{i}" for i in range(6)), 1),
        ("payment", ("x0", "x1"), 1),
    }


def test_no_values_or_one_flagged_account_joins_nothing():
    assert merge.joins(duckdb.connect(), ["a", "b"]) == []
    assert merge.joins(_values([("payment", "card", "a"), ("payment", "card", "b")]), ["a"]) == []
