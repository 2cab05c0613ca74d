"""Shared enforcement state: standings (actions in force and their evidence), appeal allow-lists, burned
campaign keys and throttle token buckets. In memory by default; Redis when several gateway processes must
agree (a suspension or a reversal made by one is seen by all on their next request).

Behaviour features and link counts stay in each process (they are rebuilt from traffic); what must be
shared is what has been *decided*.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import orjson
import redis
from redis.exceptions import WatchError

Standing = dict  # {"action", "rules", "policy_version", "since", "reference", "evidence"}
AllowEntry = dict  # {"rules", "account_score", "campaign_score", "keys", "appeal"}


@dataclass(slots=True)
class Snapshot:
    standing: Standing | None
    allowed: tuple[AllowEntry, ...]
    burned: set[str] | frozenset[str]  # read-only


#: The burned keys of a request that has none (most): one shared empty set instead of a new one each time.
_NONE_BURNED: frozenset[str] = frozenset()
#: The snapshot of most requests (no standing, no allow-list, nothing burned), shared; snapshots are read-only.
_NOTHING = Snapshot(None, (), _NONE_BURNED)


class State(Protocol):
    def lookup(self, account: str, keys: tuple[str, ...]) -> Snapshot: ...
    def standing(self, account: str) -> Standing | None: ...
    def record(self, account: str, standing: Standing) -> None: ...
    def lift(self, account: str, entry: AllowEntry) -> None: ...
    def burn(self, keys: list[str], ref: str) -> None: ...
    def take(self, account: str, rate_per_s: float, burst: float, now: float) -> float: ...


def _refill(tokens: float, ts: float, rate: float, burst: float, now: float) -> tuple[float, float]:
    return min(burst, tokens + max(0.0, now - ts) * rate), max(ts, now)


class MemoryState:
    """Process-local state: plain dicts."""

    def __init__(self) -> None:
        self._standing: dict[str, Standing] = {}
        self._allowed: dict[str, tuple[AllowEntry, ...]] = {}
        self._burned: dict[str, str] = {}
        self._buckets: dict[str, list[float]] = {}

    def lookup(self, account: str, keys: tuple[str, ...]) -> Snapshot:
        burned = self._burned
        if burned and not burned.keys().isdisjoint(keys):
            return Snapshot(
                self._standing.get(account), self._allowed.get(account, ()), {k for k in keys if k in burned}
            )
        standing = self._standing.get(account)
        allowed = self._allowed.get(account, ())
        return Snapshot(standing, allowed, _NONE_BURNED) if standing or allowed else _NOTHING

    def standing(self, account: str) -> Standing | None:
        return self._standing.get(account)

    def record(self, account: str, standing: Standing) -> None:
        self._standing[account] = standing

    def lift(self, account: str, entry: AllowEntry) -> None:
        self._standing.pop(account, None)
        self._buckets.pop(account, None)
        self._allowed[account] = (*self._allowed.get(account, ()), entry)

    def burn(self, keys: list[str], ref: str) -> None:
        for k in keys:
            self._burned.setdefault(k, ref)

    def take(self, account: str, rate_per_s: float, burst: float, now: float) -> float:
        """Take one token; 0.0 when granted, else seconds until one is available."""
        b = self._buckets.get(account)
        tokens, ts = _refill(b[0], b[1], rate_per_s, burst, now) if b else (burst, now)
        if tokens >= 1.0:
            self._buckets[account] = [tokens - 1.0, ts]
            return 0.0
        self._buckets[account] = [tokens, ts]
        return (1.0 - tokens) / rate_per_s


_TAKE = """
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
if now > ts then ts = now end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(ts))
redis.call('EXPIRE', KEYS[1], 86400)
return tostring(wait)
"""


class RedisState:
    """The same state in Redis (redis-py), one pipelined round trip per `lookup`."""

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", prefix: str = "aisac:"):
        self.r = redis.Redis.from_url(url)
        self.p = prefix
        self._take = self.r.register_script(_TAKE)

    def lookup(self, account: str, keys: tuple[str, ...]) -> Snapshot:
        pipe = self.r.pipeline(transaction=False)
        pipe.hget(self.p + "standing", account)
        pipe.hget(self.p + "allow", account)
        if keys:
            pipe.hmget(self.p + "burned", keys)
        res = pipe.execute()
        burned = {k for k, v in zip(keys, res[2], strict=True) if v is not None} if keys else set()
        return Snapshot(
            orjson.loads(res[0]) if res[0] else None,
            tuple(orjson.loads(res[1])) if res[1] else (),
            burned,
        )

    def standing(self, account: str) -> Standing | None:
        raw = self.r.hget(self.p + "standing", account)
        return orjson.loads(raw) if raw else None

    def record(self, account: str, standing: Standing) -> None:
        self.r.hset(self.p + "standing", account, orjson.dumps(standing))

    def lift(self, account: str, entry: AllowEntry) -> None:
        with self.r.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(self.p + "allow")
                    raw = pipe.hget(self.p + "allow", account)
                    entries = [*(orjson.loads(raw) if raw else []), entry]
                    pipe.multi()
                    pipe.hdel(self.p + "standing", account)
                    pipe.delete(self.p + "bucket:" + account)
                    pipe.hset(self.p + "allow", account, orjson.dumps(entries))
                    pipe.execute()
                    return
                except WatchError:  # another writer changed the allow-list first: read it again
                    continue

    def burn(self, keys: list[str], ref: str) -> None:
        if keys:
            pipe = self.r.pipeline(transaction=False)
            for k in keys:
                pipe.hsetnx(self.p + "burned", k, ref)
            pipe.execute()

    def take(self, account: str, rate_per_s: float, burst: float, now: float) -> float:
        return float(self._take(keys=[self.p + "bucket:" + account], args=[rate_per_s, burst, now]))
