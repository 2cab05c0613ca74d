"""TLP 2.0 (and the TLP ids of the tools members run), mapped to one ordered level per object.

An object's level is the most restrictive marking it carries (object or granular markings); unmarked
objects get DEFAULT_LEVEL. A marking the hub does not recognise fails closed: it counts as UNKNOWN_LEVEL
(RED: only the submitter and the recipients it named). Who may read which level is decided in `access.py`.
"""

from __future__ import annotations

import json
from enum import IntEnum
from typing import Any


class Tlp(IntEnum):
    """TLP levels in the order they tighten."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4


TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_IDS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# TLP 1.0 as predefined by STIX 2.1 (stix2.TLP_WHITE ... TLP_RED): WHITE is CLEAR under TLP 2.0.
TLP1_IDS: dict[str, Tlp] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
# OpenCTI (pycti's MarkingDefinition.generate_id) and MISP (misp-stix) reuse the STIX 2.1 TLP 1.0 ids above
# for CLEAR/WHITE, GREEN, AMBER and RED; OpenCTI adds a fixed id for AMBER+STRICT.
OPENCTI_IDS: dict[str, Tlp] = {"marking-definition--826578e1-40ad-459f-bc73-ede076f81f37": Tlp.AMBER_STRICT}
LEVEL_OF_ID: dict[str, Tlp] = {**TLP1_IDS, **OPENCTI_IDS, **{v: k for k, v in TLP2_IDS.items()}}
NAMES: dict[Tlp, str] = {
    Tlp.CLEAR: "clear",
    Tlp.GREEN: "green",
    Tlp.AMBER: "amber",
    Tlp.AMBER_STRICT: "amber+strict",
    Tlp.RED: "red",
}
DEFAULT_LEVEL = Tlp.GREEN
UNKNOWN_LEVEL = Tlp.RED
RECIPIENTS_PROPERTY = "x_aisac_recipients"


def marking_definition(level: Tlp) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking-definition object for a level (published as a STIX extension)."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[level],
        "created": TLP2_CREATED,
        "name": f"TLP:{NAMES[level].upper()}",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": NAMES[level]}},
    }


def level_of(obj: dict[str, Any]) -> Tlp:
    """The most restrictive level among the object's markings (unknown ones are UNKNOWN_LEVEL); the TLP
    markings themselves are CLEAR."""
    if obj.get("id") in LEVEL_OF_ID:
        return Tlp.CLEAR
    refs = list(obj.get("object_marking_refs") or [])
    refs += [
        g["marking_ref"]
        for g in obj.get("granular_markings") or []
        if isinstance(g, dict) and "marking_ref" in g
    ]
    levels = [LEVEL_OF_ID.get(r, UNKNOWN_LEVEL) if isinstance(r, str) else UNKNOWN_LEVEL for r in refs]
    return max(levels) if levels else DEFAULT_LEVEL


def canonical_markings() -> dict[str, dict[str, Any]]:
    """The definitions of the reserved TLP ids that the hub accepts as is (OASIS TLP 2.0, STIX TLP 1.0).

    Nobody may publish a marking-definition under a reserved id with other content (a "TLP:CLEAR" named
    marking with RED's id would mislead every reader); OpenCTI's AMBER+STRICT id has no fixed content and
    is refused outright.
    """
    import stix2  # a second to import: only when the first envelope carries a reserved id

    out = {TLP2_IDS[level]: marking_definition(level) for level in Tlp}
    for tlp1 in (stix2.TLP_WHITE, stix2.TLP_GREEN, stix2.TLP_AMBER, stix2.TLP_RED):
        out[tlp1.id] = json.loads(tlp1.serialize())
    return out


def recipients_of(obj: dict[str, Any]) -> list[str]:
    """Member names the submitter named as recipients (needed for RED; widens AMBER+STRICT and below)."""
    names = obj.get(RECIPIENTS_PROPERTY) or []
    return sorted({n for n in names if isinstance(n, str)}) if isinstance(names, list) else []
