"""Campaigns as the working group reads them from the hub: one record per campaign with its lab and evidence.

The evidence is what the submitting lab's detector published under the correlation extension
(`aisac.contract.correlation`). A campaign whose lab published none (an older detector, another tool) keeps
the address blocks of the STIX indicators that `indicates` it, without prevalence.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aisac.contract import correlation

_BLOCK = re.compile(r"(?:ipv4|ipv6)-addr:value\s+ISSUBSET\s+'([^']+)'")


@dataclass
class CampaignRecord:
    """A campaign object, the lab (hub member) that submitted it, and its correlation evidence."""

    stix_id: str
    lab: str
    name: str
    first_seen: str | None
    last_seen: str | None
    evidence: dict[str, Any] = field(default_factory=dict)


def records(objects: Iterable[dict[str, Any]], submitters: Mapping[str, str] | None = None) -> list[CampaignRecord]:
    """Campaign records out of pulled STIX objects; `submitters` maps object id -> member name.

    Without a submitter the lab is the name of the campaign's `created_by_ref` identity. The newest version of
    an object wins when several were pulled.
    """
    newest: dict[str, dict[str, Any]] = {}
    for obj in objects:
        if not isinstance(obj, dict) or "id" not in obj:
            continue
        seen = newest.get(obj["id"])
        if seen is None or str(obj.get("modified", "")) >= str(seen.get("modified", "")):
            newest[obj["id"]] = obj
    names = {o["id"]: o.get("name", o["id"]) for o in newest.values() if o.get("type") == "identity"}
    evidence: dict[str, dict[str, Any]] = {}
    blocks: dict[str, list[str]] = {}
    patterns = {o["id"]: o["pattern"] for o in newest.values()
                if o.get("type") == "indicator" and o.get("pattern_type") == "stix"}
    for o in newest.values():
        ext = correlation.evidence_of(o) if o.get("type") == "observed-data" else None
        if ext is not None:
            drop = ("campaign_ref", "extension_type")
            evidence[ext["campaign_ref"]] = {k: v for k, v in ext.items() if k not in drop}
        elif o.get("type") == "relationship" and o.get("relationship_type") == "indicates" and (
            o.get("source_ref") in patterns
        ):
            blocks.setdefault(o["target_ref"], []).extend(_blocks(patterns[o["source_ref"]]))
    out = []
    for o in newest.values():
        if o.get("type") != "campaign":
            continue
        lab = (submitters or {}).get(o["id"]) or names.get(o.get("created_by_ref", ""), "unknown")
        ev = evidence.get(o["id"]) or {"blocks": [{"value": b} for b in sorted(set(blocks.get(o["id"], [])))]}
        out.append(CampaignRecord(o["id"], lab, o.get("name", o["id"]), o.get("first_seen"), o.get("last_seen"), ev))
    return sorted(out, key=lambda r: r.stix_id)


def _blocks(pattern: str) -> list[str]:
    found = []
    for value in _BLOCK.findall(pattern):
        try:
            found.append(str(ipaddress.ip_network(value, strict=False)))
        except ValueError:
            continue
    return found
