"""Hydra linking: a graph of accounts joined by what they share, weighted by how rare it is, cut by Leiden.

Shared values come in families (payment, network, client, content, sign-up, timing). A value shared by k of
N accounts links them with weight `family weight x ln(N/k)/ln(N)`, so a carrier NAT or a popular SDK, shared by
many strangers, barely counts. A pair's weight sums its families (the strongest value per family), so two
accounts are only close when several independent facts agree. Large groups are linked as rings (each account
to a few neighbours), which keeps the graph linear in size and still connected.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import igraph as ig
import leidenalg
import numpy as np
import pyarrow as pa

#: family -> (weight, SQL giving distinct (account, value) rows). Addresses, blocks and templates count only where
#: they carry a real share of the account's traffic (`n`: the account's rows in that table), so an account
#: that touched a shared exit once is not tied to everyone behind it.
FAMILIES: dict[str, tuple[float, str]] = {
    "payment": (1.0, "SELECT DISTINCT account, payment::VARCHAR AS value FROM _req WHERE payment IS NOT NULL"),
    "address": (
        0.6,
        "SELECT account, address AS value FROM _req GROUP BY ALL HAVING count(*) >= 3 AND "
        "count(*) >= 0.1 * any_value(n)",
    ),
    "block": (
        0.3,
        "SELECT account, block AS value FROM _req GROUP BY ALL HAVING count(*) >= 3 AND count(*) >= 0.1 * any_value(n)",
    ),
    "client": (0.5, "SELECT DISTINCT account, ua AS value FROM _req WHERE ua IS NOT NULL"),
    "system_prompt": (  # a harness prompt copied across accounts is as telling as a shared card
        1.0,
        "SELECT DISTINCT account, system_prompt::VARCHAR AS value FROM _content WHERE system_prompt IS NOT NULL",
    ),
    "template": (
        0.3,
        "SELECT account, template::VARCHAR AS value FROM _content GROUP BY ALL HAVING count(*) >= 0.3 * any_value(n)",
    ),
    "signup": (
        0.6,
        "SELECT DISTINCT account, time_bucket(INTERVAL 1 HOUR, created_at)::VARCHAR AS value "
        "FROM _req WHERE created_at IS NOT NULL",
    ),
}
#: Evidence group each family needs (see features.Feature.group).
FAMILY_GROUP = {
    "payment": "payment",
    "address": "address",
    "block": "address",
    "client": "base",
    "system_prompt": "text",
    "template": "text",
    "signup": "signup",
}
CLIQUE_MAX = 48  # groups up to this size are linked pairwise, larger ones as rings
RING = 3  # ring neighbours per account in a large group
MAX_SHARE = 0.25  # a value shared by more than this share of accounts links nobody
LOCKSTEP_BUCKET_S = 2
LOCKSTEP_MIN = 3  # co-fired buckets a pair needs
LOCKSTEP_LIFT = 5.0  # ... and this many times what chance would give
LOCKSTEP_MAX_PER_DAY = 400  # heavy accounts coincide with everyone by chance; judge them on other evidence
#: An account most of whose gaps repeat its median gap, to within this fraction of it, runs on a clock (a cron
#: job): two clocks coincide by construction, not by coordination, so clocked accounts are judged otherwise.
CLOCK_TOLERANCE = 0.05
EDGE_MIN = 0.6  # a pair needs at least this weight to be linked


@dataclass
class Links:
    """The account graph and its communities."""

    edges: pa.Table  # a, b, weight, families
    membership: dict[str, int]  # account -> community number
    lockstep: pa.Table  # account, partners


def _available(con: duckdb.DuckDBPyConnection, groups: set[str]) -> dict[str, tuple[float, str]]:
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    return {
        f: v
        for f, v in FAMILIES.items()
        if FAMILY_GROUP[f] in groups and ("_content" in v[1]) <= ("_content" in tables)
    }


def link(con: duckdb.DuckDBPyConnection, groups: set[str], seed: int = 0) -> Links:
    n_accounts = con.execute("SELECT count(DISTINCT account) FROM _req").fetchall()[0][0]
    parts = []
    for family, (weight, sql) in _available(con, groups).items():
        table = "_content" if "_content" in sql else "_req"
        sql = sql.replace(f"FROM {table}", f"FROM (SELECT *, count(*) OVER (PARTITION BY account) AS n FROM {table})")
        parts.append(f"SELECT '{family}' AS family, {weight} AS fw, account, value FROM ({sql})")
    union = " UNION ALL ".join(parts) if parts else "SELECT NULL AS family, 0.0 AS fw, NULL AS account, NULL AS value"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _values AS
        WITH v AS ({union}),
        sized AS (SELECT *, count(*) OVER (PARTITION BY family, value) AS k FROM v)
        SELECT family, value, account, k,
               fw * ln({n_accounts} / k) / ln(greatest({n_accounts}, 3)) AS w,
               row_number() OVER (PARTITION BY family, value ORDER BY hash(account)) AS pos
        FROM sized WHERE k >= 2 AND k <= greatest(2, {MAX_SHARE} * {n_accounts})
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _pairs AS
        WITH cliques AS (
            SELECT x.family, x.account AS p, y.account AS q, x.w FROM _values x JOIN _values y
              ON x.family = y.family AND x.value = y.value AND x.pos < y.pos
            WHERE x.k <= {CLIQUE_MAX}),
        rings AS (
            SELECT x.family, x.account AS p, y.account AS q, x.w
            FROM _values x CROSS JOIN range(1, {RING + 1}) d(step) JOIN _values y
              ON x.family = y.family AND x.value = y.value AND y.pos = (x.pos + d.step - 1) % x.k + 1
            WHERE x.k > {CLIQUE_MAX})
        SELECT least(p, q) AS a, greatest(p, q) AS b, family, max(w) AS w
        FROM (SELECT * FROM cliques UNION ALL SELECT * FROM rings) GROUP BY ALL
        """
    )
    lockstep = _lockstep(con)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _edges AS
        SELECT a, b, sum(w) AS weight, string_agg(family, ',' ORDER BY family) AS families
        FROM (SELECT * FROM _pairs UNION ALL SELECT a, b, 'timing' AS family, w FROM _lockstep_pairs)
        GROUP BY a, b
        """
    )
    edges = con.sql(f"SELECT * FROM _edges WHERE weight >= {EDGE_MIN}").to_arrow_table()
    return Links(edges, _communities(con, edges, seed), lockstep)


def _lockstep(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Pairs of small, unclocked accounts that fire in the same two seconds far more often than chance allows."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _lockstep_pairs AS
        WITH span AS (SELECT greatest(max(ts) - min(ts), 1) AS t FROM _req),
        gaps AS (SELECT account, ts - lag(ts) OVER (PARTITION BY account ORDER BY ts) AS g FROM _req),
        clocked AS (  -- most gaps equal to the account's median gap: a schedule, which coincides by construction
            SELECT account FROM gaps JOIN (SELECT account, median(g) AS m FROM gaps GROUP BY account) USING (account)
            WHERE g IS NOT NULL GROUP BY account HAVING avg((abs(g - m) <= {CLOCK_TOLERANCE} * m)::INT) >= 0.5),
        small AS (
            SELECT account, count(*) AS n FROM _req ANTI JOIN clocked USING (account) GROUP BY account
            HAVING count(*) / greatest(1, (SELECT t FROM span) / 86400) <= {LOCKSTEP_MAX_PER_DAY}),
        fired AS (
            SELECT DISTINCT floor(ts / {LOCKSTEP_BUCKET_S})::BIGINT AS bucket, account
            FROM _req JOIN small USING (account)),
        busy AS (SELECT bucket FROM fired GROUP BY bucket HAVING count(*) BETWEEN 2 AND 40),
        co AS (
            SELECT x.account AS a, y.account AS b, count(*) AS together
            FROM fired x JOIN busy USING (bucket) JOIN fired y USING (bucket)
            WHERE x.account < y.account GROUP BY ALL HAVING count(*) >= {LOCKSTEP_MIN})
        SELECT co.a, co.b, least(1.0, co.together / 10.0) AS w
        FROM co JOIN small sa ON sa.account = co.a JOIN small sb ON sb.account = co.b, span
        WHERE co.together >= {LOCKSTEP_LIFT} * sa.n * sb.n * {LOCKSTEP_BUCKET_S} / span.t
        """
    )
    return con.sql(
        "SELECT account, count(*) AS partners FROM "
        "(SELECT a AS account FROM _lockstep_pairs UNION ALL SELECT b FROM _lockstep_pairs) GROUP BY account"
    ).to_arrow_table()


def _communities(con: duckdb.DuckDBPyConnection, edges: pa.Table, seed: int) -> dict[str, int]:
    """Leiden (modularity, weighted) over the linked accounts; unlinked accounts get no community."""
    if edges.num_rows == 0:
        return {}
    a, b = edges["a"].to_numpy(zero_copy_only=False), edges["b"].to_numpy(zero_copy_only=False)
    names, index = np.unique(np.concatenate([a, b]), return_inverse=True)
    graph = ig.Graph(n=len(names), edges=np.stack([index[: len(a)], index[len(a) :]], axis=1).tolist())
    partition = leidenalg.find_partition(
        graph, leidenalg.ModularityVertexPartition, weights=edges["weight"].to_pylist(), seed=seed
    )
    return dict(zip(names.tolist(), partition.membership, strict=True))
