"""Replay evaluation: run a log through the guard in time order and count what each account got.

The log is read and checked by `aisac.logs.reader.read_log`, sorted in DuckDB and streamed back in Arrow
record batches; each batch's columns are converted to Python lists in C, and only the per-request guard call
is a Python loop (inherent to replaying a per-request guard).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aisac.enforce.actions import OUTCOMES, SERVED_IN_FULL, Action
from aisac.enforce.guard import Guard
from aisac.enforce.request import Request
from aisac.logs import schema as s
from aisac.logs.checks import quote
from aisac.logs.reader import read_log

BATCH_ROWS = 65_536
_US = 1e-6
#: Tally columns per account: the six outcomes, then requests served in full before the first action.
_BEFORE = len(OUTCOMES)
_IDX = {o: i for i, o in enumerate(OUTCOMES)}
_FULL = frozenset(_IDX[o] for o in SERVED_IN_FULL)
#: The first action is the first request whose action is customer-visible (throttle or worse).
FIRST_ACTION = Action.THROTTLE

_SELECT = [
    (f"epoch_us({quote(s.TIME)})", "time"),
    (quote(s.ACCOUNT), "account"),
    (quote(s.ADDRESS), "address"),
    (quote(s.ASN), "asn"),
    (quote(s.PAYMENT), "payment"),
    (quote(s.USER_AGENT), "ua"),
    (quote(s.EMAIL_DOMAIN), "email"),
    (quote(s.ORG), "org"),
    (quote(s.MODEL), "model"),
    (quote(s.INPUT_TOKENS), "tin"),
    (quote(s.OUTPUT_TOKENS), "tout"),
    (quote(s.TEMPERATURE), "temp"),
    (quote(s.MAX_TOKENS), "maxtok"),
    (quote(s.CHOICE_COUNT), "n"),
    (quote(s.CONVERSATION), "conv"),
    (quote(s.MESSAGES), "msgs"),
    (f"epoch_us({quote(s.CREATED_AT)})", "created"),
    (quote(s.ACCOUNT_COUNTRY), "country"),
    (quote(s.GEO_COUNTRY), "geo"),
]


@dataclass
class AccountTally:
    counts: list[int] = field(default_factory=lambda: [0] * (len(OUTCOMES) + 1))
    first_action_us: int | None = None
    max_action: Action = Action.ALLOW

    @property
    def requests(self) -> int:
        return sum(self.counts[:_BEFORE])

    @property
    def served_before_action(self) -> int:
        return self.counts[_BEFORE]


@dataclass
class ReplayResult:
    tallies: dict[str, AccountTally]
    policy_version: str
    faults: dict[str, int]
    rejected_records: int

    def summary(self) -> dict:
        """The summary.json document: every account of the log, and totals."""
        accounts = {}
        totals = dict.fromkeys(OUTCOMES, 0)
        for aid, t in sorted(self.tallies.items()):
            row: dict = {o: t.counts[i] for i, o in enumerate(OUTCOMES)}
            for o in OUTCOMES:
                totals[o] += row[o]
            row["first_action_at"] = _iso(t.first_action_us)
            accounts[aid] = row
        return {
            "accounts": accounts,
            "totals": {
                **totals,
                "requests": sum(totals.values()),
                "accounts": len(accounts),
                "accounts_actioned": sum(1 for t in self.tallies.values() if t.first_action_us is not None),
                "policy_version": self.policy_version,
                "guard_faults": self.faults,
                "rejected_records": self.rejected_records,
            },
        }


def _iso(us: int | None) -> str | None:
    if us is None:
        return None
    return datetime.fromtimestamp(us * _US, UTC).isoformat().replace("+00:00", "Z")


def replay(
    paths: Sequence[str | Path], guard: Guard, progress: Callable[[int, int], None] | None = None
) -> ReplayResult:
    """Replay the log at `paths` through `guard` in time order; `progress(done, total)` after each batch."""
    log = read_log(paths)
    total = log.records
    sql = ", ".join(f"{expr} AS {alias}" for expr, alias in _SELECT)
    reader = log.con.sql(f"SELECT {sql} FROM requests ORDER BY {quote(s.TIME)}").to_arrow_reader(BATCH_ROWS)
    tallies: dict[str, AccountTally] = {}
    decide, done = guard.decide, 0
    for batch in reader:
        cols = {name: batch.column(name).to_pylist() for name in batch.schema.names}
        times = cols["time"]
        for i, aid in enumerate(cols["account"]):
            created = cols["created"][i]
            req = Request(
                account_id=aid,
                time=times[i] * _US,
                address=cols["address"][i],
                asn=cols["asn"][i],
                payment=cols["payment"][i],
                user_agent=cols["ua"][i],
                email_domain=cols["email"][i],
                org=cols["org"][i],
                model=cols["model"][i],
                input_tokens=cols["tin"][i],
                output_tokens=cols["tout"][i],
                temperature=cols["temp"][i],
                max_tokens=cols["maxtok"][i],
                choice_count=cols["n"][i],
                conversation=cols["conv"][i],
                messages=cols["msgs"][i],
                created_at=None if created is None else created * _US,
                country=cols["country"][i],
                geo_country=cols["geo"][i],
            )
            d = decide(req)
            t = tallies.get(aid)
            if t is None:
                t = tallies[aid] = AccountTally()
            k = _IDX[d.outcome]
            t.counts[k] += 1
            if d.action >= FIRST_ACTION:
                if t.first_action_us is None:
                    t.first_action_us = times[i]
                if d.action > t.max_action:
                    t.max_action = d.action
            elif k in _FULL:
                t.counts[_BEFORE] += t.first_action_us is None
        done += batch.num_rows
        if progress:
            progress(done, total)
    return ReplayResult(tallies, guard.version, dict(guard.faults), log.rejected)
