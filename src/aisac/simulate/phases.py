"""When each distillation account's traffic becomes its campaign's: the rows of `campaign_phases.csv`.

The file's format, reader and writer are the shared contract (`aisac.contract.labels`): `campaign_from` is
the takeover time where an aged account was bought or taken over, else the account's first request.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from aisac.logs import schema


def campaign_phases(log: pa.Table, labels: pa.Table, takeovers: pa.Table) -> pa.Table:
    """Every distillation account's campaign start: its takeover time, else its first request (µs)."""
    firsts = log.group_by(schema.ACCOUNT).aggregate([(schema.TIME, "min")])
    first_of = dict(
        zip(
            firsts[schema.ACCOUNT].to_pylist(),
            pc.cast(firsts[f"{schema.TIME}_min"], pa.int64()).to_pylist(),
            strict=True,
        )
    )
    first_of.update(zip(takeovers["account_id"].to_pylist(), takeovers["campaign_from"].to_pylist(), strict=True))
    rows = [r for r in labels.to_pylist() if r["label"] == "distillation" and r["account_id"] in first_of]
    return pa.table(
        {
            "account_id": pa.array([r["account_id"] for r in rows], pa.string()),
            "campaign": pa.array([r["campaign"] for r in rows], pa.string()),
            "campaign_from": pa.array([first_of[r["account_id"]] for r in rows], pa.int64()),
        }
    )
