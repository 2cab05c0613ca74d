"""Replay evaluation: run a log through the guard in time order and count what each account got.

The log is read and checked by `aisac.logs.reader.read_log`, sorted in DuckDB and streamed back in Arrow
record batches; each batch's columns are converted to Python lists in C, and only the per-request guard call
is a Python loop (inherent to replaying a per-request guard).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aisac.enforce.actions import OUTCOMES, SERVED_IN_FULL, Action
from aisac.enforce.guard import Decision, Guard
from aisac.enforce.request import Request
from aisac.logs import schema as s
from aisac.logs.checks import quote
from aisac.logs.reader import Log, read_log

BATCH_ROWS = 65_536
_US = 1e-6
#: Tally columns per account: the six outcomes, requests served in full before the first action, then the
#: same two counts over the account's campaign phase (its requests from `phase_from` on).
_BEFORE = len(OUTCOMES)
_IN_PHASE, _PHASE_BEFORE = _BEFORE + 1, _BEFORE + 2
_IDX = {o: i for i, o in enumerate(OUTCOMES)}
_FULL = frozenset(_IDX[o] for o in SERVED_IN_FULL)
#: The first action is the first request whose action is customer-visible (throttle or worse).
FIRST_ACTION = Action.THROTTLE

#: The log columns a Request is built from, and their short names in `requests_of`'s column mapping. Times
#: are integer microseconds since the epoch.
REQUEST_COLUMNS = {
    s.TIME: "time",
    s.ACCOUNT: "account",
    s.ADDRESS: "address",
    s.ASN: "asn",
    s.PAYMENT: "payment",
    s.USER_AGENT: "ua",
    s.EMAIL_DOMAIN: "email",
    s.ORG: "org",
    s.MODEL: "model",
    s.INPUT_TOKENS: "tin",
    s.OUTPUT_TOKENS: "tout",
    s.TEMPERATURE: "temp",
    s.MAX_TOKENS: "maxtok",
    s.CHOICE_COUNT: "n",
    s.CONVERSATION: "conv",
    s.MESSAGES: "msgs",
    s.CREATED_AT: "created",
    s.PATHWAY: "pathway",
    s.ACCOUNT_COUNTRY: "country",
    s.GEO_COUNTRY: "geo",
}
_TIMES = (s.TIME, s.CREATED_AT)


@dataclass
class AccountTally:
    counts: list[int] = field(default_factory=lambda: [0] * (len(OUTCOMES) + 3))
    first_action_us: int | None = None
    max_action: Action = Action.ALLOW
    #: POSIX seconds from which the account's requests are campaign traffic (all of them by default).
    phase_from: float = float("-inf")
    pathway: str | None = None

    @property
    def requests(self) -> int:
        return sum(self.counts[:_BEFORE])

    @property
    def served_before_action(self) -> int:
        return self.counts[_BEFORE]

    @property
    def phase_requests(self) -> int:
        return self.counts[_IN_PHASE]

    @property
    def phase_served_before_action(self) -> int:
        return self.counts[_PHASE_BEFORE]


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


@dataclass
class TimeOrdered:
    """A checked log's requests in time order, as batches of typed Requests (columns converted in C)."""

    log: Log

    @property
    def total(self) -> int:
        return self.log.records

    def __iter__(self) -> Iterator[list[Request]]:
        sql = ", ".join(
            f"{f'epoch_us({quote(name)})' if name in _TIMES else quote(name)} AS {alias}"
            for name, alias in REQUEST_COLUMNS.items()
        )
        query = f"SELECT {sql} FROM requests ORDER BY {quote(s.TIME)}"
        for batch in self.log.con.sql(query).to_arrow_reader(BATCH_ROWS):
            yield requests_of({name: batch.column(name).to_pylist() for name in batch.schema.names})


def requests_of(c: Mapping[str, list]) -> list[Request]:
    """Typed Requests from columns converted to lists (names as REQUEST_COLUMNS gives them)."""
    return [
        Request(
            account_id=aid,
            time=t * _US,
            address=addr,
            asn=asn,
            payment=pay,
            user_agent=ua,
            email_domain=email,
            org=org,
            model=model,
            input_tokens=tin,
            output_tokens=tout,
            temperature=temp,
            max_tokens=maxtok,
            choice_count=n,
            conversation=conv,
            messages=msgs,
            created_at=None if created is None else created * _US,
            country=country,
            geo_country=geo,
            pathway=pathway,
        )
        for (
            aid,
            t,
            addr,
            asn,
            pay,
            ua,
            email,
            org,
            model,
            tin,
            tout,
            temp,
            maxtok,
            n,
            conv,
            msgs,
            created,
            pathway,
            country,
            geo,
        ) in zip(
            c["account"],
            c["time"],
            c["address"],
            c["asn"],
            c["payment"],
            c["ua"],
            c["email"],
            c["org"],
            c["model"],
            c["tin"],
            c["tout"],
            c["temp"],
            c["maxtok"],
            c["n"],
            c["conv"],
            c["msgs"],
            c["created"],
            c["pathway"],
            c["country"],
            c["geo"],
            strict=True,
        )
    ]


def time_ordered(paths: Sequence[str | Path]) -> TimeOrdered:
    """Read and check the log at `paths` (bad records set aside by the reader) for time-ordered replay."""
    return TimeOrdered(read_log(paths))


def replay(
    paths: Sequence[str | Path],
    guard: Guard,
    progress: Callable[[int, int], None] | None = None,
    phase_from: Mapping[str, float] | None = None,
) -> ReplayResult:
    """Replay the log at `paths` through `guard` in time order; `progress(done, total)` after each batch.

    `phase_from` (account -> POSIX seconds) marks where an account's campaign traffic starts, so that the
    served-before-action count can leave out a life the account had before a campaign took it over.
    """
    phases = phase_from or {}
    requests = time_ordered(paths)
    total = requests.total  # counted before the ordered read opens its result on the connection
    tallies: dict[str, AccountTally] = {}
    decide, done = guard.decide, 0
    for batch in requests:
        tally(tallies, batch, [decide(req) for req in batch], phases)
        done += len(batch)
        if progress:
            progress(done, total)
    return ReplayResult(tallies, guard.version, dict(guard.faults), requests.log.rejected)


def tally(
    tallies: dict[str, AccountTally],
    requests: Sequence[Request],
    decisions: Sequence[Decision],
    phases: Mapping[str, float] | None = None,
) -> None:
    """Count each request's decision into its account's tally (any source of decided requests: a replay,
    a stream consumer). `phases` as for `replay`."""
    phases = phases or {}
    for req, d in zip(requests, decisions, strict=True):
        aid = req.account_id
        t = tallies.get(aid)
        if t is None:
            t = tallies[aid] = AccountTally(phase_from=phases.get(aid, float("-inf")), pathway=req.pathway)
        k = _IDX[d.outcome]
        t.counts[k] += 1
        in_phase = req.time >= t.phase_from
        t.counts[_IN_PHASE] += in_phase
        if d.action >= FIRST_ACTION:
            if t.first_action_us is None:
                t.first_action_us = round(req.time / _US)
            if d.action > t.max_action:
                t.max_action = d.action
        elif k in _FULL and t.first_action_us is None:
            t.counts[_BEFORE] += 1
            t.counts[_PHASE_BEFORE] += in_phase
