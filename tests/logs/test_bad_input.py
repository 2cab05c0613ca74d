"""Each kind of bad input, alone, through `read_log` and through `aisac logs validate`.

Every case puts the bad record between two good ones and checks that the report names the file, the line,
the field and the rule, and that both good records are kept.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from aisac.cli import app
from aisac.logs.reader import DROPPED, REJECTED, read_log
from tests.conftest import line, record

runner = CliRunner()

# (case id, the bad line, field named in the report or None for a whole-line problem, words of the rule)
REJECTS = [
    ("malformed-json", '{"time": "2026-04-06T10:00:00Z", "account.id": ', None, "not valid JSON"),
    ("not-an-object", "[1, 2, 3]", None, "not a JSON object"),
    ("scalar-line", '"just a string"', None, "not a JSON object"),
    ("missing-time", line(record(drop=("time",))), "time", "missing"),
    ("missing-address", line(record(drop=("client.address",))), "client.address", "missing"),
    ("null-account", line(record({"account.id": None})), "account.id", "missing"),
    ("empty-account", line(record({"account.id": ""})), "account.id", "empty string"),
    ("string-tokens", line(record({"gen_ai.usage.input_tokens": "12"})), "gen_ai.usage.input_tokens",
     "expected integer >= 0, got string"),
    ("float-tokens", line(record({"gen_ai.usage.output_tokens": 3.5})), "gen_ai.usage.output_tokens",
     "expected integer >= 0, got number"),
    ("negative-tokens", line(record({"gen_ai.usage.input_tokens": -4})), "gen_ai.usage.input_tokens",
     "must be >= 0, got -4"),
    ("bool-tokens", line(record({"gen_ai.usage.input_tokens": True})), "gen_ai.usage.input_tokens",
     "got boolean"),
    ("time-without-offset", line(record({"time": "2026-04-06T10:00:00"})), "time",
     "expected an RFC 3339 time with offset"),
    ("time-impossible-date", line(record({"time": "2026-13-40T10:00:00Z"})), "time",
     "expected an RFC 3339 time with offset"),
    ("time-as-number", line(record({"time": 1775469600})), "time", "expected RFC 3339 time with offset, got integer"),
    ("bad-ipv4", line(record({"client.address": "203.0.113.300"})), "client.address",
     "not an IPv4 or IPv6 address"),
    ("hostname-address", line(record({"client.address": "gateway.example"})), "client.address",
     "not an IPv4 or IPv6 address"),
    ("model-as-number", line(record({"gen_ai.request.model": 4})), "gen_ai.request.model",
     "expected string, got integer"),
]


def _three(write_lines, bad: str | bytes):
    good_a = line(record({"account.id": "good_a"}))
    good_b = line(record({"account.id": "good_b", "client.address": "2001:db8::1"}))
    return write_lines([good_a, bad, good_b])


def _flat(text: str) -> str:
    """Output with Rich's line wrapping undone."""
    return " ".join(text.split())


@pytest.mark.parametrize(("bad", "field", "rule"), [c[1:] for c in REJECTS], ids=[c[0] for c in REJECTS])
def test_bad_record_is_set_aside_and_the_rest_kept(write_lines, bad, field, rule):
    path = _three(write_lines, bad)
    log = read_log([path])
    assert log.records == 2
    kept = {a for (a,) in log.con.execute('SELECT "account.id" FROM requests').fetchall()}
    assert kept == {"good_a", "good_b"}
    issues = log.issues().to_pylist()
    assert len(issues) == 1
    issue = issues[0]
    assert (issue["file"], issue["line"], issue["action"]) == (str(path), 2, REJECTED)
    assert issue["field"] == field
    assert rule in issue["reason"]
    if field:
        assert issue["reason"].startswith(f"{field}: ")
    assert log.files[0].rejected == 1 and log.files[0].records == 2


@pytest.mark.parametrize(("bad", "field", "rule"), [c[1:] for c in REJECTS], ids=[c[0] for c in REJECTS])
def test_validate_cli_names_file_line_field_and_rule(write_lines, bad, field, rule):
    path = _three(write_lines, bad)
    result = runner.invoke(app, ["logs", "validate", str(path)])
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    where = f"{path}:2" + (f" [{field}]" if field else "")
    assert where in text
    assert rule in text
    assert "2 records accepted, 1 rejected" in text


def test_invalid_utf8_line_is_rejected(write_lines):
    bad = line(record({"account.id": "PLACEHOLDER"})).encode().replace(b"PLACEHOLDER", b"caf\xe9")
    path = _three(write_lines, bad)
    log = read_log([path])
    assert log.records == 2
    [issue] = log.issues().to_pylist()
    assert (issue["line"], issue["reason"], issue["action"]) == (2, "not valid UTF-8", REJECTED)


