"""Objects in collections: ingest with validation and signature checks, and filtered, TLP-aware paging."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, exists, insert, not_, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from aisac.contract.signing import object_hash, verify
from aisac.contract.stix import Tlp
from aisac.hub import cursor, tlog
from aisac.hub.access import visible
from aisac.hub.audit import record
from aisac.hub.charter import WORKING_GROUP_ID
from aisac.hub.db import serialized
from aisac.hub.members import Member
from aisac.hub.models import members, objects, recipients, submissions
from aisac.hub.timefmt import format_ts, now_us, parse_ts
from aisac.hub.tlp import level_of, recipients_of
from aisac.hub.validate import check


class SignatureError(Exception):
    """A signed envelope whose signature or signer does not check out (nothing of it is stored)."""


@dataclass
class Filters:
    """TAXII filters: added_after, match[id|type|version|spec_version]."""

    added_after: int | None = None
    ids: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=lambda: ["last"])
    spec_versions: list[str] = field(default_factory=list)


def version_of(obj: dict[str, Any]) -> int:
    """The object's version (modified, else created) in microseconds; 0 for objects without either (SCOs)."""
    stamp = obj.get("modified") or obj.get("created")
    return parse_ts(stamp) if stamp else 0


def _entry(obj: Any, message: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(obj.get("id", "?")) if isinstance(obj, dict) else "?"}
    if isinstance(obj, dict) and (obj.get("modified") or obj.get("created")):
        out["version"] = obj.get("modified") or obj.get("created")
    if message:
        out["message"] = message
    return out


def _hashes(objs: list[Any]) -> tuple[list[str | None], list[str]]:
    hashes: list[str | None] = []
    problems = []
    for obj in objs:
        try:
            hashes.append(object_hash(obj))
        except ValueError as exc:  # rfc8785.CanonicalizationError: e.g. integers beyond 2**53
            hashes.append(None)
            problems.append(f"{_entry(obj)['id']}: {exc}")
    return hashes, problems


def ingest(
    engine: Engine,
    collection_id: str,
    member: Member,
    objs: list[Any],
    signature: str | None,
    signer: str | None,
) -> dict[str, Any]:
    """Validate and store an envelope's objects; return the TAXII status resource.

    Invalid objects are listed in the status with the rule they break; the valid ones are kept. A signature
    covers every object sent (valid or not) and must verify with the submitter's registered key.
    """
    hashes, unhashable = _hashes(objs)
    if signature is not None:
        if unhashable:
            raise SignatureError(f"cannot verify a signature over non-canonical objects: {unhashable[0]}")
        if signer not in (None, member.name):
            raise SignatureError(f"signer {signer!r} is not the authenticated member {member.name!r}")
        if member.public_key is None:
            raise SignatureError(f"member {member.name!r} has no registered signing key")
        if not verify(member.public_key, signature, member.name, hashes):
            raise SignatureError(f"signature does not verify with {member.name!r}'s registered key")
    rows, failures, successes, seen = [], [], [], set()
    for obj, digest in zip(objs, hashes, strict=True):
        problem = check(obj) if digest else None
        if digest is None:
            failures.append(
                _entry(
                    obj,
                    f"{_entry(obj)['id']}: not representable as RFC 8785 canonical JSON "
                    "(numbers must fit an IEEE double exactly)",
                )
            )
            continue
        if problem is None and member.role != "chair" and WORKING_GROUP_ID in (obj["id"], obj.get("created_by_ref")):
            problem = f"{obj['id']}: only a chair may publish as the working group (rule: hub: working group)"
        if problem is not None:
            failures.append(_entry(obj, str(problem)))
            continue
        successes.append(_entry(obj))
        key = (obj["id"], version_of(obj))
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            {
                "collection_id": collection_id,
                "stix_id": obj["id"],
                "type": obj["type"],
                "spec_version": obj.get("spec_version", "2.1"),
                "version": key[1],
                "tlp": int(level_of(obj)),
                "submitter_id": member.id,
                "sha256": digest,
                "body": json.dumps(obj, separators=(",", ":"), ensure_ascii=False),
                "_recipients": recipients_of(obj),
            }
        )
    status_id = str(uuid.uuid4())
    with serialized(engine, collection_id) as conn:
        date_added = now_us()
        conn.execute(
            insert(submissions).values(
                id=status_id,
                collection_id=collection_id,
                member_id=member.id,
                received_at=date_added,
                total_count=len(objs),
                success_count=len(successes),
                failures=json.dumps(failures),
                successes=json.dumps(successes),
                signature=signature,
                signer_key=member.public_key if signature else None,
                manifest="\n".join(sorted(h for h in hashes if h)) if signature else None,
            )
        )
        _insert_objects(conn, rows, date_added, status_id)
        tlog.append(conn, _added_entries(conn, member, status_id))
        record(
            conn,
            member.name,
            "objects.add",
            collection_id,
            202,
            f"status={status_id} ok={len(successes)} failed={len(failures)} signed={signature is not None}",
        )
    return status_resource(status_id, date_added, len(objs), successes, failures)


