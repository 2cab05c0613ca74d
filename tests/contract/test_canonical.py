"""The fast canonical JSON agrees byte for byte with the RFC 8785 reference, or refuses what it refuses."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from aisac.contract.signing import canonical_json

_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=True, allow_infinity=True)
    | _TEXT
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


def _reference(value: object) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:  # surrogate keys fail in the encoder
        return type(exc)


@settings(max_examples=600)
@given(_JSON)
def test_canonical_json_matches_the_reference(value):
    expected = _reference(value)
    if isinstance(expected, bytes):
        assert canonical_json(value) == expected
    else:
        try:
            canonical_json(value)
        except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
            assert type(exc) is expected
        else:
            raise AssertionError(f"accepted what RFC 8785 refuses: {value!r}")


def test_keys_outside_ascii_sort_by_utf16_code_units():
    value = {"\U0001f600": 1, "\uff61": 2, "a": "\u2028\x7f\x01\"\\"}
    assert canonical_json(value) == rfc8785.dumps(value)
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_json({"x": "\ud800"})
