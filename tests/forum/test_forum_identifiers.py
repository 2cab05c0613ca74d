"""Normalisation before PSI: variants of one identifier meet, bad lines are named and left out."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aisac.forum.identifiers import normalise, read_lines

local = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=12)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(local, local, st.sampled_from(["", " ", "\t", "  "]), st.booleans())
def test_email_case_and_whitespace_variants_normalise_alike(user, domain, pad, upper):
    plain = f"{user}@{domain}.org"
    variant = pad + (plain.upper() if upper else plain.title()) + pad
    values = normalise("email", pa.array([plain, variant])).values.to_pylist()
    assert values[0] == values[1] == plain


def test_email_refusals_name_the_line_and_keep_the_rest():
    got = normalise("email", pa.array(["ok@example.com", "no-at-sign", "", "two@@x", "sp ace@x.org"]))
    assert got.values.to_pylist() == ["ok@example.com", None, None, None, None]
    assert [line for line, _ in got.refused] == [2, 4, 5]  # the blank line 3 is skipped silently
    assert "local@domain" in got.refused[0][1]


def test_phone_to_e164():
    lines = ["+44 20 7946 0958", "0044 (20) 7946-0958", "+1.555.123.4567", "020 7946 0958", "+0123456"]
    got = normalise("phone", pa.array(lines))
    assert got.values.to_pylist() == ["+442079460958", "+442079460958", "+15551234567", None, None]
    assert [line for line, _ in got.refused] == [4, 5]


def test_card_fingerprint_is_bin_last_four_and_expiry():
    lines = [
        "4111 1111 1111 1111 12/27",
        "411111******1111, 2027-12",
        "4111-1111-1111-1111|12/2027",
        "5500 0000 0000 0004 1/28",
        "4111 1111 1111 1111 13/27",
        "4111 1111 12/27",
    ]
    got = normalise("card", pa.array(lines))
    assert got.values.to_pylist() == [
        "411111|1111|2027-12",
        "411111|1111|2027-12",
        "411111|1111|2027-12",
        "550000|0004|2028-01",
        None,
        None,
    ]
    assert [line for line, _ in got.refused] == [5, 6]


line = st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from(" \t"), max_size=20)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(line, max_size=30))
def test_raw_keeps_lines_verbatim(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("raw") / "items.txt"
    path.write_bytes("".join(line + "\r\n" for line in lines).encode())
    got = normalise("raw", read_lines(path))
    assert got.lines.to_pylist() == lines
    assert got.values.to_pylist() == [line if line.strip() else None for line in lines]


def test_invalid_utf8_line_is_refused(tmp_path):
    path = tmp_path / "items.txt"
    path.write_bytes(b"good@example.com\nbad\xff@example.com\n")
    got = normalise("email", read_lines(path))
    assert got.values.to_pylist() == ["good@example.com", None]
    assert got.refused == [(2, "not valid UTF-8")]
