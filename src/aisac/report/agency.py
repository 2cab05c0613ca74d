"""The single point of contact's package for CISA, the FBI and BIS: a STIX 2.1 bundle in the shape of CISA's
AIS 2.x profile, and a human summary.

Shape: the forum's identity is the source (`created_by_ref` of every SDO/SRO; lab identities are left out, so
the agencies hear one voice); TLP 2.0 markings are kept and their definitions included; an AIS consent
statement marking says the package is for US government use; the forum's own custom properties are removed.
Only objects every submitting lab consented to share with the government go in (no consent recorded means no);
RED and AMBER+STRICT never do; an object whose references would dangle is left out with what it points to.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aisac.contract.stix import LEVEL_OF_ID, NAMES, Tlp, marking_definition
from aisac.hub.tlp import level_of
from aisac.report.attribution import Attribution, attributions
from aisac.report.quarterly import Inputs

NAMESPACE = uuid.UUID("0c6b8f0e-4a47-4d55-9a43-5f1b5c2f0e55")
FORUM_IDENTITY_ID = f"identity--{uuid.uuid5(NAMESPACE, 'frontier-model-forum')}"
CONSENT_MARKING_ID = f"marking-definition--{uuid.uuid5(NAMESPACE, 'ais-consent-usg')}"
_FIXED = "2026-04-06T00:00:00.000Z"  # the pact's date: the forum's own objects never change version
FORUM_IDENTITY = {
    "type": "identity",
    "spec_version": "2.1",
    "id": FORUM_IDENTITY_ID,
    "created": _FIXED,
    "modified": _FIXED,
    "name": "Frontier Model Forum - AI security single point of contact",
    "identity_class": "organization",
    "sectors": ["technology"],
    "contact_information": "forum liaison",
}
CONSENT_MARKING = {
    "type": "marking-definition",
    "spec_version": "2.1",
    "id": CONSENT_MARKING_ID,
    "created": _FIXED,
    "definition_type": "statement",
    "definition": {"statement": "AIS consent: usg. Shared with US government entities (CISA, FBI, BIS) only."},
}
_REF_KEYS = ("created_by_ref", "object_marking_refs")


@dataclass
class Package:
    """The bundle, the attributions it states, and what was left out (counts by reason, for the liaison)."""

    bundle: dict[str, Any]
    attributions: list[Attribution]
    left_out: Counter[str]


def _consented(obj_id: str, inputs: Inputs) -> bool:
    """Every lab that submitted a visible version consented; objects only forum roles submitted are the
    forum's own (its working group's analysis)."""
    submitters = inputs.submitters.get(obj_id, [])
    labs = [m for m in submitters if inputs.members.get(m, {}).get("role") == "lab"]
    return bool(submitters) and all(inputs.members[m].get("government") for m in labs)


def _refs(obj: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for key, value in obj.items():
        if key in _REF_KEYS:
            continue
        if key.endswith("_ref") and isinstance(value, str):
            out.add(value)
        elif key.endswith("_refs") and isinstance(value, list):
            out |= {v for v in value if isinstance(v, str)}
    return out


def _for_agency(obj: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in obj.items() if not k.startswith("x_")}
    if "created" in out:  # SDOs and SROs; cyber observables carry no creator
        out["created_by_ref"] = FORUM_IDENTITY_ID
    out["object_marking_refs"] = sorted({*out.get("object_marking_refs", []), CONSENT_MARKING_ID})
    return out


def package(inputs: Inputs, now: datetime | None = None) -> Package:
    """Select, reshape and bundle what the liaison may send."""
    left: Counter[str] = Counter()
    keep: dict[str, dict[str, Any]] = {}
    for obj in inputs.objects:
        kind = obj.get("type")
        if kind in ("identity", "marking-definition"):
            continue  # replaced by the forum's identity and the markings' own definitions
        if level_of(obj) > Tlp.AMBER:
            left["TLP:RED or TLP:AMBER+STRICT"] += 1
        elif not _consented(obj["id"], inputs):
            left["no consent to government sharing"] += 1
        else:
            keep[obj["id"]] = obj
    while True:  # an object pointing at something left out would dangle: leave it out too
        dangling = [i for i, o in keep.items() if not _refs(o) <= keep.keys()]
        if not dangling:
            break
        for i in dangling:
            del keep[i]
            left["refers to an object left out"] += 1
    levels = {LEVEL_OF_ID[r] for o in keep.values() for r in o.get("object_marking_refs", []) if r in LEVEL_OF_ID}
    body = [_for_agency(o) for o in sorted(keep.values(), key=lambda o: (o["type"], o["id"]))]
    now = now or datetime.now(UTC)
    bundle = {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid4()}",
        "objects": [
            FORUM_IDENTITY,
            CONSENT_MARKING,
            *(marking_definition(level) for level in sorted(levels)),
            *body,
        ],
    }
    stated = attributions(list(keep.values()), inputs.submitters, inputs.labs())
    return Package(bundle, stated, left)


def serialise(bundle: dict[str, Any]) -> bytes:
    """The bytes sent (and hashed)."""
    return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode()


def summary(pkg: Package, sha256: str, recipients: str, now: datetime) -> str:
    """The human summary that accompanies the bundle (Markdown)."""
    types = Counter(o["type"] for o in pkg.bundle["objects"][2:] if o["type"] != "marking-definition")
    tlp = Counter(NAMES[level_of(o)].upper() for o in pkg.bundle["objects"][2:] if o["type"] != "marking-definition")
    lines = [
        "# Frontier Model Forum: package for US agencies",
        "",
        f"- Recipients: {recipients}",
        f"- Prepared: {now.strftime('%Y-%m-%d %H:%M UTC')} by the forum's single point of contact",
        f"- Bundle: `bundle.json`, {len(pkg.bundle['objects'])} STIX 2.1 objects, SHA-256 `{sha256}`",
        "- Handling: TLP 2.0 markings per object; AIS consent: usg (US government use only)",
        "",
        "## Contents",
        "",
        "| Object type | Count |",
        "|---|---|",
        *(f"| {t} | {n} |" for t, n in sorted(types.items())),
        "",
        "| TLP | Objects |",
        "|---|---|",
        *(f"| TLP:{t} | {n} |" for t, n in sorted(tlp.items())),
        "",
        "## Attributions",
        "",
    ]
    if not pkg.attributions:
        lines.append("No actor is attributed in this package.")
    for a in pkg.attributions:
        lines.append(
            f"- **{a.name}** (`{a.actor}`): confidence {a.confidence}, tied to {len(a.campaigns)} campaign(s); "
            f"supported by data from {', '.join(a.labs) or 'the forum working group'}."
        )
    lines += [
        "",
        "Attributions here agree with the forum's public reports and earlier packages: the export is refused "
        "when they would differ in confidence or in the campaigns an actor is tied to.",
    ]
    return "\n".join(lines) + "\n"
