"""`account.pathway`, the aisac extension column: optional, checked, and absent from older logs."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from aisac.logs.reader import DROPPED, read_log
from tests.conftest import record


def test_parquet_pathway_values_are_checked_row_by_row(tmp_path) -> None:
    rows = [record({"account.id": f"a{i}"}) for i in range(4)]
    table = pa.Table.from_pylist(rows).append_column(
        "account.pathway", pa.array(["education", "Startup!", None, "self_serve"], pa.string())
    )
    path = tmp_path / "log.parquet"
    pq.write_table(table, path)
    log = read_log([path])
    assert log.records == 4
    [issue] = log.issues().to_pylist()
    assert (issue["line"], issue["field"], issue["action"]) == (2, "account.pathway", DROPPED)
    assert "expected a lowercase pathway name" in issue["reason"] and "Startup!" in issue["reason"]
    kept = dict(log.con.execute('SELECT "account.id", "account.pathway" FROM requests').fetchall())
    assert kept == {"a0": "education", "a1": None, "a2": None, "a3": "self_serve"}
    assert "account.pathway" in log.columns_present()


def test_a_log_without_the_column_reads_as_before(tmp_path) -> None:
    path = tmp_path / "old.parquet"
    pq.write_table(pa.Table.from_pylist([record()]), path)
    log = read_log([path])
    assert log.records == 1 and log.issues().num_rows == 0
    assert "account.pathway" not in log.columns_present()
    assert log.table()["account.pathway"].to_pylist() == [None]
