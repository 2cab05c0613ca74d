"""How well a detector did against ground truth, computed in DuckDB over the log, findings and labels.

Account-level precision/recall/F1; recall per campaign and per campaign kind; the false-positive rate on
heavy benign accounts (the customers a lab can least afford to hurt); pairwise precision/recall of campaign
grouping; and the exchanges each campaign was served before its accounts were flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from aisac.contract.labels import Label, heavy_min_requests
from aisac.detect.base import Findings
from aisac.logs.reader import Log


@dataclass
class Evaluation:
    detector: str
    seconds: float
    accounts: int
    positives: int
    flagged: int
    precision: float
    recall: float
    f1: float
    heavy_benign: int
    heavy_min_requests: int
    heavy_fpr: float
    benign_fpr: float
    pair_precision: float
    pair_recall: float
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    kinds: list[dict[str, Any]] = field(default_factory=list)
    personas: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(num: float, den: float) -> float:
    return float(num) / den if den else float("nan")


def label_table(labels: Mapping[str, Label]) -> pa.Table:
    """The labels as an Arrow table for DuckDB (campaign NULL for benign accounts)."""
    rows = list(labels.values())
    return pa.table(
        {
            "account_id": pa.array([r.account_id for r in rows], pa.string()),
            "label": pa.array([r.label for r in rows], pa.string()),
            "persona": pa.array([r.persona for r in rows], pa.string()),
            "campaign": pa.array([r.campaign or None for r in rows], pa.string()),
        }
    )


def evaluate(
    log: Log, findings: Findings, labels: Mapping[str, Label], detector: str, seconds: float
) -> Evaluation:
    con = log.con
    con.register("_findings", findings.accounts)
    con.register("_labels", label_table(labels))
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _traffic AS
        SELECT t.account_id, t.requests, coalesce(l.label, 'benign') AS label
        FROM (SELECT "account.id" AS account_id, count(*) AS requests FROM requests GROUP BY 1) t
        LEFT JOIN _labels l USING (account_id)
        """
    )
    benign = con.execute("SELECT requests FROM _traffic WHERE label = 'benign'").fetchnumpy()["requests"]
    heavy_min = heavy_min_requests(benign.tolist())
    # One row per account of the log, with truth, verdict and traffic.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _truth AS
        SELECT t.account_id, t.requests, t.label, coalesce(l.persona, 'unlabelled') AS persona,
               l.campaign AS true_campaign,
               coalesce(f.flagged, false) AS flagged, f.campaign AS found_campaign, f.first_flag_at,
               t.label = 'benign' AND t.requests >= {heavy_min} AND t.requests > 0 AS heavy
        FROM _traffic t LEFT JOIN _labels l USING (account_id) LEFT JOIN _findings f USING (account_id)
        """
    )
    n, pos, flagged, tp, heavy_n, heavy_fp, benign_n, benign_fp = con.execute(
        """
        SELECT count(*), count(*) FILTER (label = 'distillation'), count(*) FILTER (flagged),
               count(*) FILTER (flagged AND label = 'distillation'),
               count(*) FILTER (heavy), count(*) FILTER (heavy AND flagged),
               count(*) FILTER (label = 'benign'), count(*) FILTER (label = 'benign' AND flagged)
        FROM _truth
        """
    ).fetchall()[0]
    precision, recall = _ratio(tp, flagged), _ratio(tp, pos)
    f1 = _ratio(2 * precision * recall, precision + recall) if tp else 0.0
    campaigns = _rows(con, """
        WITH first_flag AS (
            SELECT true_campaign AS campaign, min(first_flag_at) FILTER (flagged) AS at
            FROM _truth WHERE label = 'distillation' GROUP BY 1),
        served AS (
            SELECT t.true_campaign AS campaign, count(*) AS exchanges,
                   count(*) FILTER (NOT t.flagged OR t.first_flag_at IS NULL OR r.time < t.first_flag_at)
                       AS served_before_flag,
                   count(*) FILTER (f.at IS NULL OR r.time < f.at) AS served_before_first_flag
            FROM requests r JOIN _truth t ON t.account_id = r."account.id"
                 JOIN first_flag f ON f.campaign = t.true_campaign
            WHERE t.label = 'distillation' GROUP BY 1)
        SELECT true_campaign AS campaign, any_value(persona) AS kind, count(*) AS accounts,
               count(*) FILTER (flagged) / count(*) AS recall,
               min(first_flag_at) FILTER (flagged)::VARCHAR AS first_flag_at,
               any_value(s.exchanges) AS exchanges, any_value(s.served_before_flag) AS served_before_flag,
               any_value(s.served_before_flag) / any_value(s.exchanges) AS served_share,
               any_value(s.served_before_first_flag) AS served_before_first_flag
        FROM _truth JOIN served s ON s.campaign = true_campaign
        WHERE label = 'distillation' GROUP BY 1 ORDER BY 1
        """)
    kinds = _rows(con, """
        SELECT persona AS kind, count(DISTINCT true_campaign) AS campaigns, count(*) AS accounts,
               count(*) FILTER (flagged) / count(*) AS recall
        FROM _truth WHERE label = 'distillation' GROUP BY 1 ORDER BY 1
        """)
    personas = _rows(con, """
        SELECT persona, count(*) AS accounts, count(*) FILTER (flagged) AS flagged,
               count(*) FILTER (flagged) / count(*) AS fpr, bool_or(heavy) AS heavy,
               count(*) FILTER (heavy) AS heavy_accounts
        FROM _truth WHERE label = 'benign' GROUP BY 1 ORDER BY 1
        """)
    pair_precision, pair_recall = _pairwise(con)
    con.unregister("_findings")
    con.unregister("_labels")
    return Evaluation(detector, seconds, n, pos, flagged, precision, recall, f1, heavy_n, heavy_min,
                      _ratio(heavy_fp, heavy_n), _ratio(benign_fp, benign_n), pair_precision, pair_recall,
                      campaigns, kinds, personas)


def _rows(con, sql: str) -> list[dict[str, Any]]:
    return con.sql(sql).to_arrow_table().to_pylist()


def _pairwise(con) -> tuple[float, float]:
    """Pairwise precision/recall of grouping: pairs put together that belong together, and vice versa.

    Pairs are counted from the contingency table (found campaign x true campaign), never enumerated.
    """
    same_found, same_true, same_both = con.execute(
        """
        WITH cells AS (
            SELECT found_campaign, coalesce(true_campaign, 'benign:' || account_id) AS truth, count(*) AS k
            FROM _truth GROUP BY ALL),
        found AS (SELECT sum(k) AS k FROM cells WHERE found_campaign IS NOT NULL GROUP BY found_campaign),
        truth AS (SELECT count(*) AS k FROM _truth WHERE true_campaign IS NOT NULL GROUP BY true_campaign)
        SELECT (SELECT coalesce(sum(k * (k - 1) / 2), 0) FROM found),
               (SELECT coalesce(sum(k * (k - 1) / 2), 0) FROM truth),
               (SELECT coalesce(sum(k * (k - 1) / 2), 0) FROM cells
                WHERE found_campaign IS NOT NULL AND NOT starts_with(truth, 'benign:'))
        """
    ).fetchall()[0]
    return _ratio(same_both, same_found), _ratio(same_both, same_true)
