"""The `field` family: a second, independently written generator of one lab's week.

Written from descriptions of the threat (reasoning-trace harvesting through hydra networks, relays that blend
a capability sweep into real customers' traffic, load-balanced agent harnesses on residential proxies,
slow-and-low and aged accounts) and of a gateway's logging, not from the detector: phrasing comes from
`wording` (many languages, composed per request), every persona's parameters are drawn per seed, and the
gateway's logging quirks differ from the default family (clients always send `max_tokens`, the gateway
drops `temperature` and conversation ids). Hard negatives: a tutoring app whose every request asks for
step-by-step working, evaluation labs sweeping chain-of-thought benchmarks at the release, enterprise batch
accounts on one card, coding agents, a legitimate router, people behind carrier NAT and VPNs, and ordinary
users jumping to the new model the hour it is released.

It reuses the builder (`Lab`: accounts, schedules, columns) and the address space; nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aisac.logs import schema as s
from aisac.simulate.families import wording as W
from aisac.simulate.lab import DAY_US, HOUR_US, Lab
from aisac.simulate.world import EMAIL_DOMAINS, MODELS, USER_AGENTS

MINUTE_US = 60_000_000
NEW = len(MODELS) - 1  # index of the model released during the week
COUNTRIES = ("US", "US", "GB", "DE", "FR", "JP", "KR", "IN", "BR", "CA", "CN", "TR", "AU")


class Week:
    """Per-seed facts every persona sees: the builder, the release time, shared address pools."""

    def __init__(self, lab: Lab):
        self.lab, self.rng = lab, lab.rng
        self.release_us = lab.start_us + int(self.rng.uniform(1.5, max(1.6, lab.days - 2.5)) * DAY_US)
        self.cgnat = lab.net.pool("mobile", blocks=3, hosts_per_block=8)  # many strangers behind few exits
        self.vpn = lab.net.pool("vpn", blocks=2, hosts_per_block=10)
        # Residential proxy network: many single homes, each a different /24; rented per request.
        self.residential = lab.net.singles("residential", 1500)

    def models(self, t: np.ndarray, adopt: float, lag_h: float = 24.0) -> np.ndarray:
        """Model per request: an old mix, moving to the new model after the release (ramping over `lag_h`)."""
        rng = self.rng
        model = rng.choice(NEW, size=len(t), p=rng.dirichlet(np.ones(NEW)))
        since = (t - self.release_us) / (lag_h * HOUR_US)
        moved = (t >= self.release_us) & (rng.random(len(t)) < adopt * np.clip(since + 0.2, 0, 1))
        model[moved] = NEW
        return model


def _ua(rng: np.random.Generator, kinds: tuple[str, ...], n: int) -> list[str]:
    pool = [u for k in kinds for u in USER_AGENTS[k]]
    return [pool[i] for i in rng.integers(0, len(pool), n)]


def _per_account(values: list, acc: np.ndarray, first: int) -> pa.Array:
    return pa.array(values).take(pa.array(acc - first))


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return rng.lognormal(np.log(median), sigma, n)


def _conversations(week: Week, acc: np.ndarray, t: np.ndarray, gap_us: int, turns: int, first_text: pa.Array,
                   follow: pa.Array) -> tuple[np.ndarray, pa.Array, pa.Array]:
    """(order, user text, history) for chats: later turns carry the first turn as history."""
    order, _, turn, first = week.lab.conversations(acc, t, gap_us, turns)
    firsts = first_text.take(pa.array(order))
    user = pc.if_else(pa.array(turn > 0), follow.take(pa.array(order)), firsts)
    reply = W.escaped(["Sure - here's how it works."])[0].as_py()
    history = pc.if_else(pa.array(turn > 0), W.join(
        pa.array(['{"role":"user","parts":[{"type":"text","content":"'] * len(order)),
        firsts.take(pa.array(first)),
        pa.array([f'"}}]}},{{"role":"assistant","parts":[{{"type":"text","content":"{reply}"}}]}},'] * len(order)),
        sep=""), pa.scalar("", pa.string()))
    return order, user, history


def _fields(rng: np.random.Generator, acc: np.ndarray, n_accounts: int, k: int, loyalty: float,
            pool: tuple[str, ...] | None = None) -> np.ndarray:
    options = np.array([W.FIELDS.index(f) for f in pool] if pool else range(len(W.FIELDS)))
    fav = options[rng.integers(0, len(options), (n_accounts, k))]
    own = fav[acc, rng.integers(0, k, len(acc))]
    return np.where(rng.random(len(acc)) < loyalty, own, options[rng.integers(0, len(options), len(acc))])


def _budget(rng: np.random.Generator, n: int) -> np.ndarray:
    """Per account, the max_tokens its client always sends (SDK defaults and app settings)."""
    return rng.choice([256, 512, 1024, 1024, 2048, 4096, 4096, 8192, 16384], n)


# --- benign ------------------------------------------------------------------------------------------


def people(week: Week, scale: float) -> None:
    """People chatting in many languages: home broadband, carrier NAT, VPN; some early adopters."""
    lab, rng = week.lab, week.rng
    n = max(20, round(scale * rng.uniform(1800, 2600)))
    ids = lab.accounts(n, persona="hobbyist", created_days_ago=rng.uniform(1, 1200, n),
                       email=_choice(rng, EMAIL_DOMAINS["consumer"], n), payment=lab.payments(n),
                       country=_choice(rng, COUNTRIES, n))
    home = lab.net.singles("residential", n, ipv6_share=0.2)
    where = rng.random(n)
    addr = np.where(where < rng.uniform(0.15, 0.3), rng.choice(week.cgnat, n),
                    np.where(where > 1 - rng.uniform(0.05, 0.15), rng.choice(week.vpn, n), home))
    ua = _ua(rng, ("browser", "browser", "sdk"), n)
    acc, t = lab.schedule(ids, _lognormal(rng, rng.uniform(4, 9), 0.9, n), profile="waking",
                          active=rng.uniform(0.3, 0.6))
    m = len(acc)
    first = W.fill(rng, W.ASKS, m, s=W.subjects(rng, _fields(rng, acc - ids[0], n, 2, 0.8)))
    order, user, history = _conversations(week, acc, t, 25 * MINUTE_US, int(rng.integers(3, 9)), first,
                                          W.pick(rng, W.FOLLOW_UPS, m))
    acc, t = acc[order], t[order]
    early = rng.random(n) < 0.1  # keen users try the new model the hour it ships
    model = week.models(t, 0.3)
    jump = early[acc - ids[0]] & (t >= week.release_us)
    model[jump] = NEW
    lab.requests(acc, t, user, history=history, model=model, out_tokens=_lognormal(rng, 300, 0.8, m),
                 addr=addr[acc - ids[0]], ua=_per_account(ua, acc, ids[0]),
                 max_tokens=_budget(rng, n)[acc - ids[0]])


def developers(week: Week, scale: float) -> None:
    lab, rng = week.lab, week.rng
    n = max(10, round(scale * rng.uniform(500, 900)))
    ids = lab.accounts(n, persona="developer", created_days_ago=rng.uniform(1, 900, n),
                       email=_choice(rng, EMAIL_DOMAINS["consumer"], n), payment=lab.payments(n),
                       country=_choice(rng, COUNTRIES, n))
    addr = np.where(rng.random(n) < 0.2, rng.choice(lab.net.pool("cloud", 4, 20), n),
                    lab.net.singles("residential", n))
    acc, t = lab.schedule(ids, _lognormal(rng, rng.uniform(10, 25), 1.0, n), profile="work", active=0.6,
                          weekday_only=0.7)
    m = len(acc)
    first = W.fill(rng, W.ASKS, m, s=W.subjects(rng, _fields(rng, acc - ids[0], n, 2, 0.9,
                                                             ("programming", "networking", "statistics"))))
    order, user, history = _conversations(week, acc, t, 10 * MINUTE_US, 4, first, W.pick(rng, W.FOLLOW_UPS, m))
    acc, t = acc[order], t[order]
    lab.requests(acc, t, user, history=history, model=week.models(t, 0.5, 6), out_tokens=_lognormal(rng, 450, 0.9, m),
                 addr=addr[acc - ids[0]], ua=_per_account(_ua(rng, ("sdk", "tool"), n), acc, ids[0]),
                 max_tokens=_budget(rng, n)[acc - ids[0]])


def _service(week: Week, persona: str, n: int, per_day: tuple[float, float], user: Callable[[int], pa.Array],
             system: Callable[[int], pa.Array] | None, out_median: float, max_tokens: int, profile: str = "waking",
             ua: str | None = None, context: tuple[int, int] = (0, 500), tool_calls: float = 0.0,
             label: str = "benign", campaign: str = "", same_card: bool = False) -> np.ndarray:
    """Accounts serving many end users (products, routers, relays): high volume from cloud egress."""
    lab, rng = week.lab, week.rng
    cards = lab.payments(1) * n if same_card else lab.payments(n)
    org = lab.orgs(1) * n if same_card else lab.orgs(n)
    ids = lab.accounts(n, persona=persona, label=label, campaign=campaign, org=org,
                       created_days_ago=rng.uniform(60, 1500, n), email=[f"{persona[:4]}{rng.integers(9)}.example"] * n,
                       payment=cards, country=["US"] * n, pathway=["enterprise"] * n)
    egress = lab.net.pool("cloud", 1, 6)
    acc, t = lab.schedule(ids, rng.uniform(*per_day, n), profile=profile)
    m = len(acc)
    agent = ua or _ua(rng, ("sdk",), 1)[0]
    lab.requests(acc, t, user(m), system=system(m) if system else None, model=week.models(t, 0.3, 48),
                 out_tokens=_lognormal(rng, out_median, 0.6, m), addr=rng.choice(egress, m),
                 ua=pa.array([agent] * m, pa.string()), max_tokens=np.full(m, max_tokens), tool_calls=tool_calls,
                 extra_input=rng.integers(*context, m))
    return ids


def tutoring_app(week: Week, scale: float) -> None:
    """A school tutoring product: every request asks for step-by-step working, narrow school fields."""
    rng = week.rng
    for _ in range(int(rng.integers(1, 3))):
        _service(week, "tutoring_app", 1, (1500 * max(scale, 0.3), 3000 * max(scale, 0.3)),
                 lambda m: W.fill(rng, W.TUTOR_ASKS, m, s=W.subjects(
                     rng, _fields(rng, np.zeros(m, np.int64), 1, 5, 0.0, W.SCHOOL))),
                 lambda m: W.escaped([W.TUTOR_SYSTEM] * m), out_median=700, max_tokens=2048,
                 ua="pip-tutor-backend/2.3")


def router(week: Week, scale: float) -> None:
    """A legitimate router: many end users' own prompts (their apps' system prompts), every field."""
    rng = week.rng
    _service(week, "aggregator", int(rng.integers(1, 3)), (2000 * max(scale, 0.3), 4000 * max(scale, 0.3)),
             lambda m: W.either(rng, 0.02, W.join(W.subjects(rng, rng.integers(0, len(W.FIELDS), m)),
                                                  W.pick(rng, W.REASONING_ASKS, m)),
                                W.fill(rng, W.ASKS, m, s=W.subjects(rng, rng.integers(0, len(W.FIELDS), m)))),
             lambda m: W.either(rng, 0.6, W.pick(rng, W.CUSTOMER_APPS, m), pa.array([""] * m, pa.string())),
             out_median=450, max_tokens=4096, ua="relayhub/3.1")


def coding_products(week: Week, scale: float) -> None:
    """A coding product's backend: tool-using agent turns for many developers."""
    rng = week.rng
    for _ in range(max(1, round(scale * rng.uniform(3, 7)))):
        _service(week, "coding_agent", 1, (1200, 2500),
                 lambda m: _tickets(rng, m, W.numbers(rng, m)), lambda m: W.escaped([W.PRODUCT_AGENT_SYSTEM] * m),
                 out_median=700, max_tokens=8192, profile="work", ua="larkspur-agent/0.9", context=(3000, 25000),
                 tool_calls=0.6)


