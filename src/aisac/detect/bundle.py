"""Campaigns as a STIX 2.1 bundle for the forum hub: what other labs need to recognise the same operation.

Per campaign: a `campaign`, its proxy `infrastructure` with the exit addresses it consists of, an
`observed-data` summary, indicators (a STIX pattern over its address blocks, and every Sigma rule it tripped
with `pattern_type: sigma`), ATLAS `attack-pattern`s, and the relationships between them. Objects carry a
TLP 2.0 marking (AMBER by default); the reporting lab is an `identity`.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import stix2

from aisac.contract import correlation
from aisac.contract.findings import Campaign
from aisac.contract.stix import ACCOUNT_COUNT, ATLAS, LEVEL_OF_NAME, TLP2_IDS, marking_definition
from aisac.contract.stix import stix_id as _id
from aisac.detect.sigma.engine import SigmaRule

#: TLP 2.0 levels by name, as the hub enforces them (the shared vocabulary of `aisac.contract.stix`).
TLP2 = {name: TLP2_IDS[level] for name, level in LEVEL_OF_NAME.items()}


def build(
    campaigns: list[Campaign],
    rules: list[SigmaRule],
    *,
    lab: str = "aisac lab",
    tlp: str = "amber",
    now: datetime | None = None,
) -> dict[str, Any]:
    """A STIX 2.1 bundle (as a JSON-ready dict) for the campaigns."""
    now = now or datetime.now(UTC)
    marking = [TLP2[tlp]]
    identity = stix2.Identity(
        id=_id("identity", lab),
        name=lab,
        identity_class="organization",
        created=now,
        modified=now,
        object_marking_refs=marking,
        allow_custom=True,
    )
    objects: list[Any] = [identity]
    patterns: dict[str, Any] = {}
    for technique, (name, description) in ATLAS.items():
        patterns[technique] = stix2.AttackPattern(
            id=_id("attack-pattern", technique),
            name=name,
            description=description,
            created=now,
            modified=now,
            created_by_ref=identity.id,
            object_marking_refs=marking,
            external_references=[
                {
                    "source_name": "mitre-atlas",
                    "external_id": technique,
                    "url": f"https://atlas.mitre.org/techniques/{technique}",
                }
            ],
        )
    rule_by_name = {r.name: r for r in rules}
    used_patterns: set[str] = set()
    for c in campaigns:
        objects += _campaign_objects(c, identity, patterns, rule_by_name, marking, now, used_patterns)
    objects += [patterns[t] for t in sorted(used_patterns)]
    if any(c.evidence for c in campaigns):
        objects += correlation.definition_objects()
    body = [json.loads(o.serialize()) if hasattr(o, "serialize") else o for o in objects]
    marking_object = marking_definition(LEVEL_OF_NAME[tlp])
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [marking_object, *body]}


def _campaign_objects(c: Campaign, identity, patterns, rule_by_name, marking, now, used_patterns) -> list[Any]:
    common = {"created_by_ref": identity.id, "object_marking_refs": marking, "created": now, "modified": now}
    first, last = _time(c.first_seen), _time(c.last_seen)
    campaign = stix2.Campaign(
        id=c.stix_id,
        name=f"Distillation campaign {c.id}",
        description="; ".join(c.reasons) or "adversarial distillation",
        first_seen=first,
        last_seen=last,
        objective="Extract model capabilities through the public API to train a competing model",
        custom_properties={ACCOUNT_COUNT: c.account_count},
        **common,
    )
    out: list[Any] = [campaign]
    addresses = [_address(b["value"], marking) for b in c.address_blocks]
    addresses = [a for a in addresses if a is not None]
    observed_refs = [a.id for a in addresses]
    out += addresses
    infra = stix2.Infrastructure(
        id=_id("infrastructure", c.id),
        name=f"Exit network of {c.id}",
        infrastructure_types=["anonymization"],
        description=f"{c.account_count} accounts; user agents: "
        + ", ".join(u["value"] for u in c.user_agents[:3]),
        first_seen=first,
        last_seen=last,
        **common,
    )
    out.append(infra)
    out += [_rel("consists-of", infra.id, a.id, common) for a in addresses]
    out.append(_rel("uses", campaign.id, infra.id, common))
    if addresses:
        observed = stix2.ObservedData(
            id=_id("observed-data", c.id),
            first_observed=first,
            last_observed=last,
            number_observed=max(1, c.requests),
            object_refs=observed_refs,
            **common,
        )
        out.append(observed)
        network = stix2.Indicator(
            id=_id("indicator", c.id, "network"),
            name=f"Exit blocks of {c.id}",
            pattern_type="stix",
            pattern=" OR ".join(_block_pattern(b["value"]) for b in c.address_blocks),
            valid_from=first,
            indicator_types=["anomalous-activity"],
            **common,
        )
        out += [
            network,
            _rel("indicates", network.id, campaign.id, common),
            _rel("based-on", network.id, observed.id, common),
        ]
    for rule_name in _rules_named(c.reasons, rule_by_name):
        rule = rule_by_name[rule_name]
        indicator = stix2.Indicator(
            id=_id("indicator", "sigma", identity.name, rule_name),  # each lab's own: the hub gives an id one owner
            name=rule.title,
            pattern_type="sigma",
            pattern=rule.yaml,
            valid_from=first,
            indicator_types=["anomalous-activity"],
            **common,
        )
        out += [indicator, _rel("indicates", indicator.id, campaign.id, common)]
    for t in c.atlas_techniques:
        used_patterns.add(t["id"])
        out.append(_rel("uses", campaign.id, patterns[t["id"]].id, common))
    if c.evidence:
        out += _evidence_objects(c, campaign.id, first, last, marking, common)
    return out


def _evidence_objects(c: Campaign, campaign_ref: str, first, last, marking, common) -> list[Any]:
    """The campaign's correlation evidence (aisac.contract.correlation) on an observed-data of its exits."""
    exits = [_address(e["value"], marking) for e in c.evidence.get("exits", [])]
    if not exits:
        return []
    observed = stix2.ObservedData(
        id=_id("observed-data", c.id, "evidence"),
        first_observed=first,
        last_observed=last,
        number_observed=max(1, c.requests),
        object_refs=[a.id for a in exits],
        extensions=correlation.extension(campaign_ref, c.evidence),
        allow_custom=True,
        **common,
    )
    return [*exits, observed, _rel("related-to", observed.id, campaign_ref, common)]


def _rules_named(reasons: list[str], rules: dict[str, SigmaRule]) -> list[str]:
    return [name for name in rules if any(name in r for r in reasons)]


def _rel(kind: str, source: str, target: str, common: dict) -> stix2.Relationship:
    return stix2.Relationship(
        id=_id("relationship", kind, source, target),
        relationship_type=kind,
        source_ref=source,
        target_ref=target,
        **common,
    )


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _address(block: str, marking: list[str]):
    net = ipaddress.ip_network(block)
    cls = stix2.IPv4Address if net.version == 4 else stix2.IPv6Address
    return cls(value=str(net), object_marking_refs=marking)


def _block_pattern(block: str) -> str:
    kind = "ipv4-addr" if ipaddress.ip_network(block).version == 4 else "ipv6-addr"
    return f"[{kind}:value ISSUBSET '{block}']"
