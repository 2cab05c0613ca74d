"""What a lab shares so that other labs can tell whether they met the same operator: correlation evidence.

Per campaign: the exact exit addresses, address blocks, client strings, mail domains and networks (ASNs) its
accounts used, each with its *prevalence here* (how many accounts this lab did not flag used it too), and
MinHash sketches (`aisac.contract.sketch`) of the campaign's prompt set and of its harness/system prompts.
Every lab computes it the same way, so the forum's working group can join campaigns across labs on what is
specific and discount what is common (a VPN exit that hundreds of customers share says little).

Only facts of flagged accounts leave the lab: an address, client or mail domain appears only when a campaign
account used it; unflagged accounts are only ever counted, never named; prompts leave only as sketch values.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from aisac.contract import signals, sketch
from aisac.detect import prompts
from aisac.logs import schema

#: How many values of each kind a campaign publishes (the ones carrying most of its requests).
LIMITS = {"exits": 50, "blocks": 20, "clients": 10, "mail_domains": 10, "asns": 10}
#: Distinct prompts (and system prompts) per campaign that go into its sketches: chosen by a hash of the text,
#: so two labs that received the same question list sketch overlapping samples of it.
PROMPT_SAMPLE = 2000
SYSTEM_SAMPLE = 20
#: The text of a request's first system message (the harness prompt), as the detector reads it.
SYSTEM_TEXT = signals.message_text_sql(signals.first_message_sql(prompts.MESSAGES, "system"))
#: Distinct prompts of unflagged accounts whose shingles count as common here (left out of every sketch): what
#: ordinary customers also write (popular questions, everyday phrasing) says nothing about an operator.
COMMON_SAMPLE = 10_000

_VALUES = {
    "exits": "SELECT account, address AS value FROM _req",
    "blocks": "SELECT account, block AS value FROM _req",
    "clients": "SELECT account, ua AS value FROM _req WHERE ua IS NOT NULL",
    "asns": "SELECT account, asn::VARCHAR AS value FROM _req WHERE asn IS NOT NULL",
    "mail_domains": f'SELECT "account.id" AS account, "{schema.EMAIL_DOMAIN}" AS value FROM requests '
    f'WHERE "{schema.EMAIL_DOMAIN}" IS NOT NULL',
}


def correlation_evidence(
    con: duckdb.DuckDBPyConnection, campaign_of: dict[str, str], present: set[str]
) -> dict[str, dict[str, Any]]:
    """campaign id -> its evidence (see the module docstring), from `_req` (features.prepare) and `requests`."""
    if not campaign_of:
        return {}
    con.register("_ev_campaign", pa.table({"account": list(campaign_of), "campaign": list(campaign_of.values())}))
    try:
        population = con.execute("SELECT count(DISTINCT account) FROM _req").fetchall()[0][0]
        out: dict[str, dict[str, Any]] = {
            c: {"population": population, "unflagged_accounts": population - n, **{k: [] for k in LIMITS}}
            for c, n in _sizes(campaign_of).items()
        }
        kinds = {k: v for k, v in _VALUES.items() if k != "mail_domains" or schema.EMAIL_DOMAIN in present}
        for kind, sql in kinds.items():
            for row in _ranked(con, sql, LIMITS[kind]):
                entry = {"value": int(row["value"]) if kind == "asns" else row["value"], "requests": row["requests"],
                         "accounts": row["accounts"], "unflagged_accounts": row["unflagged"]}
                out[row["campaign"]][kind].append(entry)
        if schema.MESSAGES in present:
            common = sketch.shingle_hashes(_common_texts(con, prompts.USER_TEXT, COMMON_SAMPLE))
            for campaign, texts in _texts(con, prompts.USER_TEXT, PROMPT_SAMPLE).items():
                out[campaign]["prompt_sketch"] = sketch.sketch(texts, common)
            common = sketch.shingle_hashes(_common_texts(con, SYSTEM_TEXT, COMMON_SAMPLE))
            for campaign, texts in _texts(con, SYSTEM_TEXT, SYSTEM_SAMPLE).items():
                out[campaign]["harness_sketch"] = sketch.sketch(texts, common)
    finally:
        con.unregister("_ev_campaign")
    return out


def _sizes(campaign_of: dict[str, str]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for c in campaign_of.values():
        sizes[c] = sizes.get(c, 0) + 1
    return sizes


def _ranked(con: duckdb.DuckDBPyConnection, values_sql: str, limit: int) -> list[dict[str, Any]]:
    """Per campaign, its `limit` busiest values with requests, its accounts and unflagged accounts using each."""
    return (
        con.sql(
            f"""
        WITH v AS (SELECT account, value, count(*) AS n FROM ({values_sql}) GROUP BY ALL),
        prevalence AS (
            SELECT value, count(*) FILTER (WHERE c.campaign IS NULL) AS unflagged
            FROM v LEFT JOIN _ev_campaign c USING (account) GROUP BY value),
        used AS (
            SELECT c.campaign, v.value, sum(v.n)::BIGINT AS requests, count(*) AS accounts
            FROM v JOIN _ev_campaign c USING (account) GROUP BY ALL)
        SELECT u.campaign, u.value, u.requests, u.accounts, p.unflagged
        FROM used u JOIN prevalence p USING (value)
        QUALIFY row_number() OVER (PARTITION BY u.campaign ORDER BY u.requests DESC, u.value) <= {limit}
        ORDER BY u.campaign, u.requests DESC, u.value
        """
        )
        .to_arrow_table()
        .to_pylist()
    )


def _texts(con: duckdb.DuckDBPyConnection, text_sql: str, limit: int) -> dict[str, list[str]]:
    """Per campaign, up to `limit` distinct texts of its requests, the same hash-chosen sample at every lab."""
    rows = con.sql(
        f"""
        SELECT campaign, list(t ORDER BY t) AS texts FROM (
            SELECT campaign, t FROM (
                SELECT DISTINCT c.campaign, {text_sql} AS t
                FROM requests r JOIN _ev_campaign c ON c.account = r."account.id"
                WHERE r."{schema.MESSAGES}" IS NOT NULL)
            WHERE t IS NOT NULL AND t <> ''
            QUALIFY row_number() OVER (PARTITION BY campaign ORDER BY hash(t), t) <= {limit})
        GROUP BY campaign
        """
    ).to_arrow_table()
    return dict(zip(rows["campaign"].to_pylist(), rows["texts"].to_pylist(), strict=True))


def _common_texts(con: duckdb.DuckDBPyConnection, text_sql: str, limit: int) -> list[str]:
    """Up to `limit` distinct texts of unflagged accounts' requests (a hash-chosen sample)."""
    return [
        r[0]
        for r in con.execute(
            f"""
        SELECT t FROM (
            SELECT DISTINCT {text_sql} AS t FROM requests r ANTI JOIN _ev_campaign c ON c.account = r."account.id"
            WHERE r."{schema.MESSAGES}" IS NOT NULL)
        WHERE t IS NOT NULL AND t <> '' ORDER BY hash(t), t LIMIT {limit}
        """
        ).fetchall()
    ]
