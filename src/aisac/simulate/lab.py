"""The builder that personas write into: accounts with their sign-up facts, and requests in bulk.

Personas hand over whole numpy/Arrow columns at a time; the builder fills in what follows from them (token
counts from text length, finish reasons, event ids) and assembles one time-ordered Arrow table in the
api-log-v1 schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aisac.logs import schema as s
from aisac.simulate import text
from aisac.simulate.world import COUNTRY_OFFSET_HOURS, MODELS, AddressSpace

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000

# Share of requests per local hour of day for people awake (peaks late morning and evening).
_WAKING = np.array([1, .5, .3, .2, .2, .3, 1, 2, 3.5, 4.5, 5, 5, 4.5, 5, 5, 4.5, 4.5, 5, 5.5, 6, 6, 5, 3.5, 2])
_WORK = np.array([.1, .05, .05, .05, .05, .1, .3, 1, 4, 7, 7, 6.5, 5, 6.5, 7, 7, 6, 4, 1.5, 1, .8, .6, .4, .2])
_NIGHT = np.array([0, 6, 6, 3] + [0] * 20, dtype=float)
PROFILES = {"waking": _WAKING / _WAKING.sum(), "work": _WORK / _WORK.sum(), "flat": np.full(24, 1 / 24),
            "night": _NIGHT / _NIGHT.sum()}


@dataclass
class Lab:
    """Accounts and requests of one simulated lab over `days` days from `start_us`."""

    rng: np.random.Generator
    start_us: int
    days: int
    #: A second stream for facts added after the first (account pathways): drawing them from `rng` would
    #: shift every later draw and change the traffic that existing seeds give.
    side: np.random.Generator
    #: The lab's model names (index as in world.MODELS) and account id prefix: each lab of a multi-lab world
    #: serves its own models and numbers its own accounts.
    models: tuple[str, ...] = MODELS
    account_prefix: str = "acct_"
    net: AddressSpace = field(init=False)
    _accounts: dict[str, list] = field(default_factory=lambda: {k: [] for k in (
        "account_id", "label", "persona", "campaign", "org", "created_at", "email", "payment", "country",
        "tz", "pathway", "campaign_from")})
    _requests: list[pa.Table] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.net = AddressSpace(self.rng)

    # --- accounts -----------------------------------------------------------------------------------

    @property
    def n_accounts(self) -> int:
        return len(self._accounts["account_id"])

    def accounts(self, n: int, *, persona: str, label: str = "benign", campaign: str = "",
                 org: list[str | None] | None = None, created_days_ago: np.ndarray, email: list[str],
                 payment: list[str | None], country: list[str], pathway: list[str] | None = None) -> np.ndarray:
        """Open n accounts; returns their indices. `created_days_ago` is relative to the simulation start;
        `pathway` is how each account signed up (default self_serve)."""
        first = self.n_accounts
        a = self._accounts
        a["account_id"] += [f"{self.account_prefix}{h}" for h in self._hex(n, 12)]
        a["label"] += [label] * n
        a["persona"] += [persona] * n
        a["campaign"] += [campaign] * n
        a["org"] += list(org) if org is not None else [None] * n
        a["created_at"] += list(self.start_us - (np.asarray(created_days_ago) * DAY_US).astype(np.int64))
        a["email"] += list(email)
        a["payment"] += list(payment)
        a["country"] += list(country)
        a["tz"] += [COUNTRY_OFFSET_HOURS.get(c, 0) for c in country]
        a["pathway"] += list(pathway) if pathway is not None else ["self_serve"] * n
        a["campaign_from"] += [None] * n
        return np.arange(first, first + n)

    def take_over(self, accounts: np.ndarray, at_us: int) -> None:
        """Campaign accounts that had a life of their own until `at_us` (by default a campaign account's
        traffic is the campaign's from its first request)."""
        for i in accounts:
            self._accounts["campaign_from"][int(i)] = int(at_us)

    def payments(self, n: int) -> list[str]:
        return [f"pf_{h}" for h in self._hex(n, 16)]

    def orgs(self, n: int) -> list[str]:
        return [f"org_{h}" for h in self._hex(n, 10)]

    def _hex(self, n: int, width: int) -> list[str]:
        raw = self.rng.integers(0, 1 << 62, size=n, dtype=np.int64)
        return [f"{v:016x}"[:width] for v in raw]

    def tz_of(self, accounts: np.ndarray) -> np.ndarray:
        return np.asarray(self._accounts["tz"], dtype=np.int64)[accounts]

    def labels(self) -> pa.Table:
        a = self._accounts
        return pa.table({"account_id": a["account_id"], "label": a["label"], "persona": a["persona"],
                         "campaign": a["campaign"]})

    def takeovers(self) -> pa.Table:
        """Campaign accounts with a life before the campaign: account_id, campaign, takeover time (µs)."""
        a = self._accounts
        rows = [i for i, t in enumerate(a["campaign_from"]) if t is not None]
        return pa.table({"account_id": pa.array([a["account_id"][i] for i in rows], pa.string()),
                         "campaign": pa.array([a["campaign"][i] for i in rows], pa.string()),
                         "campaign_from": pa.array([a["campaign_from"][i] for i in rows], pa.int64())})

    # --- timing -------------------------------------------------------------------------------------

    def schedule(self, accounts: np.ndarray, per_day: np.ndarray, *, profile: str = "waking",
                 active: float = 1.0, weekday_only: float = 0.0, first_day: int = 0,
                 last_day: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Requests of each account on each day (Poisson around `per_day`), at hours drawn from a profile.

        Returns (account index per request, time in µs), unsorted. `weekday_only` is the share of weekend
        activity removed; `active` the chance an account is active on a given day.
        """
        last_day = self.days if last_day is None else min(last_day, self.days)
        days = np.arange(first_day, last_day)
        if len(days) == 0 or len(accounts) == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        lam = np.outer(per_day, np.ones(len(days)))
        weekday = ((self.start_us // DAY_US + days + 3) % 7) < 5  # 1970-01-01 was a Thursday
        lam = lam * np.where(weekday, 1.0, 1.0 - weekday_only)
        counts = self.rng.poisson(lam) * (self.rng.random(lam.shape) < active)
        acc = np.repeat(np.repeat(accounts, len(days)), counts.ravel())
        day = np.repeat(np.tile(days, len(accounts)), counts.ravel())
        hour = self.rng.choice(24, size=len(acc), p=PROFILES[profile])
        local = day * DAY_US + hour * HOUR_US + self.rng.integers(0, HOUR_US, len(acc))
        t = self.start_us + local - self.tz_of(acc) * HOUR_US
        return acc, np.clip(t, self.start_us, self.start_us + self.days * DAY_US - 1)

    def conversations(self, acc: np.ndarray, t: np.ndarray, gap_us: int, max_turns: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Group each account's requests into conversations: sorted order, conversation ids, turn, first row.

        A new conversation starts after `gap_us` of silence or `max_turns` turns.
        """
        order = np.lexsort((t, acc))
        acc, t = acc[order], t[order]
        new = np.ones(len(acc), dtype=bool)
        new[1:] = (acc[1:] != acc[:-1]) | (np.diff(t) > gap_us)
        conv = np.cumsum(new) - 1
        start = np.flatnonzero(new)
        turn = np.arange(len(acc)) - start[conv]
        extra = turn // max_turns  # split long chats
        conv_id = conv * 64 + extra
        new_conv = np.ones(len(acc), dtype=bool)
        new_conv[1:] = conv_id[1:] != conv_id[:-1]
        conv = np.cumsum(new_conv) - 1
        first = np.flatnonzero(new_conv)[conv]
        turn = np.arange(len(acc)) - first
        return order, conv, turn, first

    # --- requests -----------------------------------------------------------------------------------

    def requests(self, acc: np.ndarray, t: np.ndarray, user: pa.Array, *, model: np.ndarray,
                 out_tokens: np.ndarray, addr: np.ndarray, ua: pa.Array, system: pa.Array | None = None,
                 history: pa.Array | None = None, conversation: np.ndarray | None = None,
                 temperature: np.ndarray | None = None, max_tokens: np.ndarray | None = None,
                 choices: np.ndarray | None = None, operation: str = "chat", tool_calls: float = 0.0,
                 status: np.ndarray | None = None, extra_input: np.ndarray | None = None) -> None:
        """Add requests given per-row columns; arrays of equal length n."""
        n = len(acc)
        if n == 0:
            return
        in_tok = text.token_estimate(user) + 3
        if system is not None:
            in_tok += text.token_estimate(system)
        if history is not None:
            in_tok += text.token_estimate(history)
        if extra_input is not None:
            in_tok += extra_input
        out = np.maximum(out_tokens.astype(np.int64), 1)
        finish = np.full(n, "stop", dtype=object)
        if max_tokens is not None:
            capped = out >= max_tokens
            out = np.minimum(out, max_tokens)
            finish[capped] = "length"
        if tool_calls:
            finish[self.rng.random(n) < tool_calls] = "tool_calls"
        if status is None:
            status = np.where(self.rng.random(n) < 0.003, 500, 200)
        failed = status != 200
        out = np.where(failed, 0, out)
        a = self._accounts
        conv_ids = None
        if conversation is not None:
            base = self.rng.integers(0, 1 << 40)
            conv_ids = pa.array([f"conv_{v:012x}" for v in (conversation + base)], pa.string())
        acc_arr = pa.array(acc)
        ids = pa.array(a["account_id"], pa.string())
        self._requests.append(pa.table({
            s.TIME: pa.array(t, pa.timestamp("us", tz="UTC")),
            s.ACCOUNT: ids.take(acc_arr),
            s.MODEL: pa.array(np.asarray(self.models, dtype=object)[model], pa.string()),
            s.INPUT_TOKENS: pa.array(in_tok, pa.int64()),
            s.OUTPUT_TOKENS: pa.array(out, pa.int64()),
            s.ADDRESS: pa.array(self.net.addresses, pa.string()).take(pa.array(addr)),
            s.EVENT_ID: pa.array(self._hex(n, 16), pa.string()),
            s.ORG: pa.array(a["org"], pa.string()).take(acc_arr),
            s.CREATED_AT: pa.array(np.asarray(a["created_at"], dtype=np.int64))
            .cast(pa.timestamp("us", tz="UTC")).take(acc_arr),
            s.EMAIL_DOMAIN: pa.array(a["email"], pa.string()).take(acc_arr),
            s.PAYMENT: pa.array(a["payment"], pa.string()).take(acc_arr),
            s.ACCOUNT_COUNTRY: pa.array(a["country"], pa.string()).take(acc_arr),
            s.API_KEY: pc.binary_join_element_wise(pa.scalar("key_"), ids.take(acc_arr), pa.scalar("")),
            s.ASN: pa.array(self.net.asns, pa.int64()).take(pa.array(addr)),
            s.GEO_COUNTRY: pa.array(self.net.countries, pa.string()).take(pa.array(addr)),
            s.USER_AGENT: ua,
            s.OPERATION: pa.array([operation] * n, pa.string()),
            s.CONVERSATION: conv_ids if conv_ids is not None else pa.nulls(n, pa.string()),
            s.TEMPERATURE: pa.array(temperature if temperature is not None else np.full(n, 1.0), pa.float64()),
            s.MAX_TOKENS: pa.array(max_tokens, pa.int64()) if max_tokens is not None else pa.nulls(n, pa.int64()),
            s.CHOICE_COUNT: pa.array(choices if choices is not None else np.ones(n, np.int64), pa.int64()),
            s.FINISH_REASONS: pa.array(np.where(failed, None, finish), pa.string()),
            s.MESSAGES: text.messages(system, history, user),
            s.STATUS: pa.array(status, pa.int64()),
            s.PATHWAY: pa.array(a["pathway"], pa.string()).take(acc_arr),
        }))

    def table(self) -> pa.Table:
        """Every request, in time order, in the api-log-v1 schema."""
        table = pa.concat_tables(self._requests).cast(s.ARROW_SCHEMA)
        return table.take(pc.sort_indices(table, [(s.TIME, "ascending")]))