def test_several_broken_required_fields_are_all_named(write_lines):
    bad = line(record({"gen_ai.usage.input_tokens": "x", "time": "yesterday"}))
    [issue] = read_log([_three(write_lines, bad)]).issues().to_pylist()
    assert issue["field"] == "time,gen_ai.usage.input_tokens"
    assert "time: expected an RFC 3339" in issue["reason"]
    assert "gen_ai.usage.input_tokens: expected integer >= 0" in issue["reason"]


OPTIONAL_BAD = [
    ("client.asn", "AS15169", "expected integer, got string"),
    ("account.country", "usa", "expected an ISO 3166-1 alpha-2 code"),
    ("client.geo.country_iso_code", 49, "expected ISO 3166-1 alpha-2 code, got integer"),
    ("gen_ai.request.temperature", "warm", "expected number, got string"),
    ("gen_ai.input.messages", "hello", "expected a string holding a JSON array"),
    ("gen_ai.input.messages", [{"role": "user"}], "expected string holding a JSON array, got array"),
    ("account.created_at", "2026-04-01", "expected an RFC 3339 time with offset"),
    ("http.response.status_code", 200.5, "expected integer, got number"),
    ("account.pathway", "Education", "expected a lowercase pathway name (a-z, 0-9, _ or -), got Education"),
    ("account.pathway", 3, "expected lowercase pathway name, got integer"),
]


@pytest.mark.parametrize(("name", "value", "rule"), OPTIONAL_BAD, ids=[f"{n}={v!r}" for n, v, _ in OPTIONAL_BAD])
def test_bad_optional_value_is_dropped_and_record_kept(write_lines, name, value, rule):
    path = write_lines([line(record({name: value, "client.asn": 64500} if name != "client.asn" else {name: value}))])
    log = read_log([path])
    assert log.records == 1
    [issue] = log.issues().to_pylist()
    assert (issue["line"], issue["field"], issue["action"]) == (1, name, DROPPED)
    assert rule in issue["reason"]
    [(kept,)] = log.con.execute(f'SELECT "{name}" FROM requests').fetchall()
    assert kept is None
    if name != "client.asn":  # the neighbouring good optional value survives
        assert log.con.execute('SELECT "client.asn" FROM requests').fetchall() == [(64500,)]
    result = runner.invoke(app, ["logs", "validate", str(path)])
    assert result.exit_code == 0
    assert f"{path}:1 [{name}]" in _flat(result.output) and "(value dropped)" in _flat(result.output)


def test_json_null_optional_is_absent_not_an_error(write_lines):
    log = read_log([write_lines([line(record({"client.asn": None, "event.id": None}))])])
    assert log.records == 1 and log.issues().num_rows == 0


def test_exit_1_when_nothing_usable_remained(write_lines):
    path = write_lines(["not json", line(record(drop=("time",)))])
    result = runner.invoke(app, ["logs", "validate", str(path)])
    assert result.exit_code == 1
    text = _flat(result.output)
    assert f"{path}:1: not valid JSON" in text and f"{path}:2 [time]: time: missing" in text
    assert "0 records accepted, 2 rejected" in text


def test_strict_exits_1_on_any_reject(write_lines):
    path = _three(write_lines, "{oops")
    assert runner.invoke(app, ["logs", "validate", str(path)]).exit_code == 0
    assert runner.invoke(app, ["logs", "validate", "--strict", str(path)]).exit_code == 1
    clean = write_lines([line(record())], name="clean.jsonl")
    assert runner.invoke(app, ["logs", "validate", "--strict", str(clean)]).exit_code == 0


def test_limit_caps_the_listing(write_lines):
    path = write_lines([line(record())] + ["{bad"] * 5)
    result = runner.invoke(app, ["logs", "validate", "--limit", "2", str(path)])
    text = _flat(result.output)
    assert f"{path}:2:" in text and f"{path}:3:" in text and f"{path}:4:" not in text
    assert "... and 3 more" in text


def test_blank_lines_are_skipped_and_numbering_kept(write_lines):
    path = write_lines([line(record()), "", "   ", "{bad", line(record())])
    log = read_log([path])
    assert log.records == 2
    assert [i["line"] for i in log.issues().to_pylist()] == [4]


def test_last_line_without_newline_is_read(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text(line(record()) + "\n" + line(record({"account.id": "last"})))
    log = read_log([path])
    assert log.records == 2


def test_integer_beyond_64_bits_is_out_of_range(write_lines):
    bad = line(record({"gen_ai.usage.output_tokens": 2**64 - 1}))
    [issue] = read_log([_three(write_lines, bad)]).issues().to_pylist()
    assert issue["reason"] == f"gen_ai.usage.output_tokens: integer out of range: {2**64 - 1}"


def test_crlf_line_endings_and_unicode_separators_in_values(tmp_path):
    path = tmp_path / "crlf.jsonl"
    text = line(record({"account.id": "a\u2028b\u0085c"})) + "\r\n" + line(record()) + "\r\n"
    path.write_bytes(text.encode())
    log = read_log([path])
    assert log.records == 2 and log.issues().num_rows == 0
    assert ("a\u2028b\u0085c",) in log.con.execute('SELECT "account.id" FROM requests').fetchall()
