"""Each stored object's TLP level: the most restrictive marking it carries (object or granular markings).

Unmarked objects get DEFAULT_LEVEL. The levels and marking ids are the shared vocabulary
(`aisac.contract.stix`); a marking outside it fails closed: it counts as UNKNOWN_LEVEL (RED: only the
submitter and the recipients it named). Who may read which level is decided in `access.py`.
"""

from __future__ import annotations

import json
from typing import Any

from aisac.contract.stix import (
    DEFAULT_LEVEL,
    LEVEL_OF_ID,
    RECIPIENTS_PROPERTY,
    TLP2_IDS,
    Tlp,
    marking_definition,
)

UNKNOWN_LEVEL = Tlp.RED


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
