"""Key registry (a real SQLite file) and the evidence package with its STIX 2.1 form."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stix2validator import ValidationOptions, validate_string

from aisac.watermark.evidence import EvidencePackage, KeyTest, holm_log10
from aisac.watermark.keys import generate_key
from aisac.watermark.registry import KeyRegistry


def test_registry_records_who_a_key_served(tmp_path: Path) -> None:
    db = tmp_path / "keys.db"
    reg = KeyRegistry(db)
    a, b = generate_key("kgw"), generate_key("tournament")
    reg.add_key(a)
    reg.add_key(b)
    reg.assign(a.key_id, "api-prod", "cluster-7", since="2026-04-01T00:00:00Z")
    reg.assign(a.key_id, "api-prod", None, since="2026-03-01T00:00:00Z", until="2026-04-01T00:00:00Z")
    with pytest.raises(KeyError, match="no key 'wmk-missing'"):
        reg.assign("wmk-missing", "api-prod")
    reg.close()
    reopened = KeyRegistry(db)
    assert {k.key_id: k for k in reopened.all_keys()} == {a.key_id: a, b.key_id: b}
    served = reopened.assignments(a.key_id)
    assert [(s.account_cluster, s.until) for s in served] == [
        (None, "2026-04-01T00:00:00Z"),
        ("cluster-7", None),
    ]
    assert reopened.assignments(b.key_id) == []
    with pytest.raises(sqlite3.IntegrityError):
        reopened.add_key(a)


@given(st.lists(st.floats(0, 1), min_size=1, max_size=12))
def test_holm_matches_its_definition(p: list[float]) -> None:
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    expected = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        expected[i] = running
    with np.errstate(divide="ignore"):
        adjusted = 10.0 ** np.array(holm_log10(np.log10(np.array(p)).tolist()))
    assert np.allclose(adjusted, expected)


def _package() -> EvidencePackage:
    keys = [generate_key("kgw"), generate_key("gumbel"), generate_key("tournament")]
    served = [{"deployment": "api-prod", "account_cluster": "c7"}]
    tests = [
        KeyTest(keys[0].public(), served, 900, [400.0], 1e-9, {}),
        KeyTest(keys[1].public(), [], 900, [910.0, 880.0], 0.3, {}),
        KeyTest(keys[2].public(), [], 5, [70.0], None, {}),
    ]
    inputs = [{"name": "suspect.jsonl", "bytes": 10, "sha256": "0" * 64}]
    return EvidencePackage("suspect-model", "closed", inputs, tests, 1e-5)


def test_package_corrects_across_keys_and_names_the_positive() -> None:
    pkg = _package()
    doc = pkg.to_json()
    assert doc["correction"] == {"method": "holm", "family_size": 2}
    assert [t["p_adjusted"] for t in doc["tests"]][2] is None
    assert np.allclose([t["p_adjusted"] for t in doc["tests"]][:2], [2e-9, 0.3], rtol=1e-12)
    assert pkg.positives == [pkg.tests[0]]
    assert pkg.tests[0].key["key_id"] in doc["conclusion"]
    assert "secret" not in json.dumps(doc)


def test_underflowed_p_values_keep_their_size_in_log10() -> None:
    """A p-value below the smallest float is still ranked, corrected and reported from its log10."""
    key = generate_key("kgw").public()
    tests = [
        KeyTest(key, [], 7000, [4000.0], 0.0, {"log10_p_value": -636.4}),
        KeyTest(key, [], 7000, [3000.0], 0.0, {"log10_p_value": -400.0}),
    ]
    pkg = EvidencePackage("suspect", "closed", [], tests, 1e-5)
    assert pkg.tests[0].log10_p_adjusted == pytest.approx(-636.4 + np.log10(2))
    assert pkg.tests[1].log10_p_adjusted == pytest.approx(-400.0)
    assert "p_holm=1e-636.1" in pkg.conclusion()


def test_validator_accepts_a_known_good_object() -> None:
    """Guards against a validator wheel shipped without its schemas (seen here)."""
    good = {
        "type": "identity",
        "spec_version": "2.1",
        "id": "identity--311b2d2d-f010-4473-83ec-1edf84858f4c",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": "Lab",
        "identity_class": "organization",
    }
    assert validate_string(json.dumps(good), ValidationOptions(version="2.1")).is_valid
    assert not validate_string(json.dumps({**good, "created": "yesterday"}), ValidationOptions(version="2.1")).is_valid


def test_stix_bundle_is_valid_and_carries_the_package() -> None:
    pkg = _package()
    bundle = json.loads(pkg.to_stix("Lab A").serialize())
    result = validate_string(json.dumps(bundle), ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    kinds = {o["type"]: o for o in bundle["objects"]}
    assert set(kinds) == {"identity", "report", "note"}
    assert kinds["note"]["object_refs"] == [kinds["report"]["id"]]
    assert json.loads(kinds["note"]["content"]) == pkg.to_json()
