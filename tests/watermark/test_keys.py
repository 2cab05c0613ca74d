"""Key generation and checked loading: malformed keys fail naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aisac.watermark.keys import (
    KeyFileError,
    UnknownSchemeError,
    generate_key,
    key_from_json,
    load_key,
    save_key,
)
from aisac.watermark.schemes import scheme_for


@pytest.mark.parametrize("scheme", ["kgw", "gumbel", "tournament"])
def test_round_trip(tmp_path: Path, scheme: str) -> None:
    key = generate_key(scheme)
    save_key(key, tmp_path / "k.json")
    assert load_key(tmp_path / "k.json") == key
    assert "secret" not in json.dumps(key.public())
    params = scheme_for(key).get_params()
    assert params["config"] == key.config and "secret" not in json.dumps(params)


def test_two_keys_differ() -> None:
    a, b = generate_key("kgw"), generate_key("kgw")
    assert a.secret != b.secret and a.key_id != b.key_id


def test_unknown_scheme() -> None:
    with pytest.raises(UnknownSchemeError, match=r"unknown scheme 'aaronson'.*gumbel, kgw, tournament"):
        generate_key("aaronson")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "v0"}, "field 'format'"),
        ({"scheme": "nope"}, "field 'scheme'.*unknown scheme 'nope'"),
        ({"format": "aisac-watermark-key/1"}, "field 'format'.*retired; run keygen again"),
        ({"secret": "xyz"}, "field 'secret' must be 32 hexadecimal digits"),
        ({"secret": "0123456789abcdef"}, "field 'secret' must be 32 hexadecimal digits"),
        ({"secret": "z" * 32}, "field 'secret' must be 32 hexadecimal digits"),
        ({"config": {"gamma": 1.5}}, r"config.gamma=1.5 is outside its range"),
        ({"config": {"gamma": "0.25"}}, "config.gamma must be a number"),
        ({"config": {"context_width": 2.5}}, "config.context_width must be an integer"),
        ({"config": {"self_hash": 1}}, "config.self_hash must be true or false"),
        ({"config": {"layers": 3}}, "config field 'layers' is not a kgw parameter"),
        ({"config": []}, "field 'config' must be an object"),
        ({"key_id": ""}, "field 'key_id' must be a non-empty string"),
    ],
)
def test_malformed_fields_are_named(change: dict, message: str) -> None:
    doc = {**generate_key("kgw").to_json(), **change}
    with pytest.raises(KeyFileError, match=message):
        key_from_json(doc, "k.json")


def test_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_text('{"format": "aisac-watermark-key/1",\n  "scheme": kgw}')
    with pytest.raises(KeyFileError, match=r"k.json: line 2: not valid JSON"):
        load_key(path)
    path.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(KeyFileError, match="not UTF-8"):
        load_key(path)
    with pytest.raises(KeyFileError, match="cannot read key file"):
        load_key(tmp_path / "missing.json")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=5,
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["format", "key_id", "scheme", "config", "secret"]), json_values))
def test_arbitrary_documents_load_or_fail_cleanly(doc: dict) -> None:
    base = generate_key("gumbel").to_json()
    try:
        key = key_from_json({**base, **doc}, "fuzz.json")
    except KeyFileError as exc:
        assert str(exc).startswith("fuzz.json")
    else:
        assert key.scheme in {"kgw", "gumbel", "tournament"}