def _insert_objects(conn: Connection, rows: list[dict[str, Any]], date_added: int, status_id: str) -> None:
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    values = [
        {k: v for k, v in r.items() if not k.startswith("_")}
        | {"date_added": date_added, "submission_id": status_id}
        for r in rows
    ]
    conn.execute(dialect.insert(objects).on_conflict_do_nothing(), values)
    named = [r for r in rows if r["_recipients"]]
    for r in named:  # only rows this submission created: a re-submission never widens access
        pk = conn.execute(
            select(objects.c.pk).where(
                objects.c.collection_id == r["collection_id"],
                objects.c.stix_id == r["stix_id"],
                objects.c.version == r["version"],
                objects.c.submission_id == status_id,
            )
        ).scalar()
        if pk is not None:
            conn.execute(insert(recipients), [{"object_pk": pk, "member_name": n} for n in r["_recipients"]])


def _added_entries(conn: Connection, member: Member, status_id: str) -> list[tlog.Entry]:
    """One 'object.add' leaf per object version this submission stored, committing to its hash."""
    stored = conn.execute(
        select(objects.c.collection_id, objects.c.stix_id, objects.c.version, objects.c.tlp, objects.c.sha256)
        .where(objects.c.submission_id == status_id)
        .order_by(objects.c.pk)
    ).all()
    return [
        tlog.Entry(
            "object.add",
            r.stix_id,
            member.name,
            member.name,
            f"collection={r.collection_id} version={r.version} tlp={Tlp(r.tlp).name} sha256={r.sha256} "
            f"status={status_id}",
        )
        for r in stored
    ]


def status_resource(
    status_id: str, received: int, total: int, successes: list[dict[str, Any]], failures: list[dict[str, Any]]
) -> dict[str, Any]:
    """A TAXII 2.1 status resource (every request completes synchronously here)."""
    return {
        "id": status_id,
        "status": "complete",
        "request_timestamp": format_ts(received),
        "total_count": total,
        "success_count": len(successes),
        "successes": successes,
        "failure_count": len(failures),
        "failures": failures,
        "pending_count": 0,
        "pendings": [],
    }


def load_status(conn: Connection, member: Member, status_id: str) -> dict[str, Any] | None:
    """The status of one of the member's own submissions (others' are not revealed)."""
    row = conn.execute(
        select(submissions).where(submissions.c.id == status_id, submissions.c.member_id == member.id)
    ).first()
    if row is None:
        return None
    return status_resource(
        row.id, row.received_at, row.total_count, json.loads(row.successes), json.loads(row.failures)
    )


def _version_clause(member: Member, versions: list[str]) -> Any:
    other = objects.alias("other")
    same = and_(
        other.c.collection_id == objects.c.collection_id,
        other.c.stix_id == objects.c.stix_id,
        visible(member, other),
    )
    clauses: list[Any] = []
    for v in versions:
        if v == "all":
            return None
        if v == "last":
            clauses.append(not_(exists().where(same, other.c.version > objects.c.version)))
        elif v == "first":
            clauses.append(not_(exists().where(same, other.c.version < objects.c.version)))
        else:
            clauses.append(objects.c.version == parse_ts(v))
    return or_(*clauses)


def query(member: Member, collection_id: str, f: Filters, columns: list[Any]) -> Select[Any]:
    """Visible object versions of a collection matching the filters, in (date_added, pk) order."""
    q = select(*columns, objects.c.date_added, objects.c.pk).where(
        objects.c.collection_id == collection_id, visible(member)
    )
    if f.added_after is not None:
        q = q.where(objects.c.date_added > f.added_after)
    if f.ids:
        q = q.where(objects.c.stix_id.in_(f.ids))
    if f.types:
        q = q.where(objects.c.type.in_(f.types))
    if f.spec_versions:
        q = q.where(objects.c.spec_version.in_(f.spec_versions))
    version = _version_clause(member, f.versions)
    if version is not None:
        q = q.where(version)
    return q.order_by(objects.c.date_added, objects.c.pk)


def page(conn: Connection, q: Select[Any], limit: int, after: str | None) -> tuple[list[Any], str | None]:
    """One page of `q` after the cursor; the cursor for the next page when there is more."""
    if after:
        d, pk = cursor.decode(after)
        q = q.where(or_(objects.c.date_added > d, and_(objects.c.date_added == d, objects.c.pk > pk)))
    rows = conn.execute(q.limit(limit + 1)).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, cursor.encode(rows[-1].date_added, rows[-1].pk)


def provenance(conn: Connection, member: Member, collection_id: str, stix_id: str) -> list[dict[str, Any]]:
    """Signature proofs for each visible, signed version of an object (see aisac.contract.signing)."""
    rows = conn.execute(
        select(
            objects.c.version,
            objects.c.sha256,
            submissions.c.signature,
            submissions.c.signer_key,
            submissions.c.manifest,
            members.c.name,
        )
        .join(submissions, submissions.c.id == objects.c.submission_id)
        .join(members, members.c.id == objects.c.submitter_id)
        .where(objects.c.collection_id == collection_id, objects.c.stix_id == stix_id, visible(member))
        .order_by(objects.c.version)
    ).all()
    return [
        {
            "version": format_ts(r.version) if r.version else None,
            "sha256": r.sha256,
            "signer": r.name,
            "signed": r.signature is not None,
            "signature": r.signature,
            "public_key": base64.b64encode(r.signer_key).decode() if r.signer_key else None,
            "manifest": r.manifest.split("\n") if r.manifest else [],
        }
        for r in rows
    ]
