"""Property tests for the small parsers at the door: timestamps and paging cursors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aisac.hub import cursor
from aisac.hub.timefmt import format_ts, parse_ts

_moments = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@given(moment=_moments)
def test_timestamps_round_trip_and_sort(moment):
    us = parse_ts(moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    assert parse_ts(format_ts(us)) == us
    assert format_ts(us) == moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@given(moment=_moments, digits=st.integers(0, 9))
def test_fraction_precision_does_not_change_order(moment, digits):
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    frac = moment.strftime("%f")[:digits]
    text = f"{base}.{frac}Z" if digits else f"{base}Z"
    assert parse_ts(text) == parse_ts(f"{base}.{frac.ljust(6, '0')}Z")


@given(text=st.text(max_size=40))
def test_garbage_timestamps_raise_value_error(text):
    try:
        parse_ts(text)
    except ValueError:
        return
    assert text[:4].isdigit()


@given(date_added=st.integers(0, 2**62), pk=st.integers(0, 2**62))
def test_cursor_round_trip(date_added, pk):
    assert cursor.decode(cursor.encode(date_added, pk)) == (date_added, pk)


@given(token=st.text(max_size=60))
def test_any_other_token_is_a_cursor_error(token):
    try:
        decoded = cursor.decode(token)
    except cursor.CursorError:
        return
    assert cursor.decode(cursor.encode(*decoded)) == decoded


def test_cursor_error_names_the_token():
    with pytest.raises(cursor.CursorError, match="not a cursor issued by this hub"):
        cursor.decode("!!")
