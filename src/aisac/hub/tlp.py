"""Each stored object's TLP level: the most restrictive TLP marking it carries (object or granular markings).

Unmarked objects get DEFAULT_LEVEL. The levels and marking ids are the shared vocabulary
(`aisac.contract.stix`); who may read which level is decided in `access.py`.
"""

from __future__ import annotations

from typing import Any

from aisac.contract.stix import DEFAULT_LEVEL, LEVEL_OF_ID, RECIPIENTS_PROPERTY, Tlp


def level_of(obj: dict[str, Any]) -> Tlp:
    """The most restrictive TLP level among the object's markings; TLP markings themselves are CLEAR."""
    if obj.get("id") in LEVEL_OF_ID:
        return Tlp.CLEAR
    refs = list(obj.get("object_marking_refs") or [])
    refs += [g.get("marking_ref") for g in obj.get("granular_markings") or [] if isinstance(g, dict)]
    levels = [LEVEL_OF_ID[r] for r in refs if r in LEVEL_OF_ID]
    return max(levels) if levels else DEFAULT_LEVEL


def recipients_of(obj: dict[str, Any]) -> list[str]:
    """Member names the submitter named as recipients (needed for RED; widens AMBER+STRICT and below)."""
    names = obj.get(RECIPIENTS_PROPERTY) or []
    return sorted({n for n in names if isinstance(n, str)})
