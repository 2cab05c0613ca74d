"""Objects in collections: ingest with validation and signature checks, and filtered, TLP-aware paging."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, exists, insert, not_, or_, select, tuple_
from sqlalchemy.dialects import sqlite

from aisac.contract.signing import SIGNATURE_HEADER, object_hash, verify
from aisac.contract.stix import RECIPIENTS_PROPERTY, Tlp
from aisac.hub import cursor, tlog
from aisac.hub.access import visible
from aisac.hub.audit import record
from aisac.hub.db import insert_arrays, serialized
from aisac.hub.members import Member
from aisac.hub.models import members, objects, recipients, submissions
from aisac.hub.ownership import WORKING_GROUP_IDENTITY, admit, vouch
from aisac.hub.timefmt import format_ts, now_us, parse_ts
from aisac.hub.tlp import level_of, recipients_of
from aisac.hub.validate import check, depth_error


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
    return parse_ts(stamp) if stamp else 0  # validated before: check() refuses unparseable timestamps


def _entry(obj: Any, message: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(obj.get("id", "?"))[:300] if isinstance(obj, dict) else "?"}
    stamp = (obj.get("modified") or obj.get("created")) if isinstance(obj, dict) else None
    if isinstance(stamp, str):
        out["version"] = stamp[:40]
    if message:
        out["message"] = message
    return out


def _hashes(objs: list[Any]) -> tuple[list[str | None], list[str]]:
    hashes: list[str | None] = []
    problems = []
    for obj in objs:
        too_deep = depth_error(obj)
        try:
            if too_deep:
                raise ValueError(too_deep)
            hashes.append(object_hash(obj))
        except ValueError as exc:  # rfc8785.CanonicalizationError: e.g. integers beyond 2**53
            hashes.append(None)
            problems.append(f"{_entry(obj)['id']}: {exc}")
    return hashes, problems


def _check_signature(member: Member, signature: str | None, signer: str | None, hashes: list[Any]) -> None:
    if signature is None:
        if member.signed_pushes_required:
            raise SignatureError(
                f"member {member.name!r} registered a signing key, so its pushes must be signed "
                f"({SIGNATURE_HEADER} header)"
            )
        return
    unhashable = [h for h in hashes if h is None]
    if unhashable:
        raise SignatureError("cannot verify a signature over objects that are not RFC 8785 canonical JSON")
    if signer not in (None, member.name):
        raise SignatureError(f"signer {signer!r} is not the authenticated member {member.name!r}")
    if member.public_key is None:
        raise SignatureError(f"member {member.name!r} has no registered signing key")
    if not verify(member.public_key, signature, member.name, hashes):
        raise SignatureError(f"signature does not verify with {member.name!r}'s registered key")


def _recipient_problem(obj: dict[str, Any], known: set[str]) -> str | None:
    names = obj.get(RECIPIENTS_PROPERTY)
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return f"{RECIPIENTS_PROPERTY}: expected a list of member names"
    unknown = [n for n in names if n not in known]
    if not unknown:
        return None
    return f"{RECIPIENTS_PROPERTY}: no current member named {', '.join(map(repr, unknown[:5]))}"


def _group_problem(obj: dict[str, Any], member: Member) -> str | None:
    """The working group's identity itself may only come from a chair (its objects: see ownership.py)."""
    if obj["id"] == WORKING_GROUP_IDENTITY and member.role != "chair":
        return "only a chair may publish as the working group (rule: hub: working group)"
    return None


