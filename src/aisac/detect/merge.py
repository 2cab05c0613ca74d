"""One campaign per operator: flagged accounts joined by a fact their operator owns, whoever else shares it.

Leiden communities cut a large hydra into pieces, and a harness prompt copied across a hundred accounts is,
by population rarity alone, too common to link strongly. What marks an operator's own fact is who holds it:
a payment card, an exit, an address block or a system prompt held mostly by flagged accounts belongs to
their operation; one held mostly by cleared accounts (a carrier NAT, a popular product's prompt) belongs to
nobody in particular and joins nothing. Client software, sign-up hours, timing and wording are generic
tradecraft that unrelated operations share: they shape communities but never merge campaigns.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

#: Families of shared values that can be an operator's own (see linking.FAMILIES).
OPERATOR_FAMILIES = frozenset({"payment", "address", "block", "system_prompt"})


@dataclass(frozen=True)
class Join:
    """A value that joins flagged accounts: its family, the accounts, and how many cleared accounts hold it."""

    family: str
    accounts: tuple[str, ...]
    cleared: int


def joins(con: duckdb.DuckDBPyConnection, flagged: list[str]) -> list[Join]:
    """Values (from linking's `_values`) held by at least two flagged accounts, and more flagged than cleared."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    if "_values" not in tables or len(flagged) < 2:
        return []
    families = ", ".join(f"'{f}'" for f in sorted(OPERATOR_FAMILIES))
    con.register("_merge_flagged", pa.table({"account": flagged}))
    rows = con.execute(
        f"""
        SELECT v.family, list(v.account ORDER BY v.account) FILTER (WHERE f.account IS NOT NULL) AS accounts,
               count(*) FILTER (WHERE f.account IS NULL) AS cleared
        FROM _values v LEFT JOIN _merge_flagged f USING (account)
        WHERE v.family IN ({families})
        GROUP BY v.family, v.value
        HAVING count(f.account) >= 2 AND count(f.account) > count(*) FILTER (WHERE f.account IS NULL)
        ORDER BY v.family, accounts
        """
    ).fetchall()
    con.unregister("_merge_flagged")
    return [Join(family, tuple(accounts), cleared) for family, accounts, cleared in rows]
