"""Evaluation metrics on a hand-built log, labels and findings whose right numbers are worked out below."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from aisac.contract.labels import read_labels
from aisac.detect.base import Findings
from aisac.evaluate.metrics import evaluate
from aisac.logs.reader import read_log
from tests.conftest import line, record

# Truth: campaign C1 = c1a, c1b, c1c; campaign C2 = c2a, c2b; benign b1, b4 (hobbyists), b2 (support_bot).
# b2 sends twice as many requests as anyone: the top 1% of benign accounts by volume, so heavy.
LABELS = """account_id,label,persona,campaign
c1a,distillation,hydra_cot,C1
c1b,distillation,hydra_cot,C1
c1c,distillation,hydra_cot,C1
c2a,distillation,pivot,C2
c2b,distillation,pivot,C2
b1,benign,hobbyist,
b2,benign,support_bot,
b4,benign,hobbyist,
"""
ACCOUNTS = ("c1a", "c1b", "c1c", "c2a", "c2b", "b1", "b2", "b4")
HOURS = (1, 2, 3, 4)  # every account sends one request at each of these hours of 2026-04-06
BUSY = (1.5, 2.5, 3.5, 4.5)  # and b2 one more at each of these


def at(hour: float) -> datetime:
    return datetime(2026, 4, 6, tzinfo=UTC).replace(hour=int(hour), minute=int(60 * (hour % 1)))


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("eval")
    (tmp / "log.jsonl").write_text("".join(
        line(record({"account.id": a, "time": at(h).isoformat()})) + "\n"
        for a in ACCOUNTS for h in HOURS + (BUSY if a == "b2" else ())))
    (tmp / "labels.csv").write_text(LABELS)
    # Flagged: c1a at 02:30 (F1), c1b at 00:00 (F1), c2a at 05:00 (F1), b2 at 03:00 (F2); the rest not.
    flags = {"c1a": ("F1", at(2.5)), "c1b": ("F1", at(0)), "c2a": ("F1", at(5)), "b2": ("F2", at(3))}
    findings = Findings(pa.table({
        "account_id": list(ACCOUNTS),
        "score": [1.0 if a in flags else 0.0 for a in ACCOUNTS],
        "flagged": [a in flags for a in ACCOUNTS],
        "campaign": [flags[a][0] if a in flags else None for a in ACCOUNTS],
        "reasons": ["" for _ in ACCOUNTS],
        "first_flag_at": pa.array([flags[a][1] if a in flags else None for a in ACCOUNTS],
                                  pa.timestamp("us", tz="UTC")),
    }))
    log = read_log([tmp / "log.jsonl"])
    return evaluate(log, findings, read_labels(tmp / "labels.csv"), "hand", 0.5)


def test_account_precision_recall_f1(case):
    # 8 accounts, 5 distillation, 4 flagged of which 3 are distillation.
    assert (case.accounts, case.positives, case.flagged) == (8, 5, 4)
    assert case.precision == pytest.approx(3 / 4)
    assert case.recall == pytest.approx(3 / 5)
    assert case.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)


def test_false_positive_rates(case):
    # b2 (support_bot) is the only heavy benign account and it was flagged; 1 of 3 benign flagged.
    assert case.heavy_benign == 1 and case.heavy_fpr == pytest.approx(1.0)
    assert case.benign_fpr == pytest.approx(1 / 3)
    personas = {p["persona"]: p for p in case.personas}
    assert personas["support_bot"]["flagged"] == 1 and personas["support_bot"]["heavy"]
    assert personas["hobbyist"]["flagged"] == 0 and personas["hobbyist"]["accounts"] == 2
    assert personas["support_bot"]["heavy_accounts"] == 1 and personas["hobbyist"]["heavy_accounts"] == 0


def test_recall_per_campaign_and_kind(case):
    campaigns = {c["campaign"]: c for c in case.campaigns}
    assert campaigns["C1"]["recall"] == pytest.approx(2 / 3) and campaigns["C1"]["kind"] == "hydra_cot"
    assert campaigns["C2"]["recall"] == pytest.approx(1 / 2)
    assert {k["kind"]: k["recall"] for k in case.kinds} == pytest.approx({"hydra_cot": 2 / 3, "pivot": 1 / 2})


def test_exchanges_served_before_flag(case):
    campaigns = {c["campaign"]: c for c in case.campaigns}
    # C1: c1a flagged 02:30 -> 2 served; c1b flagged 00:00 -> 0; c1c never -> 4.  6 of 12.
    assert (campaigns["C1"]["exchanges"], campaigns["C1"]["served_before_flag"]) == (12, 6)
    assert campaigns["C1"]["served_share"] == pytest.approx(0.5)
    # The campaign's first flag is c1b's at 00:00: nothing of C1 was served before it.
    assert campaigns["C1"]["served_before_first_flag"] == 0
    assert campaigns["C1"]["first_flag_at"].startswith("2026-04-06 00:00:00")
    # C2: c2a flagged 05:00, after all its requests; c2b never: everything served, also before the first flag.
    assert (campaigns["C2"]["exchanges"], campaigns["C2"]["served_before_flag"]) == (8, 8)
    assert campaigns["C2"]["served_before_first_flag"] == 8


def test_pairwise_grouping_from_the_contingency_table(case):
    # Found F1 = {c1a, c1b, c2a}: 3 pairs; true pairs: C1 3 + C2 1 = 4; pairs in both: (c1a, c1b) only.
    assert case.pair_precision == pytest.approx(1 / 3)
    assert case.pair_recall == pytest.approx(1 / 4)


def test_nothing_flagged_gives_undefined_precision_and_zero_f1(tmp_path):
    (tmp_path / "log.jsonl").write_text(line(record({"account.id": "c1a"})) + "\n")
    (tmp_path / "labels.csv").write_text(LABELS)
    findings = Findings(pa.table({"account_id": ["c1a"], "score": [0.0], "flagged": [False], "campaign": [None],
                                  "reasons": [""], "first_flag_at": pa.nulls(1, pa.timestamp("us", tz="UTC"))}))
    e = evaluate(read_log([tmp_path / "log.jsonl"]), findings, read_labels(tmp_path / "labels.csv"), "none", 0)
    assert math.isnan(e.precision) and e.recall == 0 and e.f1 == 0
