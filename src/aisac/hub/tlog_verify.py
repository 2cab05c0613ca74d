"""Recompute the transparency log from the database and check it against every signed checkpoint.

Needs no trigger and no trust in the database: leaves are rehashed from their columns, the tree is rebuilt
in one streaming pass, and each checkpoint's signature is checked with the log key held outside the
database. The first inconsistency is reported by leaf index (an edited leaf whose recorded hash was left
alone) or by the range between two checkpoints (when the recorded hashes were rewritten too).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, and_, select

from aisac.contract.merkle import Frontier, leaf_hash
from aisac.contract.note import NoteError, Verifier, open_checkpoint
from aisac.hub.models import tlog_checkpoints, tlog_leaves, tlog_nodes
from aisac.hub.timefmt import format_ts
from aisac.hub.tlog import row_data


@dataclass(frozen=True)
class Result:
    """What verification found: leaves and checkpoints checked, and the first problem (None when intact)."""

    leaves: int
    checkpoints: int
    problem: str | None


def _describe(row) -> str:  # type: ignore[no-untyped-def]
    who = row.actor or "the operator"
    return f"leaf {row.idx} ({row.action} {row.target!r} by {who} at {format_ts(row.at)})"


def verify(engine: Engine, verifier: Verifier) -> Result:
    """Check leaf order, leaf hashes and every checkpoint; stop at the first problem."""
    with engine.connect() as conn:
        signed = {}
        for c in conn.execute(select(tlog_checkpoints).order_by(tlog_checkpoints.c.size)):
            try:
                checkpoint = open_checkpoint(c.note, verifier)
            except NoteError as exc:
                return Result(0, 0, f"checkpoint of size {c.size}: {exc}")
            if checkpoint.size != c.size:
                return Result(0, 0, f"checkpoint row of size {c.size} holds a note signed for size {checkpoint.size}")
            signed[c.size] = checkpoint.root
        tree, good = Frontier(), 0
        rows = conn.execution_options(stream_results=True, yield_per=10_000).execute(
            select(tlog_leaves, tlog_nodes.c.hash)
            .outerjoin(tlog_nodes, and_(tlog_nodes.c.level == 0, tlog_nodes.c.idx == tlog_leaves.c.idx))
            .order_by(tlog_leaves.c.idx)
        )
        checked = 0
        for row in rows:
            if row.idx != tree.size:
                missing = f"leaf {tree.size}" if row.idx == tree.size + 1 else f"leaves {tree.size}..{row.idx - 1}"
                return Result(tree.size, checked, f"{missing} missing: deleted or re-numbered before {_describe(row)}")
            digest = leaf_hash(row_data(row))
            if row.hash is not None and bytes(row.hash) != digest:
                return Result(
                    tree.size, checked, f"{_describe(row)} differs from its recorded hash: edited or re-ordered"
                )
            tree.append(digest)
            if tree.size in signed:
                if tree.root() != signed[tree.size]:
                    return Result(
                        tree.size,
                        checked,
                        f"checkpoint of size {tree.size} does not match the leaves: an entry among leaves "
                        f"{good}..{tree.size - 1} was edited, deleted or re-ordered",
                    )
                checked, good = checked + 1, tree.size
        if 0 in signed and signed[0] != tree.root() and tree.size == 0:
            return Result(0, checked, "checkpoint of size 0 does not match the empty tree")
        beyond = [s for s in signed if s > tree.size]
        if beyond:
            return Result(
                tree.size,
                checked,
                f"the log has {tree.size} leaves but a checkpoint was signed at size {max(beyond)}: "
                f"leaves {tree.size}..{max(beyond) - 1} were deleted",
            )
        return Result(tree.size, checked + (0 in signed), None)
