"""The one interface every detector implements, so that the evaluation harness can compare them.

Like a scikit-learn estimator: a detector is configured at construction and `detect(log)` returns
`Findings`, a per-account Arrow table with a fixed set of columns plus the campaigns it grouped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol

import pyarrow as pa

from aisac.contract.findings import Campaign
from aisac.logs.reader import Log

#: Columns of `Findings.accounts`; `first_flag_at` is when the evidence first crossed the line (or null).
ACCOUNT_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("score", pa.float64()),
        ("flagged", pa.bool_()),
        ("campaign", pa.string()),
        ("reasons", pa.string()),
        ("first_flag_at", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass
class Findings:
    """What a detector concluded: one row per account of the log, and the campaigns it found."""

    accounts: pa.Table
    campaigns: list[Campaign] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.accounts = self.accounts.select(ACCOUNT_SCHEMA.names).cast(ACCOUNT_SCHEMA)


class Detector(Protocol):
    name: ClassVar[str]

    def detect(self, log: Log) -> Findings: ...
