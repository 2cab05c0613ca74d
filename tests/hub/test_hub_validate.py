"""Our schema validator agrees with the reference stix2-validator on good and bad objects."""

from __future__ import annotations

import copy

import pytest
import stix2
import stix2validator
from hypothesis import given, settings
from hypothesis import strategies as st
from stixdata import as_dict, indicator

from aisac.hub.validate import check

IDENTITY = as_dict(stix2.Identity(name="Example Lab", identity_class="organization"))
CAMPAIGN = as_dict(stix2.Campaign(name="distillation wave", created_by_ref=IDENTITY["id"]))
ATTACK = as_dict(
    stix2.AttackPattern(
        name="Model distillation via API",
        external_references=[{"source_name": "mitre-atlas", "external_id": "AML.T0024"}],
    )
)
RELATION = as_dict(stix2.Relationship(CAMPAIGN["id"], "uses", ATTACK["id"]))
IPV4 = as_dict(stix2.IPv4Address(value="198.51.100.4"))
OBSERVED = as_dict(
    stix2.ObservedData(
        first_observed="2026-01-01T00:00:00Z",
        last_observed="2026-01-02T00:00:00Z",
        number_observed=3,
        object_refs=[IPV4["id"]],
    )
)
GOOD = [indicator("good"), IDENTITY, CAMPAIGN, ATTACK, RELATION, IPV4, OBSERVED, as_dict(stix2.TLP_AMBER)]


def _without(obj, key):
    return {k: v for k, v in obj.items() if k != key}


BAD = {
    "indicator without pattern": _without(indicator("x"), "pattern"),
    "campaign without name": _without(CAMPAIGN, "name"),
    "id not a uuid": dict(CAMPAIGN, id="campaign--1234"),
    "id of another type": dict(CAMPAIGN, id=ATTACK["id"]),
    "created not a timestamp": dict(CAMPAIGN, created="2026-13-45"),
    "modified before created": dict(
        CAMPAIGN, created="2026-02-01T00:00:00.000Z", modified="2026-01-01T00:00:00.000Z"
    ),
    "relationship without target": _without(RELATION, "target_ref"),
    "confidence out of range": dict(CAMPAIGN, confidence=150),
    "labels not a list": dict(CAMPAIGN, labels="a"),
    "observed-data count zero": dict(OBSERVED, number_observed=0),
    "missing type": _without(CAMPAIGN, "type"),
    "indicator with a broken STIX pattern": dict(indicator("x"), pattern="[ipv4-addr:value = '1.2.3.4'"),
}


def _reference_valid(obj) -> bool:
    try:
        result = stix2validator.validate_instance(
            copy.deepcopy(obj), stix2validator.ValidationOptions(version="2.1")
        )
    except Exception:  # the reference raises rather than reports on e.g. a missing type or id=None
        return False
    return result.is_valid


def test_reference_validator_has_its_schemas():
    # the stix2-validator wheel has been published without schemas; then every object would look valid
    assert _reference_valid(indicator("known good"))
    assert not _reference_valid(_without(indicator("known bad"), "pattern"))


@pytest.mark.parametrize("obj", GOOD, ids=[o["type"] for o in GOOD])
def test_agree_on_good_objects(obj):
    assert _reference_valid(obj)
    assert check(obj) is None


@pytest.mark.parametrize("name", sorted(BAD))
def test_agree_on_bad_objects(name):
    obj = BAD[name]
    assert not _reference_valid(obj)
    problem = check(obj)
    assert problem is not None and problem.message and problem.rule


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 300),
    st.text(max_size=12),
    st.lists(st.text(max_size=5), max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(
    base=st.sampled_from(GOOD[:5]),
    key=st.sampled_from(
        ["name", "created", "modified", "id", "confidence", "labels", "pattern", "source_ref", "pattern_type"]
    ),
    value=_values,
)
def test_agree_on_mutated_objects(base, key, value):
    mutated = dict(base, **{key: value})
    assert (check(mutated) is None) == _reference_valid(mutated), (key, value)


def test_hub_is_stricter_on_spec_version():
    """stix2-validator accepts spec_version 2.0 under its 2.1 rules; the hub takes STIX 2.1 only."""
    old = dict(CAMPAIGN, spec_version="2.0")
    assert _reference_valid(old)
    assert check(old).rule == "hub: spec_version"


_ident = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_type = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=15)


@settings(max_examples=150, deadline=None)
@given(
    kind=_type,
    path=st.lists(_ident, min_size=1, max_size=3),
    op=st.sampled_from(["=", "!=", "<", "LIKE"]),
    text=_text,
    tail=st.sampled_from(["]", "", "] AND [x:y = 'z']", "]]"]),
)
def test_fast_pattern_path_accepts_only_what_the_grammar_accepts(kind, path, op, text, tail):
    from stix2patterns.validator import run_validator

    from aisac.hub.validate import SIMPLE_PATTERN

    literal = "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    pattern = f"[{kind}:{'.'.join(path)} {op} {literal}{tail}"
    if SIMPLE_PATTERN.fullmatch(pattern):
        assert run_validator(pattern, stix_version="2.1") == [], pattern


@pytest.mark.parametrize("reserved", ["severity", "action", "username", "phone_numbers"])
def test_reserved_property_names_are_refused_like_the_reference(reserved):
    obj = dict(CAMPAIGN, **{reserved: "x"})
    assert not _reference_valid(obj)
    problem = check(obj)
    assert problem is not None and reserved in problem.message
