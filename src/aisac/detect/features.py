"""Per-request facts and per-account behaviour features, computed in DuckDB over the columnar log.

`prepare` derives one row per request (decoded prompt facts, rule hits, address block) in a single scan;
`account_features` aggregates them per account. Every feature has a plain-words meaning, so the score built
on them can explain itself. A feature whose evidence the log lacks is NULL, never a made-up value.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from aisac.contract import signals
from aisac.detect import prompts, taxonomy, topics
from aisac.detect.sigma.engine import SigmaRule, rule_view_sql
from aisac.logs.checks import quote

#: An answer is long when it is among the longest tenth of the log's answers (relative, not a fixed count).
LONG_OUTPUT_QUANTILE = 0.9


@dataclass(frozen=True)
class Feature:
    name: str
    group: str  # evidence it needs: base, text, payment, address, signup, conversation
    meaning: str  # how a reason reads when the feature pushes the score up


FEATURES: tuple[Feature, ...] = (
    Feature("log_requests_per_day", "base", "{requests} requests, {per_day:.0f} per active day"),
    Feature("active_day_share", "base", "active on {active_days} of {log_days} days"),
    Feature(
        "output_input_ratio",
        "base",
        "short prompts, long answers (median {median_in:.0f} tokens in, {median_out:.0f} out)",
    ),
    Feature("long_output_share", "base", "{long_output_share:.0%} of answers among the longest tenth of the log's"),
    Feature("hour_flatness", "base", "round-the-clock activity (hour-of-day entropy {hour_flatness:.2f})"),
    Feature("interarrival_cv", "base", "inter-arrival variation {interarrival_cv:.2f}"),
    Feature(
        "new_model_early",
        "base",
        "moved to the newly released model within {pivot_hours:.0f} h of its first appearance",
    ),
    Feature("error_share", "base", "{error_share:.0%} of requests failed or were rate limited"),
    Feature("account_youth", "signup", "account opened {age_days:.0f} days before its first request here"),
    Feature("has_org", "base", "belongs to organisation"),
    Feature("multi_turn_share", "conversation", "{multi_turn_share:.0%} of requests continue a conversation"),
    Feature(
        "coercion_share",
        "text",
        "{coercion_share:.0%} of prompts coerce a full reasoning trace (rule llm_reasoning_trace_coercion)",
    ),
    Feature(
        "harvest_share",
        "text",
        "{harvest_share:.0%} of prompts grade or rewrite answers for reuse "
        "(rules llm_rubric_grading_harvest, llm_rewrite_harvest)",
    ),
    Feature(
        "agent_harness_share",
        "text",
        "{agent_harness_share:.0%} of requests run an agent harness that "
        "narrates every step (rule llm_agent_narration_harness)",
    ),
    Feature("topic_breadth", "text", "prompts fall in {topic_breadth:.0%} distinct topic clusters (of those read)"),
    Feature("template_concentration", "text", "{template_concentration:.0%} of prompts from one template"),
    Feature("shared_payment", "payment", "payment card shared with {payment_peers} other accounts"),
    Feature("shared_address", "address", "busiest address shared with {address_peers} other accounts"),
)
NAMES = tuple(f.name for f in FEATURES)


def address_blocks(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """address -> its block (`contract.signals`): IPv4 in SQL, IPv6 once per distinct address in Python (few)."""
    v4 = con.sql(
        f"""SELECT DISTINCT "client.address" AS address, {signals.address_block_v4_sql('"client.address"')} AS block
           FROM requests WHERE NOT contains("client.address", ':')"""
    ).to_arrow_table()
    v6 = con.sql('SELECT DISTINCT "client.address" AS a FROM requests WHERE contains("client.address", \':\')')
    addresses = v6.to_arrow_table()["a"].to_pylist()
    blocks = [signals.address_block(a) for a in addresses]
    v6_table = pa.table({"address": pa.array(addresses, pa.string()), "block": pa.array(blocks, pa.string())})
    return pa.concat_tables([v4.cast(v6_table.schema), v6_table])


def prompt_keys(system_message: str, user_message: str) -> str:
    """SQL select items `template`, `system_prompt`: the shared fingerprints (`contract.signals`) of the
    first system and first user message (JSON columns)."""
    system = signals.message_text_sql(system_message)
    user = signals.message_text_sql(user_message)
    return (
        f"{signals.template_fingerprint_sql(system, user)} AS template, "
        f"{signals.system_fingerprint_sql(system)} AS system_prompt"
    )


#: Prompts read per account for content features: shares estimated from a sample cost the same for a
#: 30,000-request backend as for a 30-request hydra account, so content analysis stays bounded.
CONTENT_SAMPLE = 64


def prepare(con: duckdb.DuckDBPyConnection, rules: list[SigmaRule], present: set[str]) -> None:
    """Create `_req` (one row per request, no text) and, with prompt text, `_content` (a sample per account)."""
    con.register("_blocks", address_blocks(con))
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _req AS
        SELECT q."account.id" AS account, epoch(q.time) AS ts, q.time,
               q."gen_ai.usage.input_tokens" AS tin, q."gen_ai.usage.output_tokens" AS tout,
               q."gen_ai.request.model" AS model, q."client.address" AS address, b.block, q."client.asn" AS asn,
               q."user_agent.original" AS ua, q."account.payment_fingerprint" AS payment,
               q."account.org_id" AS org, q."account.created_at" AS created_at,
               q."gen_ai.conversation.id" AS conv, q."gen_ai.request.temperature" AS temperature,
               q."gen_ai.request.max_tokens" AS max_tokens, q."gen_ai.request.choice.count" AS choices,
               q."http.response.status_code" AS status
        FROM requests q JOIN _blocks b ON b.address = q."client.address"
        """
    )
    con.unregister("_blocks")
    if "gen_ai.input.messages" not in present:
        return
    # Bernoulli sample at 64/n per account (no sort), read in one pass with only the columns the rules need:
    # about CONTENT_SAMPLE prompts per account, all of a small account's.
    sampled = f"""(
        SELECT r.*, {prompts.USER_TEXT} AS user_text, {prompts.TURNS} AS turns,
               {signals.first_message_sql(prompts.MESSAGES, "system")} AS system_message,
               {signals.first_message_sql(prompts.MESSAGES, "user")} AS first_user_message
        FROM requests r JOIN (SELECT "account.id", count(*) AS n FROM requests GROUP BY 1) c USING ("account.id")
        WHERE r."gen_ai.input.messages" IS NOT NULL
          AND hash(r.time, r."client.address", r."gen_ai.usage.output_tokens") % 1000000
              < 1000000 * least(1.0, {CONTENT_SAMPLE} / c.n))"""
    hits = "".join(f", coalesce({r.condition}, false) AS {quote('rule:' + r.name)}" for r in rules)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _content AS
        SELECT "account.id" AS account {hits}, {prompt_keys("system_message", "first_user_message")},
               left({signals.message_text_sql("first_user_message")}, {topics.PREFIX}) AS text,
               turns, {taxonomy.keywords_sql("user_text")} AS keywords
        FROM ({rule_view_sql(rules, sampled)})
        """
    )


def account_features(con: duckdb.DuckDBPyConnection, rules: list[SigmaRule], present: set[str]) -> pa.Table:
    """One row per account: the FEATURES (NULL where the log lacks the evidence) and facts for reasons."""
    has_text = "gen_ai.input.messages" in present
    has_conv = "gen_ai.conversation.id" in present
    content = (
        "NULL AS coercion_share, NULL AS harvest_share, NULL AS agent_harness_share, NULL AS areas, "
        "NULL AS topic_breadth, NULL AS template_concentration"
    )
    joins = ""
    if has_text:
        _content_stats(con, rules)
        joins = "LEFT JOIN _content_stats ct USING (account)"
        content = (
            "any_value(ct.coercion_share) AS coercion_share, any_value(ct.harvest_share) AS harvest_share, "
            "any_value(ct.agent_harness_share) AS agent_harness_share, any_value(ct.areas) AS areas, "
            "any_value(ct.topic_breadth) AS topic_breadth, "
            "any_value(ct.template_concentration) AS template_concentration"
        )
    log_days = con.execute("SELECT greatest(1, ceil((max(ts) - min(ts)) / 86400)) FROM _req").fetchall()[0][0]
    days = "count(DISTINCT date_trunc('day', time))"
    return con.sql(
        f"""
        WITH gaps AS (
            SELECT account, ts - lag(ts) OVER (PARTITION BY account ORDER BY ts) AS gap FROM _req),
        gap_stats AS (
            SELECT account, stddev_pop(gap) / nullif(avg(gap), 0) AS cv FROM gaps WHERE gap IS NOT NULL
            GROUP BY account),
        hours AS (SELECT account, hour(time) AS h, count(*) AS c FROM _req GROUP BY ALL),
        flat AS (
            SELECT account, -sum(c / t * ln(c / t)) / ln(24) AS flatness
            FROM (SELECT *, sum(c) OVER (PARTITION BY account) AS t FROM hours) GROUP BY account),
        pay AS (
            SELECT payment, count(DISTINCT account) - 1 AS peers FROM _req WHERE payment IS NOT NULL GROUP BY 1),
        addr_peers AS (SELECT address, count(DISTINCT account) - 1 AS peers FROM _req GROUP BY 1),
        top_addr AS (
            SELECT account, arg_max(address, c) AS address
            FROM (SELECT account, address, count(*) AS c FROM _req GROUP BY ALL) GROUP BY account),
        long_cut AS (SELECT quantile_cont(tout, {LONG_OUTPUT_QUANTILE}) AS cut FROM _req),
        convs AS (SELECT conv, count(*) AS conv_size FROM _req WHERE conv IS NOT NULL GROUP BY conv),
        pivots AS ({_pivot_sql()})
        SELECT a.account AS account_id, count(*) AS requests, {days} AS active_days, {log_days} AS log_days,
               count(*) / {days} AS per_day, ln(1 + count(*) / {days}) AS log_requests_per_day,
               {days} / {log_days} AS active_day_share,
               median(tin) AS median_in, median(tout) AS median_out,
               ln((1 + median(tout)) / (1 + median(tin))) AS output_input_ratio,
               avg((tout >= (SELECT cut FROM long_cut))::INT) AS long_output_share,
               any_value(f.flatness) AS hour_flatness,
               least(any_value(g.cv), 5) AS interarrival_cv,
               mode(max_tokens) AS max_tokens,
               coalesce(any_value(pv.early), false)::DOUBLE AS new_model_early, any_value(pv.hours) AS pivot_hours,
               avg((status >= 400)::INT) AS error_share,
               date_diff('second', any_value(created_at), min(time)) / 86400 AS age_days,
               -ln(1 + greatest(0, date_diff('second', any_value(created_at), min(time)) / 86400)) AS account_youth,
               (count(org) > 0)::DOUBLE AS has_org,
               {"avg((cs.conv_size > 1)::INT)" if has_conv else "NULL"} AS multi_turn_share,
               {content},
               {len(taxonomy.NAMES)} AS all_areas,
               any_value(p.peers) AS payment_peers, ln(1 + any_value(p.peers)) AS shared_payment,
               any_value(ap.peers) AS address_peers, ln(1 + any_value(ap.peers)) AS shared_address
        FROM _req a
        {"LEFT JOIN convs cs ON cs.conv = a.conv" if has_conv else ""}
        LEFT JOIN gap_stats g USING (account) LEFT JOIN flat f USING (account)
        LEFT JOIN pay p ON p.payment = a.payment
        LEFT JOIN top_addr ta USING (account) LEFT JOIN addr_peers ap ON ap.address = ta.address
        LEFT JOIN pivots pv USING (account)
        {joins}
        GROUP BY a.account ORDER BY a.account
        """
    ).to_arrow_table()


def _content_stats(con: duckdb.DuckDBPyConnection, rules: list[SigmaRule]) -> None:
    """Per account, from the prompt sample: rule-hit shares, capability areas, template concentration."""
    names = {r.name for r in rules}

    def share(rule: str) -> str:
        return f"avg({quote('rule:' + rule)}::INT)" if rule in names else "NULL"

    con.register("_kw", taxonomy.keyword_table())  # capability areas: descriptive only (campaign attribution)
    con.register("_topics", topics.breadth(con))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _content_stats AS
        WITH areas AS (
            SELECT account, count(DISTINCT k.area) AS areas
            FROM (SELECT account, unnest(keywords) AS keyword FROM _content) u JOIN _kw k USING (keyword)
            GROUP BY account),
        templates AS (
            SELECT account, max(c) / sum(c) AS template_concentration
            FROM (SELECT account, template, count(*) AS c FROM _content GROUP BY ALL) GROUP BY account),
        hits AS (
            SELECT account, {share("llm_reasoning_trace_coercion")} AS coercion_share,
                   greatest({share("llm_rubric_grading_harvest")}, {share("llm_rewrite_harvest")}) AS harvest_share,
                   {share("llm_agent_narration_harness")} AS agent_harness_share
            FROM _content GROUP BY account)
        SELECT * FROM hits LEFT JOIN templates USING (account) LEFT JOIN areas USING (account)
            LEFT JOIN _topics USING (account)
        """
    )
    con.unregister("_kw")
    con.unregister("_topics")


def _pivot_sql() -> str:
    """SQL: per account, hours from a new model's first appearance to the account's first use of it.

    A model is new if it first appears more than a day after the log starts (a release inside the window).
    `early` is true when the account used it within 24 h and sent most of its later traffic to it.
    """
    return """
        WITH first_seen AS (SELECT model, min(ts) AS t0 FROM _req GROUP BY model),
             start AS (SELECT min(ts) AS s FROM _req),
             new_models AS (SELECT model, t0 FROM first_seen, start WHERE t0 > s + 86400),
             usage AS (
                SELECT r.account, n.model, min(r.ts) AS first_use, n.t0 FROM _req r JOIN new_models n USING (model)
                GROUP BY ALL),
             after AS (
                SELECT u.account, u.model, u.first_use, u.t0,
                       avg((r.model = u.model)::INT) AS share_after
                FROM usage u JOIN _req r ON r.account = u.account AND r.ts >= u.t0 GROUP BY ALL)
        SELECT account, min((first_use - t0) / 3600) AS hours,
               bool_or(first_use - t0 <= 86400 AND share_after >= 0.5) AS early
        FROM after GROUP BY account"""
