"""Rich tables of evaluations: detectors side by side, per campaign kind, per benign persona."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.table import Table

from aisac.evaluate.metrics import Evaluation


def _pct(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def summary(evals: Sequence[Evaluation]) -> Table:
    table = Table(title="Detectors compared (account level)")
    for col in ("detector", "precision", "recall", "F1", "flagged", "heavy-benign FPR", "benign FPR",
                "pair precision", "pair recall", "seconds"):
        table.add_column(col, justify="left" if col == "detector" else "right")
    for e in evals:
        table.add_row(e.detector, _pct(e.precision), _pct(e.recall), f"{e.f1:.3f}", f"{e.flagged}/{e.accounts}",
                      _pct(e.heavy_fpr), _pct(e.benign_fpr), _pct(e.pair_precision), _pct(e.pair_recall),
                      f"{e.seconds:.1f}")
    return table


def by_campaign(evals: Sequence[Evaluation]) -> Table:
    """Per campaign and detector: account recall, share of exchanges served before each account's own flag,
    and share served before the campaign's first flag (what was given away before anyone noticed)."""
    table = Table(title="Campaigns: account recall, and exchanges served before their accounts were flagged")
    table.add_column("campaign")
    table.add_column("accounts", justify="right")
    table.add_column("exchanges", justify="right")
    per = ("recall", "served before flag", "before first flag")
    for e in evals:
        for name in per:
            table.add_column(f"{e.detector} {name}", justify="right")
    rows: dict[str, list[str]] = {}
    for i, e in enumerate(evals):
        for c in e.campaigns:
            row = rows.setdefault(c["campaign"], [c["campaign"], str(c["accounts"]), str(c["exchanges"])]
                                  + [""] * len(per) * len(evals))
            row[3 + len(per) * i: 3 + len(per) * (i + 1)] = [
                _pct(c["recall"]), _pct(c["served_share"]), _pct(c["served_before_first_flag"] / c["exchanges"])]
    for row in rows.values():
        table.add_row(*row)
    return table


def by_persona(evals: Sequence[Evaluation]) -> Table:
    table = Table(title="Benign personas: share of accounts flagged (false positives)")
    table.add_column("persona")
    table.add_column("heavy accounts", justify="right")
    table.add_column("accounts", justify="right")
    for e in evals:
        table.add_column(e.detector, justify="right")
    rows: dict[str, list[str]] = {}
    for i, e in enumerate(evals):
        for p in e.personas:
            row = rows.setdefault(p["persona"], [p["persona"], str(p["heavy_accounts"]), str(p["accounts"])]
                                  + [""] * len(evals))
            row[3 + i] = f"{p['flagged']} ({_pct(p['fpr'])})"
    for row in rows.values():
        table.add_row(*row)
    return table
