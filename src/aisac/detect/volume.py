"""The `volume` baseline: flag any account whose request count passes a threshold.

This is what per-account rate limits see; it exists to show what they miss (hydra networks of many small
accounts) and what they hit (a lab's heaviest legitimate customers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aisac.detect.base import Findings
from aisac.logs.reader import Log


@dataclass
class VolumeDetector:
    name: ClassVar[str] = "volume"
    threshold: int = 2000

    def detect(self, log: Log) -> Findings:
        t = self.threshold
        table = log.con.sql(
            f"""
            SELECT "account.id" AS account_id,
                   least(1.0, count(*) / {2 * t}) AS score,
                   count(*) >= {t} AS flagged,
                   NULL AS campaign,
                   CASE WHEN count(*) >= {t}
                        THEN format('{{}} requests, at or above the threshold of {t}', count(*)) ELSE '' END
                       AS reasons,
                   CASE WHEN count(*) >= {t} THEN list_sort(list(time))[{t}] END AS first_flag_at
            FROM requests GROUP BY 1 ORDER BY 1
            """
        ).to_arrow_table()
        return Findings(table)
