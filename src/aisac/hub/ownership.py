"""Who may add versions of an object id: its first submitter, the working group's chairs, or, for shared
objects, nobody after the first submission (docs/hub.md, "Object ownership").

Without this rule any lab could publish a newer version of another lab's object (a later `modified`,
`revoked: true`, a wider marking) and `match[version]=last` would serve the forgery to everyone. Ownership
is hub-wide: the first submission of an id, in any collection, claims it.

Shared objects keep working for every lab: the correlation extension's definition and its author identity
(aisac.contract.correlation, canonical content only), cyber observables whose id derives from their value (two labs
that saw the same exit address publish the same `ipv4-addr` id), the ATLAS catalogue attack-patterns of the
detector bundle (ids derived from the technique) and the standard TLP marking definitions (accepted only
with their canonical content). The first submission of a shared object in a collection is stored; later
ones, by anyone, are accepted as no-ops and say so.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import rfc8785
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import sqlite

from aisac.contract import correlation
from aisac.contract.signing import object_hash
from aisac.contract.stix import LEVEL_OF_ID, stix_id
from aisac.hub.db import insert_arrays
from aisac.hub.members import Member
from aisac.hub.models import object_owners, objects, submissions
from aisac.hub.timefmt import now_us
from aisac.hub.tlp import canonical_markings

#: The working group's identity: objects it created are the group's, and chairs version them.
WORKING_GROUP_IDENTITY = stix_id("identity", "aisac forum working group")
#: STIX 2.1's namespace for cyber observable ids (section 2.9).
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
#: Observables identified by their value alone.
VALUE_OBSERVABLES = frozenset({"ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "mac-addr"})
CATALOGUES = frozenset({"mitre-atlas", "mitre-attack"})
_CHUNK = 500


def _derived(kind: str, namespace: uuid.UUID, name: str) -> str:
    return f"{kind}--{uuid.uuid5(namespace, name)}"


def is_shared(obj: dict[str, Any]) -> bool:
    """Whether every lab may publish this object under its id (see the module docstring)."""
    kind, oid = obj.get("type"), obj.get("id")
    if kind in VALUE_OBSERVABLES and isinstance(obj.get("value"), str):
        return oid == _derived(kind, SCO_NAMESPACE, rfc8785.dumps({"value": obj["value"]}).decode())
    if kind == "attack-pattern":
        refs = obj.get("external_references") or []
        return any(
            isinstance(r, dict)
            and r.get("source_name") in CATALOGUES
            and isinstance(r.get("external_id"), str)
            and oid == stix_id("attack-pattern", r["external_id"])
            for r in refs
        )
    return (kind == "marking-definition" and oid in LEVEL_OF_ID) or oid in correlation.DEFINITION_IDS


@cache
def _canonical_hashes() -> dict[str, str]:
    canonical = {**canonical_markings(), **{o["id"]: o for o in correlation.definition_objects()}}
    return {oid: object_hash(obj) for oid, obj in canonical.items()}


@dataclass
class Verdicts:
    """What to do with each candidate row of a submission."""

    store: list[dict[str, Any]] = field(default_factory=list)
    #: (row, why refused)
    refused: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    #: (row, why nothing was stored): already there, or a shared object already published
    kept: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    #: pks of the member's unsigned rows that this signed submission now vouches for
    upgrade: list[int] = field(default_factory=list)


def _chunks(items: list[str]) -> Iterable[list[str]]:
    return (items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK))


def _claim(conn: Connection, member: Member, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Claim every unowned id of `rows` (concurrent claims: the first insert wins) and return the owners."""
    now, firsts = now_us(), {}
    for r in rows:
        group = r["_obj"].get("created_by_ref") == WORKING_GROUP_IDENTITY
        firsts.setdefault(
            r["stix_id"],
            {
                "stix_id": r["stix_id"],
                "member_id": None if group else member.id,
                "shared": is_shared(r["_obj"]),
                "claimed_at": now,
            },
        )
    if firsts and conn.dialect.name == "postgresql":  # one statement for the envelope (see db.insert_arrays)
        insert_arrays(conn, object_owners, list(firsts.values()), "ON CONFLICT DO NOTHING")
    elif firsts:
        conn.execute(sqlite.insert(object_owners).on_conflict_do_nothing(), list(firsts.values()))
    owners = {}
    for chunk in _chunks(list(firsts)):
        for o in conn.execute(select(object_owners).where(object_owners.c.stix_id.in_(chunk))):
            owners[o.stix_id] = o
    return owners


def _stored(conn: Connection, collection_id: str, ids: list[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for chunk in _chunks(ids):
        q = (
            select(
                objects.c.pk,
                objects.c.stix_id,
                objects.c.version,
                objects.c.sha256,
                objects.c.submitter_id,
                submissions.c.signature,
            )
            .join(submissions, submissions.c.id == objects.c.submission_id)
            .where(objects.c.collection_id == collection_id, objects.c.stix_id.in_(chunk))
        )
        for row in conn.execute(q):
            out.setdefault(row.stix_id, []).append(row)
    return out


def _refusal(member: Member, row: dict[str, Any], owner: Any) -> str | None:
    obj, oid = row["_obj"], row["stix_id"]
    if oid in LEVEL_OF_ID and _canonical_hashes().get(oid) != row["sha256"]:
        return f"{oid}: a standard TLP marking id is reserved; only its canonical definition is accepted"
    if oid in correlation.DEFINITION_IDS and _canonical_hashes().get(oid) != row["sha256"]:
        return f"{oid}: the correlation extension's definition is reserved; only its canonical content is accepted"
    if owner.member_id is None:
        if member.role != "chair":
            return f"{oid}: the working group's object; only chairs may publish or version it"
    elif not owner.shared and owner.member_id != member.id:
        return f"{oid}: this id belongs to the member that first submitted it; only it may add versions"
    if obj.get("created_by_ref") == WORKING_GROUP_IDENTITY and owner.member_id is not None:
        return f"{oid}: created_by_ref names the working group, but the id belongs to a member"
    return None


def admit(
    conn: Connection, member: Member, collection_id: str, rows: list[dict[str, Any]], signed: bool
) -> Verdicts:
    """Decide, inside the submission's transaction, which rows are stored, refused or already there."""
    out = Verdicts()
    if not rows:
        return out
    owners = _claim(conn, member, rows)
    stored = _stored(conn, collection_id, list(owners))
    shared_now: set[str] = set()
    for row in rows:
        owner = owners[row["stix_id"]]
        why = _refusal(member, row, owner)
        if why:
            out.refused.append((row, why))
            continue
        versions = stored.get(row["stix_id"], [])
        if owner.shared and (versions or row["stix_id"] in shared_now):
            out.kept.append((row, "shared object already published; the first submission is kept"))
            continue
        if owner.shared:
            shared_now.add(row["stix_id"])
        same = next((v for v in versions if v.version == row["version"]), None)
        if same is None:
            out.store.append(row)
        elif same.sha256 != row["sha256"]:
            out.refused.append(
                (row, f"{row['stix_id']}: this version is already stored with different content")
            )
        elif signed and same.signature is None and same.submitter_id == member.id:
            out.upgrade.append(same.pk)
            out.kept.append((row, "already stored; its signature record now names this signed submission"))
        else:
            out.kept.append((row, "already stored"))
    return out


def vouch(conn: Connection, pks: list[int], status_id: str) -> None:
    """Point unsigned rows at the signed submission that covers the same content (see `admit`)."""
    for i in range(0, len(pks), _CHUNK):
        conn.execute(
            update(objects).where(objects.c.pk.in_(pks[i : i + _CHUNK])).values(submission_id=status_id)
        )
