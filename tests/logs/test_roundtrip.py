"""Property-based: valid records survive every container unchanged; corruption costs only the corrupted lines."""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aisac.cli import app
from aisac.logs import schema
from aisac.logs.reader import REJECTED, read_log
from aisac.logs.writer import FORMATS, time_columns_of, write_table
from tests.logs.strategies import expected, records

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
runner = CliRunner()


def _jsonl(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict]:
    log = read_log([path])
    assert log.rejected == 0, log.issues().to_pylist()
    return log.table().to_pylist()


@SETTINGS
@given(st.lists(records(), min_size=1, max_size=15, unique_by=lambda r: r.get("event.id", id(r))))
def test_valid_records_round_trip_through_every_container(recs):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rows = _rows(_jsonl(tmp / "in.jsonl", recs))
        assert rows == [expected(r) for r in recs]
        table = read_log([tmp / "in.jsonl"]).table()
        for fmt in FORMATS:
            out = tmp / f"out.{fmt}"
            write_table(table, out, fmt, time_columns_of(schema.COLUMNS))
            assert _rows(out) == rows, fmt


@SETTINGS
@given(st.lists(records(), min_size=1, max_size=8, unique_by=lambda r: r.get("event.id", id(r))),
       st.sampled_from(FORMATS))
def test_convert_cli_round_trips_and_keeps_unknown_columns(recs, fmt):
    extra = {"x.custom.score": 0.5, "x.tags": ["a", "b"], "x.nested": {"k": [1, None]}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = _jsonl(tmp / "in.jsonl", [{**r, **extra} if i % 2 == 0 else r for i, r in enumerate(recs)])
        out = tmp / f"out.{fmt}"
        result = runner.invoke(app, ["logs", "convert", str(src), "--to", fmt, str(out)])
        assert result.exit_code == 0, result.output
        assert _rows(out) == [expected(r) for r in recs]
        for i, row in enumerate(_output_rows(out, fmt)):
            if i % 2 == 0:  # unknown columns come out as JSON text of the value given
                assert {k: json.loads(row[k]) for k in extra} == extra
            else:
                assert all(row.get(k) is None for k in extra)


def _output_rows(path: Path, fmt: str) -> list[dict]:
    """The converted file's rows as its own container holds them (not through our reader)."""
    if fmt == "parquet":
        return pq.read_table(path).to_pylist()
    raw = gzip.decompress(path.read_bytes()) if fmt.endswith(".gz") else path.read_bytes()
    return [json.loads(x) for x in raw.decode().split("\n") if x]  # not splitlines: U+0085 is data


@SETTINGS
@given(st.lists(records(), min_size=2, max_size=20), st.data())
def test_byte_corruption_never_raises_and_costs_only_corrupted_lines(recs, data):
    lines = [json.dumps({**r, "event.id": f"ev{i}"}, ensure_ascii=False).encode() for i, r in enumerate(recs)]
    hit = data.draw(st.sets(st.integers(0, len(lines) - 1), min_size=1, max_size=len(lines)))
    for i in hit:
        raw = bytearray(lines[i])
        for _ in range(data.draw(st.integers(1, 4))):
            pos = data.draw(st.integers(0, len(raw) - 1))
            op = data.draw(st.sampled_from(["flip", "delete", "insert"]))
            byte = data.draw(st.integers(0, 255).filter(lambda b: b != 0x0A))
            if op == "flip":
                raw[pos] = byte
            elif op == "delete" and len(raw) > 1:
                del raw[pos]
            else:
                raw.insert(pos, byte)
        lines[i] = bytes(raw)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mixed.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        log = read_log([path])  # must not raise
        issues = log.issues().to_pylist()
        rejected = {i["line"] - 1 for i in issues if i["action"] == REJECTED}
        assert rejected <= hit
        kept_lines = {r[0] for r in log.con.execute(
            "SELECT DISTINCT \"event.id\" FROM requests").fetchall()}
        for i in set(range(len(lines))) - hit:
            assert f"ev{i}" in kept_lines
        blank = sum(1 for x in lines if not x.strip())
        assert log.records + log.duplicates + len(rejected) + blank == len(lines)
        assert all(i["file"] == str(path) and i["reason"] for i in issues)


@SETTINGS
@given(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1, max_size=30))
def test_duplicate_event_ids_are_counted_once(ids):
    recs = [{"time": "2026-04-06T10:00:00Z", "account.id": f"acct{n}", "gen_ai.request.model": "m",
             "gen_ai.usage.input_tokens": n, "gen_ai.usage.output_tokens": 1, "client.address": "192.0.2.1",
             **({"event.id": e} if e else {})} for n, e in enumerate(ids)]
    with tempfile.TemporaryDirectory() as tmp:
        log = read_log([_jsonl(Path(tmp) / "d.jsonl", recs)])
        distinct = len({e for e in ids if e})
        without = ids.count(None)
        assert log.records == distinct + without
        assert log.duplicates == len(ids) - without - distinct