def enterprise_batch(week: Week, scale: float) -> None:
    """Batch jobs of one company on one card: one task shape, overnight bursts, several accounts."""
    rng = week.rng
    for _ in range(max(1, round(scale * rng.uniform(3, 6)))):
        _service(week, "enterprise_batch", int(rng.integers(2, 6)), (300, 1200),
                 lambda m: W.pick(rng, W.BATCH_TASKS, m), None, out_median=150, max_tokens=400,
                 profile=str(rng.choice(["waking", "work"])), ua="docpipe/7.2", context=(400, 4000), same_card=True)


def eval_labs(week: Week, scale: float) -> None:
    """Evaluation labs: CoT benchmark sweeps over every field, a large burst on the new model at release."""
    lab, rng = week.lab, week.rng
    for _ in range(max(1, round(scale * rng.uniform(2, 4)))):
        k = int(rng.integers(1, 4))
        ids = lab.accounts(k, persona="eval_lab", org=lab.orgs(1) * k, created_days_ago=rng.uniform(90, 900, k),
                           email=[f"evals{rng.integers(100)}.example"] * k, payment=lab.payments(1) * k,
                           country=["US"] * k, pathway=["enterprise"] * k)
        egress = lab.net.pool("cloud", 1, 4)
        acc, t = lab.schedule(ids, np.full(k, rng.uniform(20, 80)), profile="work", weekday_only=0.9)
        start = week.release_us + int(rng.uniform(0.2, 6) * HOUR_US)
        total = int(k * rng.uniform(1500, 4000))
        b_acc = rng.choice(ids, total)
        b_t = start + rng.integers(0, int(rng.uniform(6, 20) * HOUR_US), total)
        end = lab.start_us + lab.days * DAY_US - 1
        acc, t = np.concatenate([acc, b_acc]), np.minimum(np.concatenate([t, b_t]), end)
        m = len(acc)
        model = week.models(t, 0.0)
        model[len(acc) - total:] = NEW
        text = W.fill(rng, W.EVAL_SHAPES, m, s=W.subjects(rng, rng.integers(0, len(W.FIELDS), m)))
        lab.requests(acc, t, text, model=model, out_tokens=_lognormal(rng, 900, 0.5, m), addr=rng.choice(egress, m),
                     ua=pa.array(["lm-eval-runner/0.4"] * m, pa.string()), max_tokens=np.full(m, 2048),
                     choices=rng.choice([1, 1, 1, 4], m))


