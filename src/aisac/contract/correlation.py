"""The STIX extension that carries a campaign's correlation evidence from a lab's detector to the forum.

A lab's bundle holds, per campaign, an `observed-data` object with this property extension: the campaign it
describes (`campaign_ref`), the lab's population (`population`, `unflagged_accounts`), the campaign's exit
addresses, address blocks, client strings, mail domains and ASNs, each as `{"value", "requests", "accounts",
"unflagged_accounts"}` (its prevalence among the accounts the lab did not flag), and MinHash sketches
(`aisac.contract.sketch`) of its prompt set (`prompt_sketch`) and harness/system prompts (`harness_sketch`).
The writer is `aisac.detect.evidence`; the reader is `aisac.forum`. docs/forum.md documents the schema.
"""

from __future__ import annotations

import uuid
from typing import Any

NAMESPACE = uuid.UUID("0b6f1f0e-6a53-4c43-9d0e-2f4b3a8a5e11")
EXTENSION_ID = f"extension-definition--{uuid.uuid5(NAMESPACE, 'correlation-evidence-v1')}"
AUTHOR_ID = f"identity--{uuid.uuid5(NAMESPACE, 'aisac')}"
#: Fixed, so that every lab's copy of the definition is the same object version (the hub keeps one).
DEFINED = "2026-04-06T00:00:00.000Z"
#: Every lab's bundle carries these two objects, identical; the hub treats them as shared.
DEFINITION_IDS = frozenset({EXTENSION_ID, AUTHOR_ID})
KINDS = ("exits", "blocks", "clients", "mail_domains", "asns")
SKETCHES = ("prompt_sketch", "harness_sketch")


def definition_objects() -> list[dict[str, Any]]:
    """The extension-definition and the identity that authors it (identical in every lab's bundle)."""
    author = {"type": "identity", "spec_version": "2.1", "id": AUTHOR_ID, "created": DEFINED, "modified": DEFINED,
              "name": "aisac", "identity_class": "system"}
    definition = {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION_ID,
        "created_by_ref": AUTHOR_ID,
        "created": DEFINED,
        "modified": DEFINED,
        "name": "aisac correlation evidence",
        "description": "Per campaign: exits, blocks, client strings, mail domains and ASNs with their prevalence "
        "among the submitting lab's unflagged accounts, and MinHash sketches of the prompt set and harness.",
        "schema": "https://github.com/aisac/aisac/blob/main/docs/forum.md#correlation-evidence",
        "version": "1.0.0",
        "extension_types": ["property-extension"],
    }
    return [author, definition]


def extension(campaign_ref: str, evidence: dict[str, Any]) -> dict[str, Any]:
    """The `extensions` value for an observed-data object carrying a campaign's evidence."""
    return {EXTENSION_ID: {"extension_type": "property-extension", "campaign_ref": campaign_ref, **evidence}}


def evidence_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The evidence an object carries under this extension (with `campaign_ref`), or None."""
    ext = (obj.get("extensions") or {}).get(EXTENSION_ID)
    return ext if isinstance(ext, dict) and isinstance(ext.get("campaign_ref"), str) else None
