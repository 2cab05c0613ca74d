"""The guard in the request path: `Guard.decide(request) -> Decision`, state updated as requests stream in.

Per request the work is O(1): a few dict lookups, incremental feature counters, at most a handful of link
keys, and a policy evaluation only when the evidence changed. `decide` never raises: a request it cannot
read, or an internal error, yields the policy's safe default and is counted in `faults`.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import time as _time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aisac.enforce import RUNTIME  # set by the package before it imports this module
from aisac.enforce.actions import OUTCOME_OF, STICKY, Action
from aisac.enforce.clearance import Clearance
from aisac.enforce.features import AccountFeatures
from aisac.enforce.links import ACCOUNT_KEYS, CLEAN, FLAGGED, UNKNOWN, LinkGraph
from aisac.enforce.policy import Policy, load_policy
from aisac.enforce.request import Request, RequestError, from_mapping
from aisac.enforce.rules import CompiledPolicy
from aisac.enforce.seed import Seed
from aisac.enforce.signatures import Signatures
from aisac.enforce.state import AllowEntry, MemoryState, Snapshot, Standing, State
from aisac.enforce.template import fingerprint, parse_messages

log = logging.getLogger("aisac.enforce.guard")

#: Accounts whose campaign score reaches LINKED are rescored every LINKED_RESCORE requests.
LINKED, LINKED_RESCORE = 0.5, 4
#: An account with a behaviour history (`detection.min_requests` requests) whose request comes from a client
#: and a network block it never used before has changed hands or purpose (an aged account bought for a
#: campaign): its behaviour is judged afresh from that request, as a new account's would be. Up to
#: IDENTITY_CAP clients and blocks are remembered, which also bounds how often rotation can restart it.
IDENTITY_CAP = 8
#: The campaign key of campaign evidence that came from the batch detector's seed files.
DETECTOR_CAMPAIGN = "detector-campaign"
#: The guard's attributes that traffic changes (see Guard.learned); everything else comes from the policy.
LEARNED = ("accounts", "links", "state", "faults", "recent_faults", "shifts", "_hwm")
#: A standing's action label -> Action, without parsing it on every request.
_ACTION = {a.label: a for a in Action}
_LABEL = {a: a.label for a in Action}
#: Members as module constants: an enum member lookup on the class costs more than the comparison itself.
ALLOW, THROTTLE, DEGRADE = Action.ALLOW, Action.THROTTLE, Action.DEGRADE


def settle_gc() -> None:
    """Move everything alive now out of the collector's reach (`gc.freeze`), after a young collection.

    Why: the guard's state is millions of small long-lived objects (accounts, feature counters, link
    counts) with no reference cycles. CPython's full collection walks every tracked object and runs each
    time the long-lived population grows by a quarter, so a gateway whose state keeps growing pays pauses
    of tens to hundreds of milliseconds on whichever request triggers it. Frozen objects are never walked
    again; young collections stay as they are, so cyclic garbage made by the request path is still freed.
    Call it after warm-up and then now and again (the HTTP server does it every `SETTLE_EVERY_S`); the cost
    is one young collection. The trade: a cycle that is still alive when frozen is never collected.
    """
    gc.collect(1)
    gc.freeze()


@dataclass(slots=True)
class Decision:
    """What to do with one request, why, and under which policy version."""

    action: Action
    outcome: str
    account_id: str | None
    policy_version: str
    rules: tuple[str, ...] = ()
    message: str | None = None
    reference: str | None = None
    limits: Mapping[str, Any] | None = None
    retry_after_s: float | None = None
    fault: str | None = None
    account_score: float = 0.0
    campaign_score: float = 0.0

    @property
    def reason(self) -> str:
        """Why, in words; built on demand (most callers never read it, and formatting costs per request)."""
        if self.fault is not None:
            return f"safe default after {self.fault}"
        if self.action == Action.ALLOW:
            return ""
        rules = ", ".join(self.rules)
        return f"{rules}: account score {self.account_score:.2f}, campaign score {self.campaign_score:.2f}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": _LABEL[self.action],
            "outcome": self.outcome,
            "account_id": self.account_id,
            "policy_version": self.policy_version,
            "rules": list(self.rules),
            "reason": self.reason,
            "message": self.message,
            "reference": self.reference,
            "limits": dict(self.limits) if self.limits else None,
            "retry_after_s": self.retry_after_s,
            "fault": self.fault,
            "account_score": round(self.account_score, 4),
            "campaign_score": round(self.campaign_score, 4),
        }


class _Account:
    __slots__ = (
        "age_days",
        "burned",
        "campaign",
        "campaign_key",
        "clients",
        "cluster",
        "created_at",
        "ev",
        "ev_key",
        "features",
        "held",
        "jurisdiction",
        "key_memo",
        "links",
        "msg",
        "msg_ref",
        "nets",
        "org",
        "pathway",
        "score",
        "scored_n",
        "seed_campaign",
        "seed_flag",
        "seed_score",
        "sigs",
        "status",
    )

    def __init__(self) -> None:
        self.features = AccountFeatures()
        self.links: set[str] = set()
        self.clients: set[str] = set()
        self.nets: set[str] = set()
        self.burned: set[str] = set()
        self.status = UNKNOWN
        self.score = self.campaign = 0.0
        self.campaign_key: str | None = None
        self.cluster = 0.0
        self.scored_n = 0
        self.created_at: float | None = None
        self.age_days: float | None = None
        self.pathway: str | None = None
        self.org: str | None = None
        self.jurisdiction: str | None = None
        self.sigs: frozenset[str] = frozenset()
        self.seed_score = 0.0
        self.seed_flag = False
        self.seed_campaign = 0.0
        #: Memo of the last policy evaluation and the evidence it was made on.
        self.ev_key: tuple | None = None
        self.ev: tuple[Action, tuple[str, ...]] = (Action.ALLOW, ())
        #: Memo of the customer message: it only changes with the standing's reference (or its action).
        self.msg_ref: tuple[Action, str] | None = None
        self.msg: str | None = None
        #: Holds a sticky standing no rule can raise (see Guard._hold): decided from the standing alone.
        self.held = False
        #: What the last request's infrastructure fields (card, address, client, mail domain) and its
        #: prompt fingerprints made: ((fields, block, keys before the prompt keys, keys after them),
        #: (fingerprints, template key, system key, prompt keys)). Most requests repeat one or both, and
        #: then those keys are not rebuilt or rehashed.
        self.key_memo: tuple = (((), None, (), ()), ((), None, None, ()))


class Guard:
    """Decide per request; see the module docstring. `clock` switches to wall-clock mode (a live gateway):
    request times off by more than `clock.max_skew_s` are replaced by the clock and counted as faults.
    Without it (replay, tests) the guard runs on event time and tolerates lateness up to `max_reorder_s`."""

    def __init__(
        self,
        policy: Policy | None = None,
        state: State | None = None,
        *,
        clock: Callable[[], float] | None = None,
        seed: Seed | None = None,
    ):
        self.policy = policy or load_policy()
        self.compiled = CompiledPolicy(self.policy)
        self.version = self.policy.version
        self.state: State = state if state is not None else MemoryState()
        self.det = self.policy.detection
        self.links = LinkGraph(self.det.links)
        self.accounts: dict[str, _Account] = {}
        self.seed = seed or Seed()
        self.faults: Counter[str] = Counter()
        self.recent_faults: deque[str] = deque(maxlen=100)
        #: Accounts whose behaviour was restarted on a shift to a new client and network (see IDENTITY_CAP).
        self.shifts = 0
        self._clock = clock
        self._hwm = float("-inf")
        self._sigs = Signatures.of(self.policy)
        self._any_sigs = bool(self._sigs.exact or self._sigs.ua_contains)
        self._young_s = self.det.links.young_days * 86400
        self._ceiling = self.compiled.max_action
        self._min_requests, self._rescore_every = self.det.min_requests, self.det.rescore_every
        th = self.policy.throttle
        self._rate = th.requests_per_minute / 60.0
        self._burst = th.burst
        dg = self.policy.degrade
        self._limits = {
            "max_tokens": dg.max_tokens,
            "choice_count": dg.choice_count,
            "reasoning": dg.reasoning,
        }
        on = {p: w > 0 for p, w in self.links.weights.items()}
        self._on_pay, self._on_ip, self._on_net, self._on_ua = on["pay"], on["ip"], on["net"], on["ua"]
        self._on_tpl, self._on_sys, self._on_dom = on["tpl"], on["sys"], on["dom"]

    # -- public API ---------------------------------------------------------------------------------------

    def decide(self, request: Request | Mapping[str, Any]) -> Decision:
        """Never raises: unreadable requests and internal errors give the safe default, counted."""
        try:
            req = request if type(request) is Request else from_mapping(request)
        except RequestError as bad:
            return self._safe(None, "malformed", str(bad))
        except Exception as exc:
            return self._safe(None, "internal", f"{type(exc).__name__}: {exc}")
        try:
            return self._decide(req)
        except Exception as err:  # a name per clause: the compiled build types each one
            log.exception("guard internal error")
            return self._safe(req.account_id, "internal", f"{type(err).__name__}: {err}")

    def unreadable(self, account_id: str, detail: str) -> Decision:
        """A request whose body could not be read but whose account could: decided from its standing."""
        return self._safe(account_id, "malformed", f"{account_id}: {detail}")

    def evidence(self, account_id: str) -> dict[str, Any]:
        """What an analyst sees for an account: standing, scores, features and links (internal only)."""
        acct = self.accounts.get(account_id)
        out: dict[str, Any] = {"account_id": account_id, "standing": self.state.standing(account_id)}
        if acct is not None:
            out.update(
                account_score=round(acct.score, 4),
                campaign_score=round(acct.campaign, 4),
                campaign_key=acct.campaign_key,
                requests=acct.features.n,
                detector_flagged=acct.seed_flag,
                features={k: round(v, 4) for k, v in acct.features.shape(self.det).items()},
                links=sorted(acct.links),
                signatures=sorted(acct.sigs),
            )
        return out

    def reverse(self, account_id: str, appeal: str) -> AllowEntry:
        """Lift the account's standing at once and allow-list the exact evidence that caused it."""
        st = self.state.standing(account_id) or {}
        ev = st.get("evidence", {})
        acct = self.accounts.get(account_id)
        keys = set(ev.get("links", ()))
        if ev.get("campaign_key"):
            keys.add(ev["campaign_key"])
        entry: AllowEntry = {
            "rules": list(st.get("rules", [])),
            "account_score": float(ev.get("account_score", acct.score if acct else 0.0)),
            "keys": sorted(keys | (acct.links if acct else set())),
            "signatures": sorted(set(ev.get("signatures", ())) | (acct.sigs if acct else set())),
            "detector_flagged": bool(ev.get("detector_flagged", acct.seed_flag if acct else False)),
            "appeal": appeal,
        }
        self.state.lift(account_id, entry)
        if acct is not None:
            if acct.status != CLEAN:
                self.links.set_status(acct.links, acct.status, CLEAN)
                acct.status = CLEAN
            acct.ev_key = None
            acct.held = False
        return entry

    def learned(self) -> dict[str, Any]:
        """What the guard has learned from traffic so far (accounts, links, standings, faults, its event
        clock), picklable: a stream consumer stores it atomically with its offsets, and `restore` on a fresh
        guard of the same policy then decides the next request exactly as this guard would have."""
        return {name: getattr(self, name) for name in LEARNED}

    def restore(self, learned: Mapping[str, Any]) -> None:
        """Take up what `learned()` returned (the guard must have been made with the same policy)."""
        for name in LEARNED:
            setattr(self, name, learned[name])

    def stats(self) -> dict[str, Any]:
        return {
            "policy_version": self.version,
            "runtime": RUNTIME,
            "accounts": len(self.accounts),
            "link_keys": len(self.links.keys),
            "faults": dict(self.faults),
            "recent_faults": list(self.recent_faults),
        }

    # -- internals ----------------------------------------------------------------------------------------

    def _fault(self, kind: str, detail: str) -> None:
        self.faults[kind] += 1
        self.recent_faults.append(f"{kind}: {detail}")
        log.warning("guard fault %s: %s", kind, detail)

    def _safe(self, account_id: str | None, kind: str, detail: str) -> Decision:
        """The safe default, unless the account (when known) stands at a stricter sticky action: a request
        the guard cannot read must never lift a suspension."""
        self._fault(kind, detail)
        action = self.policy.safe_default
        rules: tuple[str, ...] = ()
        reference = None
        if account_id is not None:
            try:
                st = self.state.standing(account_id)
            except Exception as err:  # the shared state is unreachable: the safe default, counted
                self._fault("internal", f"{account_id}: standing unavailable: {type(err).__name__}")
                st = None
            if st is not None:
                held = _ACTION.get(st["action"]) or Action[st["action"].upper()]
                if held in STICKY and held > action:
                    action, rules, reference = held, tuple(st["rules"]), st["reference"]
        return Decision(
            action, OUTCOME_OF[action], account_id, self.version, rules=rules, reference=reference, fault=kind
        )

    def _time(self, req: Request) -> float:
        t, c = req.time, self.policy.clock
        if self._clock is not None:
            now = self._clock()
            if t is None:
                return now
            if abs(t - now) > c.max_skew_s:
                self._fault("clock_skew", f"{req.account_id}: request time {t - now:+.0f}s from the clock")
                return now
            return t
        if t is None:
            self._fault("missing_time", f"{req.account_id}: no usable time; using the latest seen")
            return self._hwm if self._hwm > float("-inf") else 0.0
        if t < self._hwm - c.max_reorder_s:
            self._fault("out_of_order", f"{req.account_id}: {self._hwm - t:.0f}s late; using the latest seen")
            return self._hwm
        if t > self._hwm:
            self._hwm = t
        return t

    def _new_account(self, account_id: str) -> _Account:
        acct = _Account()
        seeded = self.seed.accounts.get(account_id)
        if seeded is not None:
            acct.seed_score, acct.seed_flag, campaign = seeded
            acct.score = acct.seed_score
            acct.seed_campaign = self.seed.campaign_score(campaign)
            acct.campaign = acct.seed_campaign
        self.accounts[account_id] = acct
        return acct

    def _link_keys(
        self, acct: _Account, req: Request, template: str | None, system: str | None
    ) -> tuple[str | None, tuple[str, ...], str | None, str | None]:
        """(address block, link keys, template key, system key) of a request, from the account's memo of its
        last request where the infrastructure fields or the prompt fingerprints are the same."""
        infra_memo, prompt_memo = acct.key_memo
        fields = (req.payment, req.address, req.user_agent, req.email_domain)
        if fields == infra_memo[0]:
            _, block, head, tail = infra_memo
        else:
            block = self.links.block(req.address) if req.address else None
            head, tail = self._infra_keys(req, block)
            infra_memo = (fields, block, head, tail)
        if (template, system) == prompt_memo[0]:
            _, tkey, skey, mid = prompt_memo
        else:
            tkey = None if template is None else "tpl:" + template
            skey = None if system is None else "sys:" + system
            mid = tuple(k for k, on in ((tkey, self._on_tpl), (skey, self._on_sys)) if k is not None and on)
            prompt_memo = ((template, system), tkey, skey, mid)
        acct.key_memo = (infra_memo, prompt_memo)
        return block, head + mid + tail if mid or tail else head, tkey, skey

    def _infra_keys(self, req: Request, block: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The request's infrastructure link keys: card, address, block and client come before its prompt
        keys (template, system prompt), the mail domain after them. The order decides which keys an account
        at its ACCOUNT_KEYS cap still remembers."""
        head = []
        if req.payment and self._on_pay:
            head.append("pay:" + req.payment)
        if req.address:
            if self._on_ip:
                head.append("ip:" + req.address)
            if self._on_net and block is not None:
                head.append("net:" + block)
        if req.user_agent and self._on_ua:
            head.append("ua:" + req.user_agent)
        tail = ("dom:" + req.email_domain.lower(),) if req.email_domain and self._on_dom else ()
        return tuple(head), tail

    def _decide(self, req: Request) -> Decision:
        if req.faults:
            for fault in req.faults:
                kind = "unknown_field" if fault.startswith("unknown") else "bad_field"
                self._fault(kind, f"{req.account_id}: {fault}")
        t = self._time(req)
        aid = req.account_id
        acct = self.accounts.get(aid) or self._new_account(aid)
        if req.created_at is not None:
            acct.created_at = req.created_at
        if req.pathway is not None:
            acct.pathway = req.pathway
        if req.org is not None:
            acct.org = req.org
        if acct.held:
            # Suspended (or at whatever the policy's ceiling is): the answer is the standing until an analyst
            # lifts it, so its requests are refused at the cost of one state lookup. A campaign hammering
            # the API after suspension cannot slow the gateway down for everybody else.
            snap = self.state.lookup(aid, ())
            if snap.standing is not None and self._at_ceiling(snap.standing):
                return self._apply(aid, acct, snap, ALLOW, (), t, acct.campaign, acct.campaign_key)
            acct.held = False
        jurisdiction = req.geo_country or req.country

        template = system = multi = None
        if req.messages is not None:
            msgs = parse_messages(req.messages)
            if msgs is None:
                self._fault("bad_field", f"{aid}: gen_ai.input.messages is not a JSON array")
            else:
                template, system, multi = fingerprint(msgs)
        block, keys, tkey, skey = self._link_keys(acct, req, template, system)
        if req.user_agent is not None and req.address is not None:
            self._identity(acct, req.user_agent, block)
        params = None
        if req.temperature is not None or req.max_tokens is not None or req.choice_count is not None:
            params = (req.temperature, req.max_tokens, req.choice_count)
        f = acct.features
        f.observe(
            t,
            req.input_tokens,
            req.output_tokens,
            params,
            req.conversation,
            template,
            multi,
            req.choice_count,
            self.det,
        )

        if tkey is not None:
            f.use(tkey)
        if skey is not None:
            f.use(skey)
        known = acct.links.issuperset(keys)
        if len(acct.links) < ACCOUNT_KEYS and not known:
            young = acct.created_at is not None and t - acct.created_at < self._young_s
            self.links.attach(acct.links, acct.status, keys, acct.org, young)
        snap = self.state.lookup(aid, keys)
        if snap.burned:
            acct.burned |= snap.burned
        if self._any_sigs:
            hits = self._sigs.hits(
                {
                    "payment": req.payment,
                    "address": req.address,
                    "user_agent": req.user_agent,
                    "template": template,
                    "asn": None if req.asn is None else str(req.asn),
                    "email_domain": req.email_domain,
                    "block": block,
                }
            )
            if hits - acct.sigs:
                acct.sigs = acct.sigs | hits

        clear = Clearance.of(snap.allowed) if snap.allowed else None
        ignore = clear.keys if clear else frozenset()
        n, min_requests = f.n, self._min_requests
        since = n - acct.scored_n
        rescored = (
            since >= self._rescore_every
            or n == min_requests
            or clear is not None
            # tied to a campaign but not yet stopped: watch closely
            or (since >= LINKED_RESCORE and acct.campaign >= LINKED and snap.standing is None)
        )
        if rescored:
            self._rescore(acct, t, clear is not None, ignore)
        if acct.created_at is not None:
            acct.age_days = float((t - acct.created_at) // 86400)  # whole days: the evidence changes daily
        campaign, ckey, cluster = acct.campaign, acct.campaign_key, acct.cluster
        if (not known or snap.burned or n <= min_requests) and not (rescored and acct.links.issuperset(keys)):
            # New keys, burned keys or a new account: look now. Otherwise the account's keys were all
            # weighed at its last rescore, which runs every few requests (a rescore of a superset of the
            # request's keys, with every burned key it has seen, scores at least as high as they would).
            now, now_key = self.links.campaign(keys, acct.status, acct.links, snap.burned, ignore, acct.org, f.coverage)
            if now > campaign:
                campaign, ckey = now, now_key
            cluster = max(cluster, self.links.cluster(keys))
        score, sigs, flagged = acct.score, acct.sigs, acct.seed_flag
        if clear is not None:
            score, sigs, flagged = clear.apply(score, sigs, flagged)

        ev_key = (
            score,
            campaign,
            cluster,
            sigs,
            jurisdiction,
            acct.age_days,
            flagged,
            self.compiled.requests_band(n),
            acct.pathway,
        )
        if ev_key != acct.ev_key:
            acct.ev = self.compiled.evaluate_values(
                score, campaign, cluster, n, acct.age_days, acct.pathway, jurisdiction, sigs, flagged
            )
            acct.ev_key = ev_key
        action, rules = acct.ev
        return self._apply(aid, acct, snap, action, rules, t, campaign, ckey)

    def _at_ceiling(self, standing: Standing) -> bool:
        held = _ACTION.get(standing["action"]) or Action[standing["action"].upper()]
        return held in STICKY and held >= self._ceiling

    def _hold(self, acct: _Account) -> None:
        """From now on decide the account from its standing alone (see `_decide`). Its later traffic is not
        scored, so it counts as flagged for linking from here on: the guard has judged it part of a
        campaign, and its cards, templates and addresses tie newcomers to it until an analyst lifts that."""
        acct.held = True
        if acct.status != FLAGGED:
            self.links.set_status(acct.links, acct.status, FLAGGED)
            acct.status = FLAGGED

    def _identity(self, acct: _Account, client: str, block: str | None) -> None:
        """Remember the account's clients and networks; on a shift to new ones, restart its behaviour."""
        new_client = client not in acct.clients and len(acct.clients) < IDENTITY_CAP
        new_net = block is not None and block not in acct.nets and len(acct.nets) < IDENTITY_CAP
        if new_client and new_net and acct.features.n >= self.det.min_requests:
            acct.features = AccountFeatures()
            acct.scored_n = 0
            acct.score = acct.seed_score
            acct.ev_key = None
            self.shifts += 1
        if new_client:
            acct.clients.add(client)
        if new_net and block is not None:
            acct.nets.add(block)

    def _rescore(self, acct: _Account, t: float, cleared: bool, ignore: frozenset[str]) -> None:
        f = acct.features
        acct.scored_n = f.n
        acct.score = max(f.score(self.det), acct.seed_score)
        if (acct.score >= self.det.flag_score or acct.seed_flag) and not cleared:
            status = FLAGGED
        else:
            status = CLEAN if cleared or f.n >= self.det.min_requests else UNKNOWN
        if status != acct.status:
            self.links.set_status(acct.links, acct.status, status)
            acct.status = status
        full, key = self.links.campaign(acct.links, status, acct.links, acct.burned, ignore, acct.org, f.coverage)
        if acct.seed_campaign > full and DETECTOR_CAMPAIGN not in ignore:
            full, key = acct.seed_campaign, DETECTOR_CAMPAIGN
        acct.campaign, acct.campaign_key = full, key
        acct.cluster = self.links.cluster(acct.links)

    def _apply(
        self,
        aid: str,
        acct: _Account,
        snap: Snapshot,
        action: Action,
        rules: tuple[str, ...],
        t: float,
        campaign: float,
        ckey: str | None,
    ) -> Decision:
        st = snap.standing
        reference = None
        held = ALLOW
        if st is not None:
            held = _ACTION.get(st["action"]) or Action[st["action"].upper()]
            reference = st["reference"]
            if held in STICKY and held >= action:
                action, rules = held, tuple(st["rules"])
        if action >= THROTTLE and (st is None or action > held):
            reference = self._record(aid, acct, action, rules, t, campaign, ckey)
        if action >= self._ceiling and action in STICKY and not acct.held:
            self._hold(acct)
        if action == ALLOW:
            return Decision(action, "served", aid, self.version, (), None, None, None, None, None, acct.score, campaign)
        outcome, wait, limits = OUTCOME_OF[action], None, None
        if action == THROTTLE:
            wait = self.state.take(aid, self._rate, self._burst, t)
            if wait > 0.0:
                outcome = "throttled"
            else:
                wait = None
        elif action == DEGRADE:
            limits = self._limits
        message = None
        if action >= THROTTLE and reference:
            if acct.msg_ref != (action, reference):
                acct.msg_ref, acct.msg = (action, reference), self.policy.message(action, reference)
            message = acct.msg
        return Decision(
            action,
            outcome,
            aid,
            self.version,
            rules,
            message,
            reference,
            limits,
            wait,
            None,
            acct.score,
            campaign,
        )

    def _record(
        self,
        aid: str,
        acct: _Account,
        action: Action,
        rules: tuple[str, ...],
        t: float,
        campaign: float,
        ckey: str | None,
    ) -> str:
        reference = "R-" + hashlib.blake2b(f"{aid}|{t}|{action.label}".encode(), digest_size=5).hexdigest()
        evidence = {
            "account_score": round(acct.score, 4),
            "campaign_score": round(campaign, 4),
            "campaign_key": ckey,
            "cluster_score": round(acct.cluster, 4),
            "requests": acct.features.n,
            "signatures": sorted(acct.sigs),
            "detector_flagged": acct.seed_flag,
            "features": {k: round(v, 4) for k, v in acct.features.shape(self.det).items()},
            "links": sorted(acct.links),
            "pathway": acct.pathway,
            "account_age_days": acct.age_days,
        }
        self.state.record(
            aid,
            {
                "action": action.label,
                "rules": list(rules),
                "policy_version": self.version,
                "since": t,
                "recorded_at": _time.time(),
                "reference": reference,
                "evidence": evidence,
            },
        )
        if action >= self.det.links.burn_from:
            self.state.burn(self.links.burnable(acct.links), reference)
        return reference
