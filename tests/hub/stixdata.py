"""STIX objects for hub tests, built with the stix2 library."""

from __future__ import annotations

import json
from typing import Any

import stix2

from aisac.contract.stix import RECIPIENTS_PROPERTY


def as_dict(obj: Any) -> dict[str, Any]:
    """A stix2 object as plain JSON data."""
    return json.loads(obj.serialize())


def indicator(name: str = "probe", markings: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """A valid indicator with an IPv4 pattern."""
    custom = {k: v for k, v in extra.items() if k.startswith("x_")}
    plain = {k: v for k, v in extra.items() if not k.startswith("x_")}
    obj = stix2.Indicator(
        name=name,
        pattern="[ipv4-addr:value = '203.0.113.7']",
        pattern_type="stix",
        valid_from="2026-01-01T00:00:00Z",
        object_marking_refs=markings or [],
        custom_properties=custom,
        allow_custom=bool(custom),
        **plain,
    )
    return as_dict(obj)


def recipients(names: list[str]) -> dict[str, Any]:
    """Custom property naming recipients (for RED / AMBER+STRICT)."""
    return {RECIPIENTS_PROPERTY: names}
