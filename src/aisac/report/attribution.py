"""Attributions as the forum states them: an intrusion set, its confidence, the campaigns attributed to it and
the labs whose data support it. The public report, the agency export and the consistency check between them
all read attributions through here, so they cannot disagree on what an attribution is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Attribution:
    """One actor as stated in a delivery."""

    actor: str
    name: str
    confidence: int | None
    campaigns: tuple[str, ...]
    labs: tuple[str, ...] = field(default=(), compare=False)

    def record(self) -> dict[str, Any]:
        """The form kept in the hub's delivery record (labs are derivable, so not recorded)."""
        return {
            "actor": self.actor,
            "name": self.name,
            "confidence": self.confidence,
            "campaigns": list(self.campaigns),
        }


def attributions(objects: list[dict[str, Any]], submitters: dict[str, list[str]], labs: set[str]) -> list[Attribution]:
    """Every intrusion set among `objects` that some campaign among them is attributed to."""
    by_id = {o["id"]: o for o in objects}
    tied: dict[str, set[str]] = {}
    for o in objects:
        if o.get("type") != "relationship" or o.get("relationship_type") != "attributed-to":
            continue
        source, target = by_id.get(o.get("source_ref", "")), by_id.get(o.get("target_ref", ""))
        if source and target and source["type"] == "campaign" and target["type"] == "intrusion-set":
            tied.setdefault(target["id"], set()).add(source["id"])
    out = []
    for actor, campaigns in sorted(tied.items()):
        obj = by_id[actor]
        supporting = {m for c in campaigns for m in submitters.get(c, []) if m in labs}
        confidence = obj.get("confidence")
        out.append(
            Attribution(
                actor,
                str(obj.get("name", actor)),
                confidence if isinstance(confidence, int) else None,
                tuple(sorted(campaigns)),
                tuple(sorted(supporting)),
            )
        )
    return out


def conflicts(stated: list[Attribution], earlier: list[dict[str, Any]]) -> list[str]:
    """Where `stated` disagrees with the latest public report, or the latest earlier export, that made a
    statement about the same actor: another confidence, or other campaigns. `earlier` is the hub's delivery
    records, oldest first."""
    latest: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
    for delivery in earlier:
        for a in delivery["attributions"]:
            latest[(delivery["kind"], a["actor"])] = (delivery, a)
    out = []
    for a in stated:
        for (_, actor), (delivery, before) in sorted(latest.items()):
            if actor != a.actor:
                continue
            where = f"the {delivery['kind']} delivery {delivery['label']!r} of {delivery['delivered_at']}"
            if before["confidence"] != a.confidence:
                out.append(
                    f"actor {a.name!r} ({a.actor}): confidence {a.confidence} here, {before['confidence']} in {where}"
                )
            if sorted(before["campaigns"]) != list(a.campaigns):
                only_here = sorted(set(a.campaigns) - set(before["campaigns"]))
                only_there = sorted(set(before["campaigns"]) - set(a.campaigns))
                out.append(
                    f"actor {a.name!r} ({a.actor}): tied to other campaigns than in {where} "
                    f"(only here: {', '.join(only_here) or 'none'}; only there: {', '.join(only_there) or 'none'})"
                )
    return out