def ingest(
    engine: Engine,
    collection_id: str,
    member: Member,
    objs: list[Any],
    signature: str | None,
    signer: str | None,
) -> dict[str, Any]:
    """Validate and store an envelope's objects; return the TAXII status resource.

    Invalid objects, and objects the member may not version (see ownership.py), are listed in the status
    with the rule they break; the valid ones are kept. A signature covers every object sent (valid or not)
    and must verify with the submitter's registered key.
    """
    hashes, _ = _hashes(objs)
    _check_signature(member, signature, signer, hashes)
    with engine.connect() as conn:
        known = set(conn.execute(select(members.c.name).where(members.c.removed_at.is_(None))).scalars())
    rows, entries = [], []
    for obj, digest in zip(objs, hashes, strict=True):
        if digest is None:
            why = (
                depth_error(obj)
                or "not representable as RFC 8785 canonical JSON (numbers must fit an IEEE double exactly)"
            )
            entries.append((obj, f"{_entry(obj)['id']}: {why}"))
            continue
        problem = check(obj) or _recipient_problem(obj, known) or _group_problem(obj, member)
        if problem is not None:
            entries.append(
                (obj, f"{_entry(obj)['id']}: {problem}" if isinstance(problem, str) else str(problem))
            )
            continue
        row = {
            "collection_id": collection_id,
            "stix_id": obj["id"],
            "type": obj["type"],
            "spec_version": obj.get("spec_version", "2.1"),
            "version": version_of(obj),
            "tlp": int(level_of(obj)),
            "submitter_id": member.id,
            "sha256": digest,
            "body": json.dumps(obj, separators=(",", ":"), ensure_ascii=False),
            "_recipients": recipients_of(obj),
            "_obj": obj,
        }
        rows.append(row)
        entries.append((obj, row))
    status_id = str(uuid.uuid4())
    with serialized(engine, collection_id) as conn:
        date_added = now_us()
        verdicts = admit(conn, member, collection_id, _first_of_each_version(rows), signature is not None)
        why_not = {id(r): m for r, m in verdicts.refused}
        noted = {id(r): m for r, m in verdicts.kept}
        failures, successes = [], []
        for obj, outcome in entries:
            if isinstance(outcome, str):
                failures.append(_entry(obj, outcome))
            elif id(outcome["_first"]) in why_not:
                failures.append(_entry(obj, why_not[id(outcome["_first"])]))
            else:
                successes.append(_entry(obj, noted.get(id(outcome["_first"]))))
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
        _insert_objects(conn, verdicts.store, date_added, status_id)
        tlog.append(conn, _added_entries(conn, member, status_id))
        vouch(conn, verdicts.upgrade, status_id)  # after the log: these versions were added before
        record(
            conn,
            member.name,
            "objects.add",
            collection_id,
            202,
            f"status={status_id} ok={len(successes)} failed={len(failures)} signed={signature is not None}",
        )
    return status_resource(status_id, date_added, len(objs), successes, failures)


def _first_of_each_version(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (id, version): an envelope may repeat an object; the repeats share its verdict."""
    first: dict[tuple[str, int], dict[str, Any]] = {}
    for r in rows:
        first.setdefault((r["stix_id"], r["version"]), r)
    for r in rows:
        r["_first"] = first[(r["stix_id"], r["version"])]
    return list(first.values())


def _insert_objects(conn: Connection, rows: list[dict[str, Any]], date_added: int, status_id: str) -> None:
    if not rows:
        return
    named = {(r["stix_id"], r["version"]): r["_recipients"] for r in rows if r["_recipients"]}
    values = [
        {k: v for k, v in r.items() if not k.startswith("_")} | {"date_added": date_added, "submission_id": status_id}
        for r in rows
    ]
    if conn.dialect.name == "postgresql":  # one statement; RETURNING names the rows this submission created
        suffix = "ON CONFLICT DO NOTHING" + (" RETURNING pk, stix_id, version" if named else "")
        cur = insert_arrays(conn, objects, values, suffix)
        created = [(r.pk, (r.stix_id, r.version)) for r in cur] if named else []
    else:
        created = _insert_sqlite(conn, values, named)
    links = [{"object_pk": pk, "member_name": n} for pk, key in created if key in named for n in named[key]]
    if links:  # only rows this submission created: a re-submission never widens access
        conn.execute(insert(recipients), links)


def _insert_sqlite(
    conn: Connection, values: list[dict[str, Any]], named: dict[tuple[str, int], list[str]]
) -> list[tuple[int, tuple[str, int]]]:
    conn.execute(sqlite.insert(objects).on_conflict_do_nothing(), values)
    created = []
    for stix_id, version in named:
        pk = conn.execute(
            select(objects.c.pk).where(
                objects.c.collection_id == values[0]["collection_id"],
                objects.c.stix_id == stix_id,
                objects.c.version == version,
                objects.c.submission_id == values[0]["submission_id"],
            )
        ).scalar()
        if pk is not None:
            created.append((pk, (stix_id, version)))
    return created


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


def after(q: Select[Any], token: str) -> Select[Any]:
    """`q` restricted to rows past the cursor: a row-value comparison, so the (date_added, pk) index seeks."""
    d, pk = cursor.decode(token)
    return q.where(tuple_(objects.c.date_added, objects.c.pk) > tuple_(d, pk))


def page(conn: Connection, q: Select[Any], limit: int, token: str | None) -> tuple[list[Any], str | None]:
    """One page of `q` after the cursor; the cursor for the next page when there is more."""
    if token:
        q = after(q, token)
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
