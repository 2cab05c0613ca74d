"""Whole-file problems: truncated or corrupt gzip, damaged or mistyped Parquet, empty and missing inputs."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from aisac.cli import app
from aisac.logs import reader
from aisac.logs.reader import UNREADABLE, LogError, read_log
from tests.conftest import line, record

runner = CliRunner()


def _flat(text: str) -> str:
    return " ".join(text.split())


def _records(n: int) -> list[dict]:
    return [record({"account.id": f"acct_{i}", "event.id": f"ev_{i}", "client.asn": 64500 + i}) for i in range(n)]


def _gz(path: Path, n: int) -> None:
    path.write_bytes(gzip.compress("".join(line(r) + "\n" for r in _records(n)).encode()))


def _validate(*paths: Path, strict: bool = False):
    return runner.invoke(app, ["logs", "validate", *(["--strict"] if strict else []), *map(str, paths)])


def test_truncated_gzip_keeps_the_lines_before_the_break(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "RAW_BLOCK", 512)  # inflate in small steps, as a big file would be
    path = tmp_path / "cut.jsonl.gz"
    _gz(path, 2000)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) * 2 // 3])
    log = read_log([path])
    kept = log.records
    assert 0 < kept < 2000
    # Everything kept is exactly the first `kept` records, in order.
    ids = [a for (a,) in log.con.execute('SELECT "account.id" FROM requests ORDER BY "event.id"').fetchall()]
    assert sorted(ids) == sorted(f"acct_{i}" for i in range(kept))
    [issue] = log.issues().to_pylist()
    assert issue["action"] == UNREADABLE and issue["line"] == kept + 1
    assert "truncated gzip" in issue["reason"] and f"line {kept + 1}" in issue["reason"]
    result = _validate(path)
    assert result.exit_code == 0
    assert f"{path}:{kept + 1}: unreadable from line {kept + 1} on: truncated gzip" in _flat(result.output)


def test_corrupt_gzip_is_unreadable_exit_2(tmp_path):
    path = tmp_path / "noise.jsonl.gz"
    path.write_bytes(b"this is not gzip at all\n" * 10)
    with pytest.raises(LogError, match=r"noise\.jsonl\.gz: unreadable from line 1 on: corrupt gzip data"):
        read_log([path])
    result = _validate(path)
    assert result.exit_code == 2
    assert "noise.jsonl.gz" in result.output and "corrupt gzip data" in result.output


def test_corrupt_gzip_beside_a_good_file_keeps_the_good_one(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(line(record()) + "\n")
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    log = read_log([tmp_path])
    assert log.records == 1
    assert [f.error is not None for f in log.files] == [True, False]
    result = _validate(tmp_path)
    assert result.exit_code == 0 and "bad.jsonl.gz" in _flat(result.output)


def test_multi_member_gzip_is_read_whole(tmp_path):
    path = tmp_path / "multi.jsonl.gz"
    path.write_bytes(gzip.compress((line(record()) + "\n").encode()) * 3)
    assert read_log([path]).records == 3


def _parquet(path: Path, n: int = 50, **kw) -> pa.Table:
    table = pa.Table.from_pylist(_records(n))
    pq.write_table(table, path, **kw)
    return table


def test_damaged_parquet_is_unreadable_exit_2(tmp_path):
    path = tmp_path / "damaged.parquet"
    _parquet(path)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(LogError, match=r"damaged\.parquet: cannot read Parquet"):
        read_log([path])
    result = _validate(path)
    assert result.exit_code == 2 and "cannot read Parquet" in _flat(result.output)


def test_damaged_row_group_costs_only_its_rows(tmp_path):
    path = tmp_path / "groups.parquet"
    _parquet(path, n=1000, row_group_size=100, compression="none")
    meta = pq.ParquetFile(path).metadata
    group = meta.row_group(5)
    offset = min(group.column(i).data_page_offset for i in range(group.num_columns))
    data = bytearray(path.read_bytes())
    data[offset:offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    log = read_log([path])
    assert log.records == 900
    kept = {a for (a,) in log.con.execute('SELECT "account.id" FROM requests').fetchall()}
    assert kept == {f"acct_{i}" for i in range(1000) if not 500 <= i < 600}
    [issue] = log.issues().to_pylist()
    assert issue["line"] == 501 and issue["reason"].startswith("rows 501-600 (row group 6) unreadable")


def test_parquet_missing_required_column(tmp_path):
    path = tmp_path / "noaddr.parquet"
    pq.write_table(pa.Table.from_pylist(_records(5)).drop(["client.address"]), path)
    with pytest.raises(LogError, match=r"client\.address: required column missing from the file"):
        read_log([path])
    assert _validate(path).exit_code == 2


def test_parquet_wrong_typed_required_column(tmp_path):
    path = tmp_path / "floattokens.parquet"
    table = pa.Table.from_pylist(_records(5))
    i = table.schema.get_field_index("gen_ai.usage.input_tokens")
    pq.write_table(table.set_column(i, "gen_ai.usage.input_tokens", table.column(i).cast(pa.float64())), path)
    with pytest.raises(LogError, match=r"gen_ai\.usage\.input_tokens: column has type double, expected integer >= 0"):
        read_log([path])
    result = _validate(path)
    assert result.exit_code == 2 and "column has type double" in _flat(result.output)


def test_parquet_wrong_typed_optional_column_is_ignored_with_a_note(tmp_path):
    path = tmp_path / "asnstr.parquet"
    table = pa.Table.from_pylist(_records(5))
    i = table.schema.get_field_index("client.asn")
    pq.write_table(table.set_column(i, "client.asn", table.column(i).cast(pa.string())), path)
    log = read_log([path])
    assert log.records == 5
    [issue] = log.issues().to_pylist()
    assert issue["field"] == "client.asn" and "column has type string, expected integer" in issue["reason"]
    assert log.con.execute('SELECT count("client.asn") FROM requests').fetchall() == [(0,)]


def test_parquet_bad_values_name_the_row(tmp_path):
    path = tmp_path / "rows.parquet"
    rows = _records(4)
    rows[1]["gen_ai.usage.output_tokens"] = -3
    rows[2]["client.address"] = "999.1.1.1"
    rows[3]["time"] = "2026-04-06 10:00"
    pq.write_table(pa.Table.from_pylist(rows), path)
    log = read_log([path])
    assert log.records == 1
    issues = {i["line"]: i for i in log.issues().to_pylist()}
    assert issues[2]["field"] == "gen_ai.usage.output_tokens" and "must be >= 0, got -3" in issues[2]["reason"]
    assert issues[3]["field"] == "client.address" and "not an IPv4 or IPv6" in issues[3]["reason"]
    assert issues[4]["field"] == "time" and "RFC 3339" in issues[4]["reason"]


def test_naive_parquet_timestamp_is_taken_as_utc(tmp_path):
    path = tmp_path / "naive.parquet"
    table = pa.Table.from_pylist(_records(1)).drop(["time"])
    table = table.append_column("time", pa.array([1_775_469_600_000_000], pa.timestamp("us")))
    pq.write_table(table, path)
    log = read_log([path])
    assert log.con.execute("SELECT epoch(time)::BIGINT FROM requests").fetchall() == [(1_775_469_600,)]


def test_empty_directory_exit_2(tmp_path):
    (tmp_path / "notes.txt").write_text("not a log")
    with pytest.raises(LogError, match=r"directory holds no \.jsonl, \.jsonl\.gz or \.parquet file"):
        read_log([tmp_path])
    result = _validate(tmp_path)
    assert result.exit_code == 2 and str(tmp_path) in _flat(result.output)


def test_nonexistent_path_exit_2(tmp_path):
    missing = tmp_path / "nowhere.jsonl"
    with pytest.raises(LogError, match=r"nowhere\.jsonl: no such file or directory"):
        read_log([missing])
    assert _validate(missing).exit_code == 2


def test_empty_file_is_read_but_nothing_usable_exit_1(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert read_log([path]).records == 0
    result = _validate(path)
    assert result.exit_code == 1 and "0 records accepted, 0 rejected" in _flat(result.output)



def test_strict_fails_on_a_file_cut_short(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    _gz(path, 200)
    path.write_bytes(path.read_bytes()[:-30])
    assert _validate(path).exit_code == 0
    assert _validate(path, strict=True).exit_code == 1


@pytest.mark.parametrize("name", ["plain.jsonl", "packed.jsonl.gz"])
def test_progress_counts_the_bytes_of_the_file(tmp_path, monkeypatch, name):
    monkeypatch.setattr(reader, "CHUNK_BYTES", 4096)  # several chunks
    monkeypatch.setattr(reader, "RAW_BLOCK", 512)
    path = tmp_path / name
    data = "".join(line(r) + "\n" for r in _records(300)).encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    steps: list[int] = []
    assert read_log([path], progress=steps.append).records == 300
    assert len(steps) > 1 and sum(steps) == path.stat().st_size
