"""A realistic detector bundle.json (built with the stix2 library), as the detector part will emit it."""

from __future__ import annotations

import json
from typing import Any

import stix2

SIGMA = """title: Distillation-style prompt sweep
logsource: {product: llm-api, service: requests}
detection:
  sweep: {prompt_template_entropy|lt: 0.2, requests_per_hour|gt: 500}
  condition: sweep
"""


def detector_bundle(lab: str = "Example Lab", wave: int = 1) -> dict[str, Any]:
    """identity, marking-definitions, campaign, infrastructure, sigma indicator, observed-data (+ SCOs),
    attack-pattern and relationships."""
    identity = stix2.Identity(name=lab, identity_class="organization", sectors=["technology"])
    statement = stix2.MarkingDefinition(
        definition_type="statement",
        created_by_ref=identity.id,
        definition=stix2.StatementMarking("Forum members only"),
    )
    # TLP only: the hub counts any other marking (this statement included) as RED, readable by the submitter
    marks = [stix2.TLP_AMBER.id]
    common: dict[str, Any] = {"created_by_ref": identity.id, "object_marking_refs": marks}
    campaign = stix2.Campaign(
        name=f"Distillation wave {wave}",
        objective="replicate model capabilities",
        first_seen="2026-03-01T00:00:00Z",
        confidence=85,
        **common,
    )
    infra = stix2.Infrastructure(
        name="Rotating residential proxy pool", infrastructure_types=["anonymization"], **common
    )
    indicator = stix2.Indicator(
        name="High-volume templated prompt sweep",
        pattern=SIGMA,
        pattern_type="sigma",
        valid_from="2026-03-02T00:00:00Z",
        indicator_types=["anomalous-activity"],
        confidence=80,
        **common,
    )
    ips = [stix2.IPv4Address(value=f"198.51.100.{i}") for i in range(1, 4)]
    observed = stix2.ObservedData(
        first_observed="2026-03-01T00:00:00Z",
        last_observed="2026-03-05T00:00:00Z",
        number_observed=4200,
        object_refs=[ip.id for ip in ips],
        **common,
    )
    attack = stix2.AttackPattern(
        name="Model distillation through the public API",
        external_references=[
            {"source_name": "mitre-atlas", "external_id": "AML.T0024", "url": "https://atlas.mitre.org/"}
        ],
    )
    rels = [
        stix2.Relationship(campaign.id, "uses", attack.id, **common),
        stix2.Relationship(campaign.id, "uses", infra.id, **common),
        stix2.Relationship(indicator.id, "indicates", campaign.id, **common),
    ]
    objects = [
        identity,
        stix2.TLP_AMBER,
        statement,
        campaign,
        infra,
        indicator,
        *ips,
        observed,
        attack,
        *rels,
    ]
    return json.loads(stix2.Bundle(objects=objects).serialize())
