"""The STIX 2.1 / TAXII 2.1 vocabulary the parts share: media types, TLP 2.0 markings, ATLAS techniques, ids.

Which member may read which TLP level is the hub's decision (`aisac.hub.access`); what the levels and their
marking objects are is defined once here, for the detector that marks a bundle and the hub that enforces it.
"""

from __future__ import annotations

import uuid
from enum import IntEnum
from typing import Any

#: TAXII 2.1 media type of every TAXII request and response body.
TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
#: STIX 2.1 media type of the objects a collection holds.
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


class Tlp(IntEnum):
    """TLP levels in the order they tighten."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4


TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
#: The OASIS TLP 2.0 marking-definition ids.
TLP2_IDS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
#: TLP 1.0 as predefined by STIX 2.1 (stix2.TLP_WHITE ... TLP_RED): WHITE is CLEAR under TLP 2.0.
TLP1_IDS: dict[str, Tlp] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
#: OpenCTI (pycti's MarkingDefinition.generate_id) and MISP (misp-stix) reuse the TLP 1.0 ids above for
#: CLEAR/WHITE, GREEN, AMBER and RED; OpenCTI adds a fixed id for AMBER+STRICT.
OPENCTI_IDS: dict[str, Tlp] = {"marking-definition--826578e1-40ad-459f-bc73-ede076f81f37": Tlp.AMBER_STRICT}
LEVEL_OF_ID: dict[str, Tlp] = {**TLP1_IDS, **OPENCTI_IDS, **{v: k for k, v in TLP2_IDS.items()}}
NAMES: dict[Tlp, str] = {
    Tlp.CLEAR: "clear",
    Tlp.GREEN: "green",
    Tlp.AMBER: "amber",
    Tlp.AMBER_STRICT: "amber+strict",
    Tlp.RED: "red",
}
#: TLP 2.0 levels by their lower-case name (`--tlp amber`).
LEVEL_OF_NAME: dict[str, Tlp] = {name: level for level, name in NAMES.items()}
#: Level of an object that carries no TLP marking.
DEFAULT_LEVEL = Tlp.GREEN
#: Custom property naming the member labs a submitter shares an object with.
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


#: MITRE ATLAS techniques the detector attributes: id -> (name, description).
ATLAS: dict[str, tuple[str, str]] = {
    "AML.T0024.002": ("Extract AI Model", "Exfiltration via AI Inference API: Extract AI Model"),
    "AML.T0040": ("AI Model Inference API Access", "Access to the model through its public inference API"),
    "AML.T0021": ("Establish Accounts", "Many accounts opened or bought to spread the extraction"),
    "AML.T0008.005": ("AI Service Proxies", "Traffic routed through shared proxy exits or resold access"),
}
ATLAS_URL = "https://atlas.mitre.org/techniques/{}"

#: Campaign property: how many accounts the campaign used (the forum's reports add these up).
ACCOUNT_COUNT = "x_aisac_account_count"

#: Namespace of aisac's deterministic STIX ids.
NAMESPACE = uuid.UUID("7c1f3c55-6c7b-4ad4-8a67-3d7e52a1a001")


def stix_id(kind: str, *parts: str) -> str:
    """A deterministic STIX id, so that a re-run over the same findings updates objects rather than adds."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join(parts))}"


def campaign_stix_id(campaign_id: str) -> str:
    """The id of a detected campaign's `campaign` object in the detector's bundle.json."""
    return stix_id("campaign", campaign_id)