def cron_jobs(week: Week, scale: float) -> None:
    lab, rng = week.lab, week.rng
    n = max(5, round(scale * rng.uniform(100, 250)))
    ids = lab.accounts(n, persona="cron_script", created_days_ago=rng.uniform(10, 900, n),
                       email=_choice(rng, EMAIL_DOMAINS["consumer"], n), payment=lab.payments(n),
                       country=_choice(rng, COUNTRIES, n))
    period = rng.choice([10, 30, 60, 240, 1440], n) * MINUTE_US
    per = (lab.days * DAY_US) // period
    acc = np.repeat(ids, per)
    k = np.arange(len(acc)) - np.repeat(np.cumsum(per) - per, per)
    i = acc - ids[0]
    t = lab.start_us + rng.integers(0, 10 * MINUTE_US, n)[i] + k * period[i] + rng.integers(0, 5_000_000, len(acc))
    m = len(acc)
    lab.requests(acc, t, W.fill(rng, W.NEWS_TASKS, m, s=W.subjects(rng, rng.integers(0, len(W.FIELDS), m))),
                 model=np.full(m, int(rng.integers(0, NEW))), out_tokens=_lognormal(rng, 200, 0.3, m),
                 addr=lab.net.singles("residential", n)[i],
                 ua=_per_account(_ua(rng, ("tool",), n), acc, ids[0]), max_tokens=_budget(rng, n)[i])


