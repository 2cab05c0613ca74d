"""JSONL input written by others: bad lines are named, good lines beside them are kept."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aisac.watermark.textio import parse_line, read_texts


def test_mixed_file(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        b'{"id": "a", "text": "fine"}\n'
        b"\n"
        b'{"id": "b", "text": "caf\xe9"}\n'
        b'{"id": 3, "text": "also fine"}\r\n'
        b'{"id": true, "text": "x"}\n'
        b'{"text": "no id"}\n'
        b'{"id": "c", "text": 5}\n'
        b"[1, 2]\n"
        b"{broken\n"
    )
    records, issues = read_texts(path)
    assert [(r.line, r.id, r.text) for r in records] == [(1, "a", "fine"), (4, 3, "also fine")]
    by_line = {i.line: i.reason for i in issues}
    assert by_line[3].startswith("not valid UTF-8 (byte 24")
    assert "field 'id'" in by_line[5] and "field 'id'" in by_line[6]
    assert "field 'text'" in by_line[7]
    assert "JSON object" in by_line[8]
    assert by_line[9].startswith("not valid JSON")
    assert str(issues[0]).startswith(f"{path}: line 3: ")


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_any_bytes_parse_or_give_a_reason(raw: bytes) -> None:
    out = parse_line(raw, 1)
    assert isinstance(out, str) or out.line == 1


@given(st.text(max_size=100), st.one_of(st.text(max_size=10), st.integers()), st.none() | st.text(max_size=50))
def test_valid_records_round_trip(text: str, ident: str | int, prompt: str | None) -> None:
    line = json.dumps({"id": ident, "text": text, **({"prompt": prompt} if prompt is not None else {})}).encode()
    record = parse_line(line, 4)
    assert not isinstance(record, str)
    assert (record.id, record.text, record.prompt) == (ident, text, prompt)


def test_prompt_must_be_text() -> None:
    assert parse_line(b'{"id": 1, "text": "a", "prompt": ["q"]}', 2) == "field 'prompt' must be a string when present"
