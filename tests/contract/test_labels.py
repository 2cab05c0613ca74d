"""labels.csv and campaign_phases.csv: a bad file is an error that names the line, field and rule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisac.contract.labels import PHASE_COLUMNS, PHASES_FILE, Label, LabelError, read_labels, read_phases, write_phases

HEADER = "account_id,label,persona,campaign\n"


@pytest.mark.parametrize(("text", "where", "rule"), [
    ("account,label,persona,campaign\na,benign,hobbyist,\n", ":1:", "header must be account_id,label,persona,campaign"),
    ("", ":1:", "got (empty)"),
    (HEADER + "a,benign,hobbyist,\nb,evil,hydra_cot,C1\n", ":3 [label]:",
     "must be one of benign, distillation, got 'evil'"),
    (HEADER + "a,benign,hobbyist,\nb,benign,developer,\na,benign,hobbyist,\n", ":4 [account_id]:", "'a' appears twice"),
    (HEADER + "a,benign,hobbyist\n", ":2:", "expected 4 fields, got 3"),
    (HEADER + ",benign,hobbyist,\n", ":2 [account_id]:", "empty"),
    (HEADER + "a,distillation,hydra_cot,\n", ":2 [campaign]:", "a distillation account needs a campaign"),
], ids=["bad-header", "empty-file", "bad-label", "duplicate-account", "short-row", "empty-account", "no-campaign"])
def test_bad_labels_name_the_line(tmp_path, text, where, rule):
    path = tmp_path / "labels.csv"
    path.write_text(text)
    with pytest.raises(LabelError) as err:
        read_labels(path)
    assert f"{path}{where}" in str(err.value) and rule in str(err.value)


def test_good_labels_read(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(HEADER + "a,benign,hobbyist,\nb,distillation,hydra_cot,C01-hydra_cot\n")
    assert read_labels(path) == {
        "a": Label("a", "benign", "hobbyist", ""),
        "b": Label("b", "distillation", "hydra_cot", "C01-hydra_cot"),
    }


def test_missing_labels_file(tmp_path):
    with pytest.raises(LabelError, match="cannot read"):
        read_labels(tmp_path / "nope.csv")


_IDS = st.text("abcdef0123456789_", min_size=1, max_size=12)
_TIMES = st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC))


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(_IDS, st.tuples(_IDS, _TIMES), min_size=1, max_size=20), st.data())
def test_reader_round_trips_and_names_the_line_and_field_of_a_bad_row(tmp_path_factory, rows, data) -> None:
    import pyarrow as pa

    path = tmp_path_factory.mktemp("phases") / PHASES_FILE
    table = pa.table(
        {
            "account_id": list(rows),
            "campaign": [c for c, _ in rows.values()],
            "campaign_from": [
                round((t - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1)) for _, t in rows.values()
            ],
        }
    )
    write_phases(table.to_pylist(), path)
    back = read_phases(path)
    assert {a: c for a, (c, _) in back.items()} == {a: c for a, (c, _) in rows.items()}
    assert all(back[a][1] == pytest.approx(t.timestamp(), abs=1e-6) for a, (_, t) in rows.items())

    lines = path.read_text().splitlines()
    bad = data.draw(st.integers(1, len(lines) - 1))
    field, value, rule = data.draw(
        st.sampled_from(
            [
                ("campaign_from", "2026-04-06 10:00", "expected an RFC 3339 time with offset"),
                ("campaign_from", "2026-04-06T10:00:00", "expected an RFC 3339 time with offset"),
                ("campaign", "", "empty"),
                ("account_id", "", "empty"),
            ]
        )
    )
    cells = lines[bad].split(",")
    cells[PHASE_COLUMNS.index(field)] = value
    lines[bad] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LabelError, match=re.escape(f":{bad + 1} [{field}]: {rule}")):
        read_phases(path)


def test_reader_rejects_a_wrong_header_and_a_repeated_account(tmp_path) -> None:
    path = tmp_path / PHASES_FILE
    path.write_text("account,campaign,start\n")
    with pytest.raises(LabelError, match=r":1: header must be account_id,campaign,campaign_from, got account,"):
        read_phases(path)
    path.write_text("account_id,campaign,campaign_from\na,C1,2026-04-06T10:00:00Z\na,C1,2026-04-06T11:00:00Z\n")
    with pytest.raises(LabelError, match=r":3 \[account_id\]: 'a' appears twice"):
        read_phases(path)
    path.write_text("account_id,campaign,campaign_from\na,C1\n")
    with pytest.raises(LabelError, match=r":2: expected 3 fields, got 2"):
        read_phases(path)