def _tickets(rng: np.random.Generator, m: int, numbers: pa.Array) -> pa.Array:
    return W.join(W.join("Ticket", numbers, sep=" #"), W.pick(rng, W.TICKET_VERBS, m), W.pick(rng, W.TICKET_OBJECTS, m),
                  W.join("in", W.pick(rng, W.TICKET_PLACES, m)), sep=" ")


def _choice(rng: np.random.Generator, options, n: int) -> list:
    return [options[i] for i in rng.integers(0, len(options), n)]


# --- campaigns ---------------------------------------------------------------------------------------


class Operator:
    """One operator's accounts and what its tooling fixes for all of them (cards, harness, exits, client)."""

    def __init__(self, week: Week, kind: str, number: int, n: int, *, age_days: np.ndarray, cards_per: float,
                 pathway: str = "self_serve"):
        lab, rng = week.lab, week.rng
        self.week, self.kind, self.rng = week, kind, rng
        self.name = f"C{number:02d}-{kind}"
        cards = lab.payments(max(1, int(n / cards_per)))
        payment = [cards[i] for i in rng.integers(0, len(cards), n)] if cards_per > 1 else lab.payments(n)
        self.ids = lab.accounts(n, persona=kind, label="distillation", campaign=self.name,
                                created_days_ago=age_days, email=_choice(rng, EMAIL_DOMAINS["campaign"], n),
                                payment=payment, country=_choice(rng, ("US", "US", "GB", "SG", "CA"), n),
                                pathway=[pathway] * n)
        # Clients: most operators imitate common SDKs; some ship their own string.
        own = rng.random() < 0.4
        self.ua = [f"aiohttp/3.{rng.integers(7, 11)}.{rng.integers(0, 6)}" if own else u
                   for u in _ua(rng, ("sdk",), n)]
        self.max_tokens = int(rng.choice([2048, 4096, 8192, 16384]))

    def residential_exits(self, m: int) -> np.ndarray:
        """A different home address per request (rented residential proxies)."""
        return self.rng.choice(self.week.residential, m)

    def round_robin(self, per_account_day: float, first_day: float, last_day: float | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
        """A load balancer handing jobs to accounts in turn at a steady pace, with jitter."""
        lab, rng = self.week.lab, self.rng
        last_day = lab.days if last_day is None else last_day
        span = (last_day - first_day) * DAY_US
        total = max(1, int(len(self.ids) * per_account_day * span / DAY_US))
        t = lab.start_us + int(first_day * DAY_US) + np.sort(rng.integers(0, int(span), total))
        t = np.maximum.accumulate(t)
        order = rng.permutation(self.ids)
        acc = order[np.arange(total) % len(order)]
        return acc, np.clip(t + rng.integers(0, 4_000_000, total), lab.start_us, lab.start_us + lab.days * DAY_US - 1)

    def send(self, acc: np.ndarray, t: np.ndarray, user: pa.Array, addr: np.ndarray, *, out_median: float = 1300,
             model: np.ndarray | None = None, **kw) -> None:
        m = len(acc)
        self.week.lab.requests(acc, t, user, model=model if model is not None else self.week.models(t, 0.2),
                               out_tokens=_lognormal(self.rng, out_median, 0.5, m), addr=addr,
                               ua=_per_account(self.ua, acc, self.ids[0]), max_tokens=np.full(m, self.max_tokens), **kw)


def _reasoning_sweep(rng: np.random.Generator, m: int, ask_share: float = 1.0) -> pa.Array:
    """Sweep items across every field, most with a reasoning ask in some language, placed before or after."""
    item = W.fill(rng, W.SWEEP_SHAPES, m, s=W.subjects(rng, rng.integers(0, len(W.FIELDS), m)), k=W.numbers(rng, m))
    ask = W.pick(rng, W.REASONING_ASKS, m)
    asked = W.either(rng, 0.5, W.join(item, ask, sep="\n\n"), W.join(ask, item, sep="\n"))
    return W.either(rng, ask_share, asked, W.join(item, W.pick(rng, W.SWEEP_INSTRUCTIONS, m), sep="\n"))


def reasoning_hydra(week: Week, scale: float, number: int) -> None:
    """Hundreds of small accounts harvesting reasoning traces through datacentre and proxy exits."""
    rng, lab = week.rng, week.lab
    n = max(15, round(scale * rng.uniform(250, 600)))
    op = Operator(week, "reasoning_hydra", number, n, age_days=rng.uniform(3, 25) + rng.uniform(0, 10, n),
                  cards_per=rng.uniform(3, 20), pathway=str(rng.choice(["self_serve", "research"])))
    exits = lab.net.pool(str(rng.choice(["proxy", "cloud"])), int(rng.integers(2, 6)), 20)
    acc, t = op.round_robin(rng.uniform(15, 40), rng.uniform(0, 1.5))
    op.send(acc, t, _reasoning_sweep(rng, len(acc), rng.uniform(0.7, 1.0)), rng.choice(exits, len(acc)))


def harness_hydra(week: Week, scale: float, number: int) -> None:
    """Load-balanced agentic-coding harvesting: one harness prompt, a numbered task list, round robin,
    residential exits per request, common SDK clients, one prepaid card per account, no reasoning asks."""
    rng = week.rng
    n = max(15, round(scale * rng.uniform(120, 300)))
    op = Operator(week, "harness_hydra", number, n, age_days=rng.uniform(5, 60, n), cards_per=1.0,
                  pathway=str(rng.choice(["self_serve", "startup"])))
    acc, t = op.round_robin(rng.uniform(20, 45), rng.uniform(0, 2))
    m = len(acc)
    harness = W.HARNESS_BODIES[int(rng.integers(len(W.HARNESS_BODIES)))].format(
        name=W.HARNESS_NAMES[int(rng.integers(len(W.HARNESS_NAMES)))], tools=W.TOOLS[int(rng.integers(len(W.TOOLS)))])
    base = int(rng.integers(1000, 9000))
    task = W.join(pc.cast(pa.array(base + np.arange(m) // 3), pa.string()), _tickets(rng, m, W.numbers(rng, m)),
                  sep=" | ")
    later = rng.random(m) < 0.6
    history = pc.if_else(pa.array(later), W.join(
        pa.array(['{"role":"user","parts":[{"type":"text","content":"'] * m), task,
        pa.array(['"}]},{"role":"assistant","parts":[{"type":"text","content":"calling tool"}]},'] * m), sep=""),
        pa.scalar("", pa.string()))
    user = pc.if_else(pa.array(later), W.join("Tool result:", W.pick(rng, W.TOOL_OUTPUTS, m)), task)
    op.send(acc, t, user, op.residential_exits(m), system=W.escaped([harness] * m), history=history,
            out_median=1100, tool_calls=0.6, extra_input=rng.integers(2000, 20000, m))


def blended_relay(week: Week, scale: float, number: int) -> None:
    """Relay accounts reselling access: real customers' traffic with a capability sweep mixed in."""
    rng = week.rng
    share = rng.uniform(0.18, 0.32)

    def mixed(m: int) -> pa.Array:
        customers = W.fill(rng, W.ASKS, m, s=W.subjects(rng, rng.integers(0, len(W.FIELDS), m)))
        return W.either(rng, share, _reasoning_sweep(rng, m, 0.5), customers)

    _service(week, "blended_relay", int(rng.integers(2, 4)), (2000 * max(scale, 0.3), 4000 * max(scale, 0.3)),
             mixed, lambda m: W.either(rng, 0.5, W.pick(rng, W.CUSTOMER_APPS, m), pa.array([""] * m, pa.string())),
             out_median=700, max_tokens=8192, label="distillation", campaign=f"C{number:02d}-blended_relay",
             ua=_ua(rng, ("sdk",), 1)[0])


def slow_low(week: Week, scale: float, number: int) -> None:
    """Many accounts, a few requests a day each, in waking hours, from their own home addresses."""
    rng, lab = week.rng, week.lab
    n = max(15, round(scale * rng.uniform(150, 400)))
    op = Operator(week, "slow_low", number, n, age_days=rng.uniform(20, 400, n), cards_per=1.0)
    home = lab.net.singles("residential", n)
    acc, t = lab.schedule(op.ids, _lognormal(rng, rng.uniform(3, 8), 0.4, n), profile="waking", active=0.8)
    op.send(acc, t, _reasoning_sweep(rng, len(acc), rng.uniform(0.6, 1.0)), home[acc - op.ids[0]], out_median=900)


def aged_sleeper(week: Week, scale: float, number: int) -> None:
    """Old accounts that chatted normally for years, then are woken to harvest through residential proxies."""
    rng, lab = week.rng, week.lab
    n = max(10, round(scale * rng.uniform(60, 150)))
    op = Operator(week, "aged_sleeper", number, n, age_days=rng.uniform(400, 1500, n), cards_per=1.0)
    home = lab.net.singles("residential", n)
    wake = float(rng.uniform(1.5, max(1.6, lab.days - 2)))
    acc, t = lab.schedule(op.ids, _lognormal(rng, 3, 0.6, n), profile="waking", active=0.4, last_day=int(wake))
    m = len(acc)
    if m:
        order, user, history = _conversations(week, acc, t, 30 * MINUTE_US, 5, W.fill(rng, W.ASKS, m, s=W.subjects(
            rng, _fields(rng, acc - op.ids[0], n, 2, 0.9))), W.pick(rng, W.FOLLOW_UPS, m))
        acc, t = acc[order], t[order]
        lab.requests(acc, t, user, history=history, model=week.models(t, 0.2), out_tokens=_lognormal(rng, 300, 0.7, m),
                     addr=home[acc - op.ids[0]], ua=_per_account(_ua(rng, ("browser",), n), acc, op.ids[0]),
                     max_tokens=_budget(rng, n)[acc - op.ids[0]])
    lab.take_over(op.ids, lab.start_us + int(wake * DAY_US))
    acc, t = op.round_robin(rng.uniform(10, 30), wake)
    op.send(acc, t, _reasoning_sweep(rng, len(acc), rng.uniform(0.5, 0.9)), op.residential_exits(len(acc)))


def release_pivot(week: Week, scale: float, number: int) -> None:
    """A hydra that moves to the new model within hours of its release and then pulls harder."""
    rng, lab = week.rng, week.lab
    n = max(15, round(scale * rng.uniform(150, 350)))
    op = Operator(week, "release_pivot", number, n, age_days=rng.uniform(2, 40, n), cards_per=rng.uniform(1, 8))
    exits = lab.net.pool("proxy", int(rng.integers(2, 6)), 16)
    acc, t = op.round_robin(rng.uniform(8, 25), 0)
    hours = rng.uniform(0.5, 10)
    model = week.models(t, 0.0)
    model[(t >= week.release_us + int(hours * HOUR_US)) & (rng.random(len(t)) < 0.95)] = NEW
    op.send(acc, t, _reasoning_sweep(rng, len(acc), rng.uniform(0.5, 1.0)), rng.choice(exits, len(acc)), model=model)


BENIGN: tuple[Callable[[Week, float], None], ...] = (
    people, developers, tutoring_app, router, coding_products, enterprise_batch, eval_labs, cron_jobs)
CAMPAIGNS: dict[str, Callable[[Week, float, int], None]] = {
    "reasoning_hydra": reasoning_hydra, "harness_hydra": harness_hydra, "blended_relay": blended_relay,
    "slow_low": slow_low, "aged_sleeper": aged_sleeper, "release_pivot": release_pivot}
HEAVY_BENIGN = ("tutoring_app", "aggregator", "coding_agent", "enterprise_batch", "eval_lab", "cron_script")


def logging_quirks(table: pa.Table) -> pa.Table:
    """This gateway's logging: no temperature, no conversation ids (clients always send max_tokens)."""
    n = table.num_rows
    table = table.set_column(table.schema.get_field_index(s.TEMPERATURE), s.TEMPERATURE, pa.nulls(n, pa.float64()))
    return table.set_column(table.schema.get_field_index(s.CONVERSATION), s.CONVERSATION, pa.nulls(n, pa.string()))
