"""The hub's transparency log: every change and every read of AMBER-or-tighter objects, as Merkle leaves.

Leaves are appended in the transaction of the change they record, so a change and its leaf commit together.
Appends hold one lock (a PostgreSQL advisory lock; SQLite's single writer) so leaf indexes are dense and in
commit order. The hash of every complete perfect subtree is stored as it forms: an append writes about two
node rows, a root needs at most log2(n) of them and a proof O(log2(n)^2) lookups.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, text, tuple_

from aisac.contract.logleaf import leaf_data
from aisac.contract.merkle import Frontier, NodeSource, leaf_hash
from aisac.contract.stix import Tlp
from aisac.hub.models import members, tlog_leaves, tlog_nodes
from aisac.hub.timefmt import now_us

LOCK = "transparency-log"
READ_LOGGED = Tlp.AMBER  # reads of objects at this level or tighter are leaves


@dataclass(frozen=True)
class Entry:
    """One event: what happened (action, target, detail), who did it (actor), whose data it concerns (subject)."""

    action: str
    target: str = ""
    actor: str | None = None
    subject: str | None = None
    detail: str = ""


def row_data(row: Any) -> bytes:
    """The leaf bytes of a stored tlog_leaves row."""
    return leaf_data(leaf_json(row))


def lock(conn: Connection) -> None:
    """Serialize appends (PostgreSQL; on SQLite the caller's transaction already holds the write lock)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(LOCK.encode())})


def size(conn: Connection) -> int:
    """Number of leaves."""
    return int(conn.execute(select(func.coalesce(func.max(tlog_leaves.c.idx) + 1, 0))).scalar_one())


def frontier(conn: Connection, n: int) -> Frontier:
    """The perfect subtrees covering the first n leaves, read from the node table."""
    wanted = Frontier.positions(n)
    if not wanted:
        return Frontier()
    rows = dict(
        ((r.level, r.idx), r.hash)
        for r in conn.execute(
            select(tlog_nodes.c.level, tlog_nodes.c.idx, tlog_nodes.c.hash).where(
                tuple_(tlog_nodes.c.level, tlog_nodes.c.idx).in_(wanted)
            )
        )
    )
    missing = [p for p in wanted if p not in rows]
    if missing:
        raise LookupError(f"transparency log node(s) {missing} missing for size {n}")
    return Frontier(n, [bytes(rows[p]) for p in wanted])


def append(conn: Connection, entries: Iterable[Entry]) -> int:
    """Append leaves in the caller's transaction; return the new tree size."""
    entries = list(entries)
    if not entries:
        return -1
    lock(conn)
    start = size(conn)
    tree = frontier(conn, start)
    at = now_us()
    leaves, nodes = [], []
    for offset, e in enumerate(entries):
        index = start + offset
        row = {
            "idx": index,
            "at": at,
            "actor": e.actor,
            "subject": e.subject,
            "action": e.action,
            "target": e.target[:300],
            "detail": e.detail,
        }
        leaves.append(row)
        digest = leaf_hash(leaf_data({"index": index} | {k: v for k, v in row.items() if k != "idx"}))
        nodes += [{"level": lv, "idx": i, "hash": h} for lv, i, h in tree.append(digest)]
    conn.execute(insert(tlog_leaves), leaves)
    conn.execute(insert(tlog_nodes), nodes)
    return tree.size


def node_source(conn: Connection) -> NodeSource:
    """Stored subtree hashes, fetched on demand and cached for one proof."""
    cache: dict[tuple[int, int], bytes] = {}

    def node(level: int, index: int) -> bytes:
        if (level, index) not in cache:
            found = conn.execute(
                select(tlog_nodes.c.hash).where(tlog_nodes.c.level == level, tlog_nodes.c.idx == index)
            ).scalar()
            if found is None:
                raise LookupError(f"transparency log node ({level}, {index}) missing")
            cache[(level, index)] = bytes(found)
        return cache[(level, index)]

    return node


def visible_to(member: str) -> Any:
    """SQL condition: leaves a member may see (what it did, and what was done to or with its data)."""
    return or_(tlog_leaves.c.actor == member, tlog_leaves.c.subject == member)


def leaf_json(row: Any) -> dict[str, Any]:
    """A leaf as served to members (every hashed field)."""
    return {
        "index": row.idx,
        "at": row.at,
        "actor": row.actor,
        "subject": row.subject,
        "action": row.action,
        "target": row.target,
        "detail": row.detail,
    }


def read_entries(conn: Connection, reader: str, rows: Iterable[Any]) -> list[Entry]:
    """One 'object.read' entry per AMBER, AMBER+STRICT or RED object version in `rows` (objects columns)."""
    tight = [r for r in rows if r.tlp >= READ_LOGGED]
    if not tight:
        return []
    ids = {r.submitter_id for r in tight}
    names = dict(conn.execute(select(members.c.id, members.c.name).where(members.c.id.in_(ids))).all())
    return [
        Entry(
            "object.read",
            r.stix_id,
            reader,
            names.get(r.submitter_id),
            f"collection={r.collection_id} version={r.version} tlp={Tlp(r.tlp).name}",
        )
        for r in tight
    ]


def reads_of(conn: Connection, stix_id: str) -> list[Any]:
    """The 'object.read' leaves of one object, oldest first."""
    return conn.execute(
        select(tlog_leaves)
        .where(and_(tlog_leaves.c.action == "object.read", tlog_leaves.c.target == stix_id))
        .order_by(tlog_leaves.c.idx)
    ).all()
